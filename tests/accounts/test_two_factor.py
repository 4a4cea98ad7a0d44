"""Two-factor sign-in: required by the team, shown with an authenticator code or a recovery
code (each works once), enforced on pages, the API's session endpoints, the admin and the desk
socket, and never on API tokens."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tickets.accounts import two_factor
from tickets.accounts.models import SignInPolicy, StaffEvent

pytestmark = pytest.mark.django_db


def _code(user: AbstractUser, *, offset: int = 0) -> str:
    """The code the person's authenticator shows now (or ``offset`` steps later)."""
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset):06d}"


def _enrolled(username: str, **kwargs: str) -> tuple[AbstractUser, list[str]]:
    """An agent who set up an authenticator (through the enrolment page) and got recovery codes."""
    agent = factories.make_agent(username, **kwargs)
    client = Client()
    client.force_login(agent)
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    page = client.post("/accounts/two-factor/setup/", {"code": _code(agent)})
    codes = list(page.context["codes"])
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    return agent, codes


def _password_step(username: str) -> tuple[Client, str]:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": f"pw-{username}"})
    return client, response["Location"]


def _require_two_factor() -> None:
    SignInPolicy.objects.update_or_create(pk=1, defaults={"require_two_factor": True})


def test_the_password_alone_does_not_sign_in_an_account_with_an_authenticator() -> None:
    _enrolled("careful")
    client, location = _password_step("careful")
    assert location.startswith("/accounts/two-factor/verify/")
    assert client.get("/desk/q/mine/").status_code == 302  # not signed in yet
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/two-factor/verify/", {"code": "000000", "next": "/desk/"})
    assert wrong.status_code == 200 and b"That code is not right" in wrong.content
    assert client.get("/desk/q/mine/").status_code == 302


def test_a_current_code_finishes_the_sign_in() -> None:
    agent, _codes = _enrolled("coded")
    client, _location = _password_step("coded")
    done = client.post(
        "/accounts/two-factor/verify/", {"code": _code(agent, offset=1), "next": "/desk/q/mine/"}
    )
    assert done.status_code == 302 and done["Location"] == "/desk/q/mine/"
    assert client.get("/desk/q/mine/").status_code == 200
    assert StaffEvent.objects.filter(user=agent, kind=StaffEvent.Kind.SIGNED_IN).exists()


def test_a_recovery_code_signs_in_once() -> None:
    agent, codes = _enrolled("phoneless")
    first, _ = _password_step("phoneless")
    accepted = first.post("/accounts/two-factor/verify/", {"code": codes[0].upper()})
    assert accepted.status_code == 302 and first.get("/desk/q/mine/").status_code == 200
    assert two_factor.recovery_codes_left(agent) == two_factor.RECOVERY_CODE_COUNT - 1

    second, _ = _password_step("phoneless")
    refused = second.post("/accounts/two-factor/verify/", {"code": codes[0]})
    assert b"That code is not right" in refused.content
    assert second.get("/desk/q/mine/").status_code == 302
    assert (
        StaffEvent.objects.filter(user=agent, kind=StaffEvent.Kind.RECOVERY_CODE_USED).count() == 1
    )


def test_when_the_team_requires_it_nobody_reaches_the_desk_api_or_admin_without_it() -> None:
    _require_two_factor()
    admin = factories.make_agent("boss", role="admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client, location = _password_step("boss")
    assert location == "/desk/"  # signed in with the password, but confined:
    for path in ("/desk/", "/desk/q/mine/", "/admin/", "/analytics/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/setup/"), path
    api = client.get("/api/v1/tickets")
    assert api.status_code == 403 and api.json()["error"] == "two_factor_required"

    setup = client.get("/accounts/two-factor/setup/")
    assert b"Your team requires a one-time code" in setup.content
    client.post("/accounts/two-factor/setup/", {"code": _code(admin)})
    assert client.get("/desk/q/mine/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/tickets").status_code == 200


def test_an_admin_site_sign_in_cannot_skip_the_code() -> None:
    admin, _codes = _enrolled("sneaky", role="admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.post("/admin/login/", {"username": "sneaky", "password": "pw-sneaky"})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/verify/")


def test_api_tokens_are_not_asked_for_a_second_factor() -> None:
    _require_two_factor()
    manager = factories.make_agent("robot", role="manager")
    key = factories.make_api_key(manager)
    response = Client().get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_removing_needs_a_current_code_and_is_refused_when_required() -> None:
    agent, codes = _enrolled("changing")
    client = Client()
    client.force_login(agent)
    client.post("/accounts/two-factor/verify/", {"code": codes[0]})
    refused = client.post("/accounts/two-factor/remove/", {"code": "123456"})
    assert b"That code is not right" in refused.content and two_factor.has_two_factor(agent)

    _require_two_factor()
    required = client.post("/accounts/two-factor/remove/", {"code": codes[1]})
    assert b"cannot be removed" in required.content and two_factor.has_two_factor(agent)

    SignInPolicy.objects.update(require_two_factor=False)
    client.post("/accounts/two-factor/remove/", {"code": codes[2]})
    assert not two_factor.has_two_factor(agent)
    kinds = list(StaffEvent.objects.filter(user=agent).values_list("kind", flat=True))
    assert StaffEvent.Kind.TWO_FACTOR_ENROLLED in kinds
    assert StaffEvent.Kind.TWO_FACTOR_REMOVED in kinds


def test_code_guessing_is_rate_limited() -> None:
    _enrolled("guessed2fa")
    client, _ = _password_step("guessed2fa")
    statuses = [
        client.post("/accounts/two-factor/verify/", {"code": f"{n:06d}"}).status_code
        for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]
