"""Alerts in Chromium: an agent with the desk in a background tab (notifications allowed) sees
the count in the tab's title and gets a browser notification when a conversation is assigned
to them; with that kind turned off on their Notifications page, the count still follows but
nothing is announced; after a dropped connection the count catches up on reconnecting.
Screens of the sidebar's control and the settings page, desktop and phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from assistant.demo import load_demo_data
from tests import factories
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = settings.BASE_DIR / "var" / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}

# Every Notification, sound and WebSocket the page creates, kept for the test to read: the real
# constructors still run (Chromium shows the notification), the page's code cannot tell.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notifications = [];
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: (options || {}).body || "" });
    }
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
  window.__sockets = [];
  const RealSocket = window.WebSocket;
  window.WebSocket = class extends RealSocket {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
  window.__sounds = [];
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    window.__sounds.push(this.src);
    return play.call(this);
  };
})();
"""


def _shoot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    size = "phone" if page.viewport_size["width"] < 600 else "desktop"
    page.screenshot(path=str(SCREENS / f"alerts-{name}-{size}.png"), full_page=True)


def _waiting_ticket(inbox: Any, text: str, client_id: str) -> Ticket:
    conversation = factories.make_conversation(inbox, text=text, client_id=client_id)
    return factories.make_ticket(conversation)


def _assign(ticket: Ticket, agent: Any, by: Any) -> None:
    services.ticket_assign(ticket=Ticket.objects.get(pk=ticket.pk), agent=agent, by=by)


def _to_background(context: Any, desk: Any) -> Any:
    """Another tab comes to the front. Playwright makes every page look focused by default;
    with that emulation off, the desk's tab loses focus as a real background tab does."""
    context.new_cdp_session(desk).send("Emulation.setFocusEmulationEnabled", {"enabled": False})
    front = context.new_page()
    front.goto("about:blank")
    front.bring_to_front()
    desk.wait_for_function("() => !document.hasFocus()")
    return front


def test_a_background_desk_tab_shows_the_count_and_a_notification_for_an_assignment(
    browser: Any, web_server: Any
) -> None:
    inbox = load_demo_data(port=web_server.port)
    users = get_user_model().objects
    agent, manager = users.get(username="agent"), users.get(username="manager")
    first = in_thread(_waiting_ticket, inbox=inbox, text="My brakes squeak", client_id="b1")
    second = in_thread(_waiting_ticket, inbox=inbox, text="Wrong saddle sent", client_id="b2")

    context = browser.new_context(viewport=DESKTOP)
    context.grant_permissions(["notifications"], origin=web_server.url)
    context.add_init_script(RECORD_NOTIFICATIONS)
    desk = context.new_page()
    try:
        sign_in(desk, web_server, "agent")
        desk.goto(f"{web_server.url}/desk/q/mine/")
        desk.wait_for_selector("body[data-socket=open]")
        plain_title = desk.title()
        assert not plain_title.startswith("(")
        # Allowed already: the sidebar does not offer to turn notifications on.
        assert desk.get_by_test_id("notify-enable").is_hidden()
        _to_background(context, desk)

        in_thread(_assign, ticket=first, agent=agent, by=manager)
        desk.wait_for_function("() => document.title.startsWith('(1) ')")
        assert desk.title() == f"(1) {plain_title}"
        desk.wait_for_function("() => window.__notifications.length === 1")
        assert desk.evaluate("() => window.__notifications") == [
            {"title": "Assigned to you", "body": "My brakes squeak"}
        ]
        # With the sound, shipped with the desk's static files (nothing from elsewhere).
        sounds = desk.evaluate("() => window.__sounds")
        assert len(sounds) == 1 and sounds[0].startswith(f"{web_server.url}/static/desk/alert")
        sound = desk.request.get(sounds[0])
        assert sound.ok and sound.headers["content-type"].startswith("audio/")

        # Assignments turned off on the agent's Notifications page (in a tab in front).
        settings_tab = context.new_page()
        settings_tab.goto(f"{web_server.url}/desk/settings/notifications/")
        settings_tab.get_by_label("A conversation is assigned to me").uncheck()
        settings_tab.get_by_role("button", name="Save").click()
        settings_tab.get_by_text("Notification settings saved.").wait_for()
        assert not settings_tab.get_by_label("A conversation is assigned to me").is_checked()
        _shoot(settings_tab, "saved")
        settings_tab.bring_to_front()
        desk.wait_for_function("() => !document.hasFocus()")

        in_thread(_assign, ticket=second, agent=agent, by=manager)
        # The count is what waits for the agent, so it follows; nothing is announced.
        desk.wait_for_function("() => document.title.startsWith('(2) ')")
        desk.wait_for_timeout(1000)
        assert desk.evaluate("() => window.__notifications.length") == 1
        assert desk.evaluate("() => window.__sounds.length") == 1

        # The connection drops and the network is gone for a while: what changed meanwhile
        # reaches the title once the desk has reconnected.
        context.set_offline(True)
        desk.evaluate("() => window.__sockets.at(-1).close()")
        desk.wait_for_selector("body[data-socket=closed]")
        in_thread(_assign, ticket=first, agent=None, by=manager)
        desk.wait_for_timeout(1000)
        assert desk.title().startswith("(2) ")
        context.set_offline(False)
        desk.wait_for_selector("body[data-socket=open]", timeout=45_000)
        desk.wait_for_function("() => document.title.startsWith('(1) ')")
    finally:
        context.close()


def test_the_notifications_control_and_settings_page_at_desktop_and_phone_sizes(
    browser: Any, web_server: Any
) -> None:
    load_demo_data(port=web_server.port)
    for viewport in (DESKTOP, PHONE):
        # Not granted yet: the sidebar offers the control, and nothing asks on its own.
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            sign_in(page, web_server, "agent")
            page.goto(f"{web_server.url}/desk/settings/notifications/")
            # The words on a desktop, the bell (named by the same words) on a phone.
            enable = page.get_by_role("button", name="Turn on notifications")
            enable.wait_for()
            assert enable.count() == 1
            label = page.get_by_text("Turn on notifications", exact=True)
            readable = label.bounding_box()["width"] > 20  # not the 1-pixel screen-reader box
            assert readable == (viewport is DESKTOP)
            heading = page.get_by_role("heading", name="Notifications", exact=True)
            assert heading.is_visible()
            for label in (
                "A conversation is assigned to me",
                "A customer writes in one of my conversations",
                "One of my conversations is about to miss its target time",
                "Play a sound with each notification",
            ):
                assert page.get_by_label(label).is_checked()
            _shoot(page, "settings")

            # Blocked in the browser's settings: the sidebar says so instead of offering it.
            session = context.new_cdp_session(page)
            target = session.send("Target.getTargetInfo")["targetInfo"]
            session.send(
                "Browser.setPermission",
                {
                    "permission": {"name": "notifications"},
                    "setting": "denied",
                    "origin": web_server.url,
                    "browserContextId": target["browserContextId"],
                },
            )
            page.goto(f"{web_server.url}/desk/q/mine/")
            page.wait_for_selector("body[data-socket=open]")
            assert enable.is_hidden()
            blocked = page.get_by_text("Notifications are blocked for this site", exact=False)
            assert blocked.is_visible() == (viewport is DESKTOP)
            _shoot(page, "blocked")
        finally:
            context.close()
