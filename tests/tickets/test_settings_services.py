"""The rules behind the settings pages (tickets/workspace), called as the desk calls them."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from assistant.chat.models import Conversation
from tickets import services as ticket_services
from tickets import sla
from tickets.business_hours import is_open
from tickets.models import AgentProfile, CannedReply, Holiday, SettingsChange, SLAPolicy, Ticket
from tickets.workspace import agents, canned, teams
from tickets.workspace.permissions import SettingsRefused

pytestmark = pytest.mark.django_db


def test_creating_a_team_is_recorded_with_who_and_what(world: Any) -> None:
    team = teams.team_create(name="  Returns ", by=world.admin)
    change = SettingsChange.objects.get()
    assert (team.name, change.actor, change.actor_name) == ("Returns", world.admin, "Ada")
    assert (change.subject_kind, change.action, change.after) == (
        "team",
        "created",
        {"name": "Returns"},
    )


def test_only_admins_create_teams_and_names_are_unique(world: Any) -> None:
    with pytest.raises(SettingsRefused) as refused:
        teams.team_create(name="Returns", by=world.manager)
    assert refused.value.status == 403
    with pytest.raises(SettingsRefused) as duplicate:
        teams.team_create(name="team a", by=world.admin)
    assert duplicate.value.code == "duplicate"


def test_a_manager_changes_members_but_not_the_inboxes_of_their_team(world: Any) -> None:
    teams.team_update(
        team=world.team_a,
        by=world.manager,
        name="Team A",
        members=[world.manager],
        inboxes=[world.inbox_a],
    )
    assert list(world.team_a.members.all()) == [world.manager]
    with pytest.raises(SettingsRefused):
        teams.team_update(
            team=world.team_a, by=world.manager, name="Team A", members=[world.manager], inboxes=[]
        )
    assert list(world.team_a.inboxes.all()) == [world.inbox_a]
    change = SettingsChange.objects.get()
    assert change.before["members"] == sorted([world.agent_a.pk, world.manager.pk])
    assert change.after["members"] == [world.manager.pk]


def test_hours_and_a_holiday_reach_the_sla_clocks(world: Any) -> None:
    teams.team_set_hours(
        team=world.team_a,
        by=world.manager,
        time_zone="Europe/Berlin",
        weekly_hours={"mon": [["08:00", "16:00"]]},
    )
    teams.holiday_add(
        team=world.team_a, by=world.manager, date=datetime.date(2027, 3, 1), name="Company day"
    )
    ticket_services.ticket_update(ticket=world.ticket_a, by=world.admin, team=world.team_a)
    calendar = sla.calendar_for(Ticket.objects.get(pk=world.ticket_a.pk))
    berlin_9am = datetime.datetime(2027, 3, 8, 9, 0, tzinfo=datetime.UTC) - datetime.timedelta(
        hours=1
    )
    assert is_open(calendar, berlin_9am)  # a Monday
    assert not is_open(calendar, berlin_9am - datetime.timedelta(days=7))  # the holiday
    assert not is_open(calendar, berlin_9am + datetime.timedelta(days=1))  # Tuesday: closed
    actions = list(SettingsChange.objects.values_list("action", flat=True))
    assert sorted(actions) == ["holiday_added", "hours_set"]


@pytest.mark.parametrize(
    "hours",
    [{"mon": [["17:00", "09:00"]]}, {"mon": [["9", "17"]]}, {"someday": [["09:00", "17:00"]]}, {}],
)
def test_impossible_hours_are_refused(world: Any, hours: dict[str, Any]) -> None:
    with pytest.raises(SettingsRefused):
        teams.team_set_hours(team=world.team_a, by=world.admin, time_zone="UTC", weekly_hours=hours)
    assert not SettingsChange.objects.exists()


def test_a_countrys_public_holidays_are_added_once(world: Any) -> None:
    teams.holiday_add(
        team=world.team_a, by=world.admin, date=datetime.date(2027, 12, 25), name="Ours"
    )
    added = teams.public_holidays_add(team=world.team_a, by=world.admin, country="DE", year=2027)
    days = dict(Holiday.objects.filter(calendar__team=world.team_a).values_list("date", "name"))
    assert days[datetime.date(2027, 10, 3)] == "German Unity Day"
    assert days[datetime.date(2027, 12, 25)] == "Ours"  # the team's own name for it stays
    assert added == len(days) - 1
    assert (
        teams.public_holidays_add(team=world.team_a, by=world.admin, country="DE", year=2027) == 0
    )
    with pytest.raises(SettingsRefused):
        teams.public_holidays_add(team=world.team_a, by=world.admin, country="XX", year=2027)


def test_sla_targets_are_set_and_changed(world: Any) -> None:
    for minutes in (30, 45, 45):
        teams.sla_policy_set(
            team=world.team_a, by=world.manager, priority=3,
            first_response_minutes=minutes, next_response_minutes=60, resolution_minutes=480,
        )  # fmt: skip
    policy = SLAPolicy.objects.get(team=world.team_a)
    assert policy.first_response_minutes == 45
    assert SettingsChange.objects.filter(action="sla_policy_set").count() == 2  # not the repeat


def test_an_invitation_link_lets_the_new_agent_choose_a_password_once(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        user = agents.agent_invite(
            email="Nina@Example.com", role="agent", teams=[world.team_a],
            by=world.admin, site_url="https://desk.example.com/",
        )  # fmt: skip
    assert not user.has_usable_password()
    assert list(user.teams.all()) == [world.team_a]
    [message] = mail.outbox
    assert message.to == ["nina@example.com"]
    assert "Ada invited you" in message.body
    link = re.search(r"https://desk\.example\.com(/accounts/invitation/\S+)", message.body)
    assert link is not None
    client = Client()
    form_page = client.get(link.group(1), follow=True)
    assert "Choose your password" in form_page.content.decode()
    password = "a long new password 42"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    assert Client().login(username="nina@example.com", password=password)
    # Used once: the link no longer works.
    again = Client().get(link.group(1), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_address_already_here_is_not_invited_again(world: Any) -> None:
    world.agent_a.email = "alice@example.com"
    world.agent_a.save()
    with pytest.raises(SettingsRefused):
        agents.agent_invite(
            email="ALICE@example.com", role="agent", teams=[], by=world.admin, site_url="/"
        )
    with pytest.raises(SettingsRefused):
        agents.agent_invite(
            email="not an address", role="agent", teams=[], by=world.admin, site_url="/"
        )
    assert not mail.outbox


def test_role_and_capacity_change_but_an_admin_keeps_their_own_role(world: Any) -> None:
    agents.agent_update(user=world.agent_a, by=world.admin, role="manager", capacity=8)
    profile = AgentProfile.objects.get(user=world.agent_a)
    assert (profile.role, profile.capacity) == ("manager", 8)
    change = SettingsChange.objects.get()
    assert (change.before, change.after) == (
        {"role": "agent", "capacity": 5},
        {"role": "manager", "capacity": 8},
    )
    with pytest.raises(SettingsRefused):
        agents.agent_update(user=world.admin, by=world.admin, role="agent", capacity=5)


def test_deactivating_an_agent_puts_their_open_work_back_in_the_queue(world: Any) -> None:
    ticket_services.takeover(conversation=world.conversation_a, agent=world.agent_a)
    released = agents.agent_deactivate(user=world.agent_a, by=world.admin)
    assert released == 1
    conversation = Conversation.objects.get(pk=world.conversation_a.pk)
    assert (conversation.state, conversation.assigned_agent) == ("waiting", None)
    assert Ticket.objects.get(pk=world.ticket_a.pk).assignee is None
    world.agent_a.refresh_from_db()
    assert not world.agent_a.is_active
    assert not Client().login(username="alice", password="pw-alice")
    assert SettingsChange.objects.filter(
        action="deactivated", subject_id=str(world.agent_a.pk)
    ).exists()
    with pytest.raises(SettingsRefused):
        agents.agent_deactivate(user=world.admin, by=world.admin)


def test_each_person_sees_shared_team_and_only_their_own_saved_replies(world: Any) -> None:
    shared = canned.canned_reply_create(by=world.admin, title="Hi", text="Hello", scope="shared")
    team_a = canned.canned_reply_create(
        by=world.manager, title="A", text="For A", scope="team", team=world.team_a
    )
    mine = canned.canned_reply_create(by=world.agent_a, title="Me", text="Alex", scope="personal")
    in_a = set(canned.canned_replies_for(user=world.agent_a, inbox_id=world.inbox_a.pk))
    assert in_a == {shared, team_a, mine}
    in_a_for_bob = set(canned.canned_replies_for(user=world.agent_b, inbox_id=world.inbox_a.pk))
    assert in_a_for_bob == {shared, team_a}
    assert set(canned.canned_replies_for(user=world.agent_a, inbox_id=world.inbox_b.pk)) == {
        shared,
        mine,
    }
    actions = SettingsChange.objects.filter(action="canned_reply_created")
    assert sorted(actions.values_list("actor_name", flat=True)) == ["Ada", "Alice", "Maria"]


def test_the_desk_does_not_insert_somebody_elses_personal_reply(world: Any) -> None:
    theirs = CannedReply.objects.create(title="Bob's", text="Secret", owner=world.agent_b)
    mine = CannedReply.objects.create(title="Mine", text="Hi {customer_name}", owner=world.agent_a)
    client = Client()
    client.force_login(world.agent_a)
    base = f"/desk/c/{world.conversation_a.pk}/canned/"
    filled = client.post(f"{base}{mine.pk}")
    assert (filled.status_code, filled.content.decode()) == (
        200,
        "Hi there",
    )  # an anonymous contact has no name
    assert client.post(f"{base}{theirs.pk}").status_code == 404
    page = client.get(f"/desk/c/{world.conversation_a.pk}/").content.decode()
    assert "Mine" in page and "Bob&#x27;s" not in page and "Bob's" not in page


def test_only_those_who_may_change_a_saved_reply_do(world: Any) -> None:
    shared = canned.canned_reply_create(by=world.admin, title="Hi", text="Hello", scope="shared")
    with pytest.raises(SettingsRefused):
        canned.canned_reply_update(reply=shared, by=world.manager, title="X", text="Y")
    with pytest.raises(SettingsRefused):
        canned.canned_reply_create(by=world.agent_a, title="T", text="t", scope="shared")
    with pytest.raises(SettingsRefused):
        canned.canned_reply_create(
            by=world.manager, title="T", text="t", scope="team", team=world.team_b
        )
    canned.canned_reply_delete(reply=shared, by=world.admin)
    assert not CannedReply.objects.exists()
