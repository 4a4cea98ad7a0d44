"""The desk's WebSocket follows the same sign-in rule as its pages."""

from __future__ import annotations

import pytest
from channels.testing.websocket import WebsocketCommunicator
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from assistant.asgi import application
from assistant.db_async import db_async
from tests import factories
from tickets.accounts.models import SignInPolicy

pytestmark = pytest.mark.django_db(transaction=True)


def _session_cookie(*, verified: bool) -> str:
    """An agent's signed-in session under a policy requiring a second factor."""
    SignInPolicy.objects.update_or_create(pk=1, defaults={"require_two_factor": True})
    agent = factories.make_agent("socketeer")
    client = Client()
    client.force_login(agent)
    if verified:
        device = TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return f"sessionid={client.cookies['sessionid'].value}"


async def _connects(cookie: str) -> bool:
    headers = [(b"origin", b"http://localhost"), (b"cookie", cookie.encode())]
    socket = WebsocketCommunicator(application, "/ws/desk/", headers=headers)
    connected, code = await socket.connect()
    await socket.disconnect()
    return connected and code != 4403


async def test_a_session_without_its_second_factor_cannot_open_the_desk_socket() -> None:
    assert not await _connects(await db_async(_session_cookie)(verified=False))


async def test_a_session_that_showed_its_second_factor_opens_it() -> None:
    assert await _connects(await db_async(_session_cookie)(verified=True))
