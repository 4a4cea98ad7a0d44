"""The whole continuity flow with real processes: a widget visitor leaves an address and goes,
the agent replies on the desk, a real Celery worker mails the reply to a real SMTP server after
the grace period, and the customer's answer to that mail, posted by a relay, lands in the same
conversation on the desk."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from email.utils import parseaddr

import pytest
from django.db import connection
from django.test import Client

from assistant.chat import services
from assistant.chat.models import Message
from assistant.db_async import db_async
from assistant.mail import credentials, reply_tokens
from assistant.mail.models import OutboundMail
from tests import factories
from tests.chat.conftest import Widget
from tests.conftest import (
    child_process_environment,
    purge_queued_tasks,
    start_celery_worker,
    stop_process,
)
from tests.mail.mailin_support import mime
from tests.mail.outbound_helpers import CUSTOMER, make_account
from tests.mail.smtp import SMTPServer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
GRACE = 2


@pytest.fixture
def mail_worker(
    django_db_setup, django_db_blocker, smtp_server: SMTPServer
) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker on the test database whose mail goes to the test's SMTP server."""
    with django_db_blocker.unblock():
        environment = child_process_environment(connection.settings_dict["NAME"])
    environment["EMAIL_URL"] = smtp_server.url
    purge_queued_tasks()
    process = start_celery_worker(environment, "mailout")
    yield process
    stop_process(process)


async def _until(condition, *, timeout: float = 30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if result := await condition():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError("timed out waiting")


@db_async
def _world():
    account = make_account()
    relay_key = credentials.relay_key_rotate(account=account, by="test")
    agent = factories.make_agent("alex")
    factories.make_team(inboxes=(account.inbox,), members=(agent,))
    session = factories.make_session(account.inbox)
    stored = services.customer_message_create(
        contact_id=session.contact.id, text="Can I still change my delivery address?",
        client_id="c1",
    )  # fmt: skip
    return account, relay_key, agent, session, stored.conversation


@db_async
def _desk_post(agent, path: str, data: dict) -> int:
    client = Client()
    client.force_login(agent)
    return client.post(path, data).status_code


@db_async
def _desk_page(agent, path: str) -> str:
    client = Client()
    client.force_login(agent)
    return client.get(path).content.decode()


@db_async
def _relay_post(address: str, key: str, raw: bytes) -> int:
    response = Client().post(
        f"/mail/inbound/{address}/",
        data=raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    return response.status_code


async def test_the_visitor_who_left_gets_the_reply_by_mail_and_their_answer_joins_the_desk(
    settings, smtp_server, mail_worker
):
    settings.MAIL_CONTINUITY_GRACE_SECONDS = GRACE
    account, relay_key, agent, session, conversation = await _world()

    widget = Widget()
    await widget.hello(session.token)
    await widget.send({"type": "email", "email": CUSTOMER})
    await widget.receive_until("message")
    await widget.close()

    reply = "Yes: answer this mail with the new address and we change it before it ships."
    status = await _desk_post(agent, f"/desk/c/{conversation.id}/reply", {"text": reply})
    assert status == 204

    async def reply_mail():
        return next(
            (mail for mail in smtp_server.received if mail.header("Subject") != "Confirm your "
             "e-mail address"), None,
        )  # fmt: skip

    mail = await _until(reply_mail)

    async def marked_sent():
        # The worker marks it sent right after the server's 250, which the test may see first.
        return await db_async(
            OutboundMail.objects.filter(conversation=conversation, state="sent").first
        )()

    outbound = await _until(marked_sent)
    assert mail.envelope_to == [CUSTOMER]
    assert mail.header("Message-ID") == outbound.message_id
    reply_to = parseaddr(mail.header("Reply-To"))[1]
    assert reply_tokens.conversation_id_in(addresses=[reply_to], subject="") == conversation.id
    assert mail.header("Subject").endswith(reply_tokens.subject_tag(conversation.id))
    assert mail.message["Auto-Submitted"] is None
    assert mail.part("text/plain").startswith(reply)
    # The address the visitor typed also got the link that would prove it is theirs.
    assert any(m.header("Subject") == "Confirm your e-mail address" for m in smtp_server.received)

    # The customer answers from their mail client: to the Reply-To, quoting the reply.
    answer = mime(
        sender=f"Ada <{CUSTOMER}>",
        to=reply_to,
        subject=f"Re: {mail.header('Subject')}",
        text=f"New address: 5 Harbour Street, Leith.\n\nOn Monday Shop wrote:\n> {reply}\n",
        in_reply_to=mail.header("Message-ID"),
        references=mail.header("Message-ID"),
    )
    assert await _relay_post(account.address, relay_key, answer) == 202

    async def customer_answer():
        return await db_async(
            Message.objects.filter(
                conversation=conversation, author_kind="customer", text__contains="Harbour"
            ).first
        )()

    answered = await _until(customer_answer)
    assert "answer this mail with the new address" not in answered.text  # the quote stripped
    page = await _desk_page(agent, f"/desk/c/{conversation.id}/")
    assert page.count("New address: 5 Harbour Street, Leith.") == 1
