"""An admin sets up the website's inbox from the desk: its public name, colour and greeting, a
new identity secret (shown once: after a reload it is gone), the install snippet copied; then
the demo website's widget shows the new name, colour, greeting and avatar. Screenshots of each
inbox settings page and of the widget, desktop and phone, go to var/screens/."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from assistant.chat.models import Inbox
from assistant.demo import DEMO_INBOX_KEY, DEMO_PASSWORD, load_demo_data
from tests.browser.test_settings import PHONE, SCREENS, flash, in_process_server, shoot
from tickets.models import SettingsChange

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["in_process_server"]  # the fixture, shared with the team settings' test

NAME = "Northwind Help"
GREETING = "Welcome to Northwind Cycles! Ask us about your bike."


def sign_in(context: Any, server: Any, username: str) -> Any:
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/**")
    return page


def avatar_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (250, 204, 21)).save(out, format="PNG")
    return out.getvalue()


def test_an_admin_sets_up_the_inbox_and_the_widget_shows_it(
    browser: Any, in_process_server: Any
) -> None:
    server = in_process_server
    load_demo_data(port=server.port)
    inbox = Inbox.objects.get(public_key=DEMO_INBOX_KEY)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    try:
        page = sign_in(context, server, "admin")
        page.get_by_test_id("nav-settings").click()
        page.get_by_test_id("settings-inboxes").click()
        page.wait_for_url("**/desk/settings/inboxes/")
        assert page.get_by_test_id("inbox-table").get_by_text(inbox.name).count() == 1
        shoot(page, "inboxes")
        page.get_by_role("link", name="Open").first.click()
        page.wait_for_url(f"**/desk/settings/inboxes/{inbox.pk}/")

        widget = page.get_by_test_id("inbox-widget-form")
        # A colour the widget's text cannot be read on is refused, with the reason on the page.
        widget.get_by_label("Colour").fill("#777777")
        widget.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        assert "hard to read on #777777" in flash(page)
        widget = page.get_by_test_id("inbox-widget-form")
        widget.get_by_label("Public display name").fill(NAME)
        widget.get_by_label("Colour").fill("#0F766E")
        widget.get_by_label("Greeting", exact=True).fill(GREETING)
        widget.get_by_label("Language of the greeting").select_option("en")
        widget.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
        assert flash(page) == "Inbox saved."
        assert page.get_by_test_id("color-contrast").inner_text() == "Header text contrast 5.5:1"

        page.get_by_label("Avatar image").set_input_files(
            {"name": "logo.png", "mimeType": "image/png", "buffer": avatar_png()}
        )
        page.get_by_role("button", name="Upload").click()
        page.wait_for_load_state()
        assert flash(page) == "Avatar saved."
        assert page.get_by_test_id("avatar-preview").evaluate("img => img.naturalWidth") == 128

        # The new secret is on the page once, and gone after a reload.
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("rotate-secret").click()
        page.get_by_test_id("new-secret").wait_for()
        inbox.refresh_from_db()
        assert page.get_by_test_id("new-secret-value").inner_text() == inbox.identity_secret
        assert flash(page) == "New identity secret created. Copy it now: it is not shown again."
        shoot(page, "inbox-secret-once")
        page.reload()
        assert page.get_by_test_id("new-secret").count() == 0
        assert page.get_by_test_id("secret-hidden").is_visible()
        assert inbox.identity_secret not in page.content()

        page.get_by_test_id("copy-snippet").click()
        expect(page.get_by_test_id("copy-status")).to_have_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == (
            f'<script src="{server.url}/static/widget/loader.js" '
            f'data-inbox="{DEMO_INBOX_KEY}" async></script>'
        )
        shoot(page, "inbox")
        assert set(
            SettingsChange.objects.filter(subject_kind="inbox").values_list("action", flat=True)
        ) == {"updated", "avatar_changed", "identity_secret_rotated"}

        page.goto(f"{server.url}/desk/settings/audit/")
        log = page.get_by_test_id("changes")
        assert log.get_by_text("identity secret rotated").count() == 1
        # The demo inbox's public name before the change, then the new one.
        assert log.get_by_text(f"display_name: Northwind Cycles → {NAME}").count() == 1
        assert inbox.identity_secret not in page.content()
        shoot(page, "audit-inboxes")

        manager = sign_in(browser.new_context(viewport=PHONE), server, "manager")
        manager.goto(f"{server.url}/desk/settings/inboxes/{inbox.pk}/")
        assert manager.get_by_test_id("read-only").is_visible()
        assert manager.get_by_test_id("inbox-widget-form").get_by_label("Colour").is_disabled()
        shoot(manager, "inbox-manager")
        manager.context.close()
    finally:
        context.close()

    visitor = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    visitor.set_default_timeout(15_000)
    try:
        site = visitor.new_page()
        site.goto(f"{server.url}/demo/")
        site.get_by_test_id("launcher").click()
        site.wait_for_selector("[data-testid=panel][data-state=open]")
        site.get_by_test_id("greeting").wait_for()
        panel = site.get_by_test_id("panel")
        assert panel.get_by_role("heading", name=NAME).count() == 1
        assert site.get_by_test_id("greeting").inner_text() == GREETING
        header = site.locator("assistant-widget .hd")
        assert header.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(15, 118, 110)"
        assert header.evaluate("el => getComputedStyle(el).color") == "rgb(255, 255, 255)"
        avatar = site.get_by_test_id("avatar").locator("img")
        avatar.wait_for()
        site.wait_for_function(
            "() => document.querySelector('assistant-widget').shadowRoot"
            ".querySelector('[data-testid=avatar] img').naturalWidth === 128"
        )
        site.screenshot(path=str(SCREENS / "settings-inbox-widget-desktop.png"))
        site.set_viewport_size(PHONE)
        site.wait_for_timeout(200)
        site.screenshot(path=str(SCREENS / "settings-inbox-widget-phone.png"))
    finally:
        visitor.close()
