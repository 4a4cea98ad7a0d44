"""Honest availability: an agent is online only while a desk tab of theirs is alive, routing
gives tickets only to agents online now, and the customer hears "shortly" only when someone is
there within business hours; otherwise when the team is back, in their own time zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from assistant.chat import availability as chat_availability
from assistant.chat import services as chat
from assistant.chat.models import Conversation, Message
from assistant.mail.models import MailAccount, OutboundMail
from tests import factories
from tests.tickets.test_desk_live import desk_socket
from tickets import availability, escalation, online
from tickets.models import AgentProfile, BusinessCalendar, Ticket

# Monday 7 December 2026, 10:00 in Amsterdam; the team works Mon-Fri 09:00-17:30 there.
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SATURDAY_NIGHT = datetime(2026, 12, 12, 23, 0, tzinfo=UTC)
WEEKDAYS = {day: [["09:00", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def at_the_desk(agent: Any, *, tab: str = "tab-1", seen: float | None = None) -> None:
    async_to_sync(online.tab_alive)(user_id=agent.pk, tab=tab, now=seen)


def signed_up(username: str, team: Any, availability_choice: str = "online") -> Any:
    agent = factories.make_agent(username, teams=(team,))
    AgentProfile.objects.filter(user=agent).update(availability=availability_choice)
    return agent


def handed_off(inbox: Any) -> Conversation:
    conversation = factories.make_conversation(inbox, text="My e-bike battery stopped charging")
    chat.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    conversation.refresh_from_db()
    return conversation


def test_a_desk_tab_counts_while_it_shows_signs_of_life_and_drops_out_without_them() -> None:
    now = time.time()
    async_to_sync(online.tab_alive)(user_id=7, tab="a", now=now)
    assert online.connected_agent_ids(now=now + online.ONLINE_TTL - 1) == {7}
    assert online.connected_agent_ids(now=now + online.ONLINE_TTL + 1) == set()


def test_closing_one_tab_leaves_the_agent_online_in_another_until_that_closes_too() -> None:
    async_to_sync(online.tab_alive)(user_id=7, tab="a")
    async_to_sync(online.tab_alive)(user_id=7, tab="b")
    async_to_sync(online.tab_closed)(user_id=7, tab="a")
    assert online.connected_agent_ids() == {7}
    async_to_sync(online.tab_closed)(user_id=7, tab="b")
    assert online.connected_agent_ids() == set()


@pytest.mark.django_db(transaction=True)
async def test_the_desk_socket_makes_its_agent_online_until_it_closes(world: Any) -> None:
    socket = await desk_socket(world.agent_a)
    connected, _ = await socket.connect()
    assert connected
    assert online.connected_agent_ids() == {world.agent_a.pk}
    await socket.disconnect()
    assert online.connected_agent_ids() == set()


@pytest.mark.django_db
def test_routing_assigns_only_to_agents_at_their_desk_in_the_online_status() -> None:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    signed_up("gone", team)  # "online" in their profile, but no desk tab open
    away = signed_up("away", team, "away")
    at_the_desk(away)
    first = escalation.escalate(conversation_id=str(handed_off(inbox).pk), reason="x")
    assert first.assignee_id is None and first.team_id == team.pk  # the team's queue

    here = signed_up("here", team)
    at_the_desk(here)
    second = escalation.escalate(conversation_id=str(handed_off(inbox).pk), reason="x")
    assert second.assignee_id == here.pk


@pytest.mark.django_db
def test_a_tab_silent_past_the_ttl_no_longer_gets_tickets() -> None:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    agent = signed_up("sleepy", team)
    at_the_desk(agent, seen=time.time() - online.ONLINE_TTL - 5)
    ticket = escalation.escalate(conversation_id=str(handed_off(inbox).pk), reason="x")
    assert ticket.assignee_id is None


@pytest.mark.django_db
def test_shortly_is_said_only_when_someone_is_online_within_business_hours() -> None:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    BusinessCalendar.objects.create(team=team, time_zone="Europe/Amsterdam", weekly_hours=WEEKDAYS)
    agent = signed_up("ada", team)

    nobody = availability.status_of(team, inbox_id=inbox.pk, now=MONDAY_MORNING)
    assert nobody.open_now and not nobody.answering_now
    at_the_desk(agent)
    someone = availability.status_of(team, inbox_id=inbox.pk, now=MONDAY_MORNING)
    assert someone.answering_now
    closed = availability.status_of(team, inbox_id=inbox.pk, now=SATURDAY_NIGHT)
    assert not closed.answering_now  # Ada's tab is open, but it is Saturday night

    text = chat_availability.wait_text(
        closed, language="en", time_zone="America/New_York", assignee="Ada"
    )
    # Monday 09:00 in Amsterdam is 03:00 in New York.
    assert "back Monday, 3:00\u202fAM (your time)" in text and "Ada" not in text
    assert "email address" in text
    said = chat_availability.wait_text(someone, language="en", time_zone="", assignee="Ada")
    assert said == "Ada from our team will reply here shortly."


@pytest.mark.django_db
def test_nobody_at_the_desk_means_no_promise_and_the_offer_of_email() -> None:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    signed_up("ada", team)  # online in the profile, desk closed: the bug this fixes
    conversation = handed_off(inbox)
    escalation.escalate(conversation_id=str(conversation.pk), reason="customer_request")
    notice = Message.objects.get(conversation=conversation, client_id__startswith="handoff-notice:")
    assert "shortly" not in notice.text and "Ada" not in notice.text
    assert "Nobody from our team is online right now" in notice.text
    assert Ticket.objects.get(conversation=conversation).assignee_id is None


@pytest.mark.django_db
def test_an_email_address_left_in_the_chat_is_validated_and_stored_on_the_contact() -> None:
    inbox = factories.make_inbox()
    conversation = handed_off(inbox)
    with pytest.raises(chat.ChatError) as refused:
        chat.contact_email_set(contact_id=conversation.contact_id, email="not-an-address")
    assert refused.value.code == "invalid_email"
    chat.contact_email_set(contact_id=conversation.contact_id, email="kim@example.com")
    conversation.contact.refresh_from_db()
    assert conversation.contact.email == "kim@example.com"
    last = conversation.messages.order_by("-seq").first()
    assert last is not None and last.text == "Thanks! We'll send the answer to kim@example.com."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said", "not_said"),
    [
        ("en", "A person will reply to this e-mail", ("email address", "send the answer to")),
        ("de", "auf diese E-Mail", ("E-Mail-Adresse", "Antwort außerdem an")),
    ],
)
def test_an_email_conversation_is_told_the_reply_comes_by_email_with_no_address_offer(
    language: str, said: str, not_said: tuple[str, ...]
) -> None:
    inbox = factories.make_inbox()
    MailAccount.objects.create(inbox=inbox, address="help@shop.example")
    factories.make_team("Support", inboxes=(inbox,))
    conversation = handed_off(inbox)
    Conversation.objects.filter(pk=conversation.pk).update(
        channel=Conversation.Channel.EMAIL, language=language
    )
    conversation.contact.email = "kim@example.com"
    conversation.contact.save(update_fields=["email"])
    escalation.escalate(conversation_id=str(conversation.pk), reason="customer_request")
    notice = Message.objects.get(conversation=conversation, client_id__startswith="handoff-notice:")
    assert notice.text.count(said) == 1
    assert "kim@example.com" not in notice.text
    for phrase in not_said:
        assert phrase not in notice.text
    # The customer reads it in their mailbox, once, also when the task is redone.
    escalation.escalate(conversation_id=str(conversation.pk), reason="customer_request")
    [mailed] = OutboundMail.objects.filter(conversation=conversation)
    assert (mailed.chat_message_id, mailed.to_address) == (notice.pk, "kim@example.com")
