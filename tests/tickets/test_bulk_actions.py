"""Bulk resolve, assign and tag: the single actions' rules, one outcome per conversation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from assistant.chat import services as chat
from assistant.chat.models import Conversation
from tests import factories
from tests.tickets.conftest import World
from tickets import bulk, services
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _waiting(world: World, text: str) -> Conversation:
    conversation = factories.make_conversation(world.inbox_a, text=text, client_id=text)
    chat.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    conversation.refresh_from_db()
    return conversation


def test_bulk_resolve_resolves_each_and_reports_the_one_already_resolved(world: World) -> None:
    second = _waiting(world, "Second")
    services.resolve(conversation=second, agent=world.agent_a)
    third = _waiting(world, "Third")

    outcomes = bulk.resolve(items=[world.conversation_a, second, third], by=world.agent_a)

    assert [outcome.done for outcome in outcomes] == [True, False, True]
    assert outcomes[1].reason == "This conversation is already resolved."
    for conversation in (world.conversation_a, third):
        conversation.refresh_from_db()
        assert conversation.state == Conversation.State.RESOLVED
        assert conversation.ticket.status == Ticket.Status.SOLVED
    # The refusal changed nothing: no second "solved" event on the resolved one's ticket.
    assert TicketEvent.objects.filter(ticket__conversation=second, kind="status").count() == 1


def test_bulk_resolve_solves_a_ticket_without_a_conversation_and_refuses_a_solved_one(
    world: World,
) -> None:
    open_ticket = factories.make_ticket(inbox=world.inbox_a, subject="Invoice copy")
    solved = factories.make_ticket(inbox=world.inbox_a, subject="Old")
    services.ticket_update(ticket=solved, by=world.agent_a, status=Ticket.Status.SOLVED)

    outcomes = bulk.resolve(items=[open_ticket, solved], by=world.agent_a)

    assert [(o.done, o.reason) for o in outcomes] == [
        (True, ""),
        (False, "This ticket is already solved."),
    ]
    open_ticket.refresh_from_db()
    assert open_ticket.status == Ticket.Status.SOLVED


def test_bulk_assign_refuses_per_conversation_a_person_who_does_not_work_on_its_inbox(
    world: World,
) -> None:
    outcomes = bulk.assign(
        items=[world.conversation_a, world.conversation_b], agent=world.agent_a, by=world.admin
    )

    assert outcomes[0].done
    assert not outcomes[1].done
    assert outcomes[1].reason == "Alice does not work on this ticket's inbox."
    world.ticket_a.refresh_from_db()
    world.ticket_b.refresh_from_db()
    assert world.ticket_a.assignee == world.agent_a
    assert world.ticket_b.assignee is None


def test_bulk_assign_to_nobody_unassigns(world: World) -> None:
    services.ticket_assign(ticket=world.ticket_a, agent=world.agent_a, by=world.agent_a)

    [outcome] = bulk.assign(items=[world.ticket_a], agent=None, by=world.agent_a)

    assert outcome.done
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.assignee is None


def test_bulk_tag_adds_to_the_tags_each_ticket_already_has(world: World) -> None:
    services.ticket_update(ticket=world.ticket_a, by=world.agent_a, tags=["bike"])
    live = factories.make_conversation(world.inbox_a, text="Hello", client_id="live")

    outcomes = bulk.tag(
        items=[world.conversation_a, live], tags=["Damage", "bike"], by=world.agent_a
    )

    assert all(outcome.done for outcome in outcomes)
    world.ticket_a.refresh_from_db()
    assert world.ticket_a.tags == ["bike", "damage"]
    # A conversation without a ticket yet gets one, as a note or a takeover would make.
    assert Ticket.objects.get(conversation=live).tags == ["damage", "bike"]


# -- the desk's queue action bar -------------------------------------------------------------


def _post(world: World, who: str, queue: str, data: dict[str, Any]) -> list[str]:
    client = Client()
    client.force_login(world.person(who))
    response = client.post(f"/desk/q/{queue}/bulk", data, follow=True)
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_the_action_bar_reports_what_was_done_and_each_refusal(world: World) -> None:
    second = _waiting(world, "Second")
    services.resolve(conversation=second, agent=world.agent_a)
    third = _waiting(world, "Third")

    notices = _post(
        world,
        "agent_a",
        "waiting",
        {"action": "resolve", "item": [world.conversation_a.pk, second.pk, third.pk]},
    )

    assert notices[0] == "Resolved 2 conversations."
    assert notices[1].endswith(": This conversation is already resolved.")
    assert len(notices) == 2


def test_the_action_bar_leaves_out_rows_of_inboxes_the_agent_does_not_see(world: World) -> None:
    notices = _post(
        world,
        "agent_a",
        "waiting",
        {"action": "resolve", "item": [world.conversation_b.pk, "not-an-id"]},
    )

    assert notices == ["1 selected row is no longer available."]
    world.conversation_b.refresh_from_db()
    assert world.conversation_b.state == Conversation.State.WAITING


def test_the_action_bar_asks_for_a_person_to_assign_to(world: World) -> None:
    notices = _post(
        world,
        "agent_a",
        "unassigned",
        {"action": "assign", "assignee": "", "item": [world.ticket_a.pk]},
    )

    assert notices == ["Choose whom to assign them to."]


def test_the_ticket_panel_names_people_and_offers_unassigned(world: World) -> None:
    client = Client()
    client.force_login(world.agent_a)
    page = client.get(f"/desk/c/{world.conversation_a.pk}/").content.decode()
    assert ">Unassigned</option>" in page
    assert "---------" not in page
    assert ">Alice</option>" in page
