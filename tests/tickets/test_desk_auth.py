"""Signing in to the desk: rate-limited guessing, and a password change ends other sessions."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


def test_password_guessing_is_rate_limited() -> None:
    factories.make_agent("guessed")
    client = Client(REMOTE_ADDR="198.51.100.77")
    statuses = [
        client.post(
            "/accounts/login/", {"username": "guessed", "password": f"wrong-{n}"}
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [200] * 10  # the form again, with an error
    assert statuses[10] == 429
    # Even the right password waits until the window has passed.
    right = client.post("/accounts/login/", {"username": "guessed", "password": "pw-guessed"})
    assert right.status_code == 429


def test_a_correct_sign_in_reaches_the_desk() -> None:
    factories.make_agent("welcome")
    response = Client().post("/accounts/login/", {"username": "welcome", "password": "pw-welcome"})
    assert response.status_code == 302 and response["Location"] == "/desk/"


def test_changing_the_password_ends_the_other_sessions() -> None:
    agent = factories.make_agent("rotating")
    laptop, phone = Client(), Client()
    laptop.force_login(agent)
    phone.force_login(agent)
    assert phone.get("/desk/q/mine/").status_code == 200
    agent.set_password("a-brand-new-long-password")
    agent.save()
    assert phone.get("/desk/q/mine/").status_code == 302  # back to the sign-in page
    assert laptop.get("/desk/q/mine/").status_code == 302
