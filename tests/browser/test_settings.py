"""An admin runs the team from the desk's settings: creates a team, sets its hours and a
holiday, invites an agent; the invitation e-mail's link lets the agent choose a password and
sign in. Screenshots of every settings page, desktop and phone, go to var/screens/."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core import mail

from assistant.demo import DEMO_PASSWORD, load_demo_data
from tests.live import free_port
from tickets.models import Holiday, SettingsChange, Team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(settings.BASE_DIR) / "var" / "screens"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def in_process_server() -> Iterator[Any]:
    """The product's ASGI application under uvicorn, in a thread of this process: the e-mail
    it sends lands in Django's test outbox (mail.outbox), which a server process could not
    share with the test. Static files come from the finders, as under Channels' live server."""
    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from assistant.asgi import application

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            ASGIStaticFilesHandler(application),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the in-process server did not start"
        time.sleep(0.05)
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", port=port)
    server.should_exit = True
    thread.join(timeout=10)


def shoot(page: Any, name: str) -> None:
    """The page at desktop size, then at phone size (full length both)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    page.screenshot(path=str(SCREENS / f"settings-{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENS / f"settings-{name}-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 860})


def flash(page: Any) -> str:
    return page.get_by_test_id("flash").inner_text()


def test_an_admin_sets_up_a_team_and_invites_an_agent_who_signs_in(
    browser: Any, in_process_server: Any
) -> None:
    server = in_process_server
    load_demo_data(port=server.port)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/accounts/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/desk/**")

        page.get_by_test_id("nav-settings").click()
        page.wait_for_url("**/desk/settings/teams/")
        page.get_by_label("Team name").fill("Returns desk")
        page.get_by_role("button", name="Create team").click()
        page.wait_for_url(re.compile(r"/desk/settings/teams/\d+/$"))
        assert flash(page) == "Team created."
        team = Team.objects.get(name="Returns desk")

        hours = page.get_by_test_id("hours-form")
        hours.get_by_label("Time zone").fill("Europe/Berlin")
        hours.get_by_label("Saturday", exact=True).check()
        hours.get_by_label("Saturday from").fill("10:00")
        hours.get_by_label("Saturday to").fill("14:00")
        hours.get_by_role("button", name="Save hours").click()
        page.wait_for_load_state()
        assert flash(page) == "Opening hours saved."
        assert team.calendar.__class__.objects.get(team=team).weekly_hours["sat"] == [
            ["10:00", "14:00"]
        ]

        own = page.get_by_test_id("holiday-form")
        own.get_by_label("Date").fill("2027-06-18")
        own.get_by_label("Name").fill("Company summer party")
        own.get_by_role("button", name="Add holiday").click()
        page.wait_for_load_state()
        assert flash(page) == "Holiday added."
        public = page.get_by_test_id("public-holidays-form")
        public.get_by_label("Country").select_option("DE")
        public.get_by_label("Year").fill("2027")
        public.get_by_role("button", name="Add public holidays").click()
        page.wait_for_load_state()
        holidays = page.get_by_test_id("holidays")
        assert holidays.get_by_text("Company summer party").count() == 1
        assert holidays.get_by_text("German Unity Day").count() == 1
        assert Holiday.objects.filter(calendar__team=team).count() > 5

        sla_form = page.get_by_test_id("sla-form")
        sla_form.get_by_label("Priority").select_option(label="High")
        sla_form.get_by_label("First response (business minutes)").fill("30")
        sla_form.get_by_label("Next response (business minutes)").fill("60")
        sla_form.get_by_label("Resolution (business minutes)").fill("480")
        sla_form.get_by_role("button", name="Save targets").click()
        page.wait_for_load_state()
        assert page.get_by_test_id("sla-table").get_by_text("30 minutes").count() == 1
        # The team's page lists its changes, with who made them.
        assert page.get_by_test_id("changes").get_by_text("Ada Admin").count() == 5
        shoot(page, "team")

        page.get_by_test_id("settings-agents").click()
        page.wait_for_url("**/desk/settings/agents/")
        invite = page.get_by_test_id("invite-form")
        invite.get_by_label("E-mail address").fill("nina@northwind.example")
        invite.get_by_label("Returns desk").check()
        invite.get_by_role("button", name="Send invitation").click()
        page.wait_for_load_state()
        assert flash(page) == "Invitation sent to nina@northwind.example."
        row = page.get_by_test_id("agent-nina@northwind.example")
        assert row.get_by_text("Invited, no password yet").count() == 1
        shoot(page, "agents")

        page.goto(f"{server.url}/desk/settings/teams/")
        shoot(page, "teams")
        page.goto(f"{server.url}/desk/settings/audit/")
        entry = page.get_by_test_id("changes").get_by_text("nina@northwind.example: invited")
        assert entry.count() == 1
        shoot(page, "audit")

        page.get_by_test_id("settings-replies").click()
        new = page.get_by_test_id("reply-new")
        new.get_by_label("Title").fill("Returns label")
        new.get_by_label("Text").fill("Hi {customer_name}, your return label is on its way.")
        new.get_by_label("Who can use it").select_option(label="Team Returns desk")
        new.get_by_role("button", name="Save reply").click()
        page.wait_for_load_state()
        assert flash(page) == "Saved reply created."
        # Listed once, under whom it is for (the other match would be the form's option).
        assert page.locator(".reply-scope").get_by_text("Team Returns desk").count() == 1
        shoot(page, "replies")

        [message] = mail.outbox
        assert message.to == ["nina@northwind.example"]
        link = re.search(r"(http://127\.0\.0\.1:\d+/accounts/invitation/\S+)", message.body)
        assert link is not None, message.body
    finally:
        context.close()

    # The new colleague, in their own browser.
    agent = browser.new_context(viewport=PHONE)
    agent.set_default_timeout(15_000)
    page = agent.new_page()
    try:
        page.goto(link.group(1))
        page.get_by_test_id("set-password").wait_for()
        page.screenshot(path=str(SCREENS / "settings-invitation-phone.png"), full_page=True)
        page.get_by_label("New password").fill("bicycle harbour 2027")
        page.get_by_label("The same password again").fill("bicycle harbour 2027")
        page.get_by_role("button", name="Set password").click()
        page.get_by_test_id("invitation-accepted").wait_for()
        page.screenshot(path=str(SCREENS / "settings-invitation-done-phone.png"), full_page=True)
        page.get_by_role("link", name="Sign in").click()
        page.fill("#id_username", "nina@northwind.example")
        page.fill("#id_password", "bicycle harbour 2027")
        page.click("button[type=submit]")
        page.wait_for_url("**/desk/**")
        # Signed in as themself, in the team the admin chose.
        assert page.get_by_text("nina@northwind.example").count() >= 1
        assert team.members.filter(username="nina@northwind.example").exists()
    finally:
        agent.close()
    assert SettingsChange.objects.filter(action="invited").count() == 1
