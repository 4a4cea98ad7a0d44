"""Staff accounts in Chromium: setting up two-factor sign-in, then signing in with a code, and
the sign-in and password-reset pages at desktop and phone sizes."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tickets.accounts.models import SignInPolicy, StaffEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a person sees, kept to look at after a run.
SCREENS = settings.BASE_DIR / "var" / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def _shoot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    size = "phone" if page.viewport_size["width"] < 600 else "desktop"
    page.screenshot(path=str(SCREENS / f"accounts-{name}-{size}.png"), full_page=True)


def _current_code(user: AbstractUser, *, confirmed: bool, later: int = 0) -> str:
    """The code the authenticator shows (``later`` steps on: a code is accepted only once)."""
    device = TOTPDevice.objects.get(user=user, confirmed=confirmed)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=later):06d}"


def _password_step(page: Any, server: Any, username: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}")
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_required_second_factor_is_set_up_then_asked_for_at_sign_in(
    browser: Any, web_server: Any, viewport: dict[str, int]
) -> None:
    SignInPolicy.objects.update_or_create(pk=1, defaults={"require_two_factor": True})
    agent = factories.make_agent(f"enrolling{viewport['width']}")
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        _password_step(page, web_server, agent.username)
        # The desk is out of reach until an authenticator is set up.
        page.wait_for_url("**/accounts/two-factor/setup/**")
        page.get_by_text("Your team requires a one-time code at sign-in.").wait_for()
        assert page.get_by_test_id("qr").locator("svg").is_visible()
        page.get_by_text("Can't scan? Type this key instead").click()
        assert len(page.get_by_test_id("secret").inner_text()) >= 16
        _shoot(page, "setup")

        page.get_by_role("textbox", name="Code").fill(_current_code(agent, confirmed=False))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        codes = page.get_by_test_id("recovery-codes").locator("li")
        codes.first.wait_for()
        assert codes.count() == 10
        page.get_by_text("they are shown only now").wait_for()
        _shoot(page, "recovery-codes")
        page.get_by_test_id("continue").click()
        page.wait_for_url("**/desk/**")

        # Next time: the password, then the code.
        page.context.clear_cookies()
        _password_step(page, web_server, agent.username)
        page.wait_for_url("**/accounts/two-factor/verify/**")
        page.get_by_role("textbox", name="Code").fill("000000")
        page.get_by_role("button", name="Verify").click()
        assert page.get_by_role("alert").inner_text() == "That code is not right."
        _shoot(page, "verify")
        # django-otp makes the next try wait a second after a wrong code (throttling).
        page.wait_for_timeout(1500)
        page.get_by_role("textbox", name="Code").fill(_current_code(agent, confirmed=True, later=1))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url("**/desk/**")
        kinds = set(StaffEvent.objects.filter(user=agent).values_list("kind", flat=True))
        assert {StaffEvent.Kind.TWO_FACTOR_ENROLLED, StaffEvent.Kind.SIGNED_IN} <= kinds
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_sign_in_page_leads_to_a_password_reset_that_says_the_same_for_everyone(
    browser: Any, web_server: Any, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{web_server.url}/accounts/login/")
        assert page.get_by_role("heading").inner_text().endswith("Sign in to the desk")
        _shoot(page, "sign-in")
        page.get_by_test_id("forgot-password").click()
        page.get_by_role("heading", name="Reset your password").wait_for()
        _shoot(page, "reset")
        page.get_by_label("E-mail address").fill("nobody@example.com")
        page.get_by_role("button", name="Send the link").click()
        sent = page.get_by_test_id("reset-sent")
        sent.wait_for()
        assert page.get_by_text("If an account uses that address").count() == 1
        _shoot(page, "reset-sent")
    finally:
        context.close()
