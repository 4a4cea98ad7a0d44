"""Alerts on the desk socket: an assignment, a customer message and an SLA warning reach every
desk tab of the agent concerned (and nobody else's), a kind turned off reaches none, and the
count of conversations waiting for the agent follows what happens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from assistant.chat import services as chat
from assistant.db_async import db_async
from tests.tickets.test_desk_live import desk_socket, frames_until
from tickets import services, sla
from tickets.alerts import emit
from tickets.alerts.preferences import preferences_update
from tickets.models import SLAClock, SLAPolicy, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_alert_mail(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """The e-mail side has tests of its own (test_alert_mail.py): here the queued tasks are
    only recorded, so that no task waits in the broker for a later test's worker."""
    queued: list[tuple] = []
    from tickets.alerts import tasks

    monkeypatch.setattr(tasks.mail_agent, "delay", lambda *args: queued.append(args))
    return queued


async def _connected(user: Any) -> Any:
    socket = await desk_socket(user)
    connected, _ = await socket.connect()
    assert connected
    return socket


async def _waiting(socket: Any) -> int:
    await socket.send_json_to({"type": "waiting"})
    frames = await frames_until(socket, "waiting")
    return frames[-1]["count"]


@db_async
def _assign(ticket: Ticket, agent: Any, by: Any) -> None:
    services.ticket_assign(ticket=Ticket.objects.get(pk=ticket.pk), agent=agent, by=by)


async def test_an_assignment_reaches_every_tab_of_the_agent_and_only_theirs(
    world: Any, _no_alert_mail: list[tuple]
) -> None:
    first_tab, second_tab = await _connected(world.agent_a), await _connected(world.agent_a)
    colleague = await _connected(world.manager)
    assert await _waiting(first_tab) == 0

    await _assign(world.ticket_a, world.agent_a, world.manager)

    for tab in (first_tab, second_tab):
        alert = (await frames_until(tab, "alert"))[-1]
        assert alert == {
            "type": "alert",
            "kind": "assigned",
            "ticket_id": world.ticket_a.pk,
            "conversation_id": str(world.conversation_a.pk),
            "subject": world.ticket_a.subject,
            "target": "",
            "url": f"/desk/c/{world.conversation_a.pk}/",
        }
    # The manager's tab hears of the ticket's change (their team's inbox), not an alert.
    seen = await frames_until(colleague, "ticket")
    assert all(frame["type"] != "alert" for frame in seen)
    assert await colleague.receive_nothing(timeout=0.3)
    # The customer wrote and no agent answered yet: one conversation waits for Alice.
    assert await _waiting(first_tab) == 1
    assert _no_alert_mail == [(world.agent_a.pk, world.ticket_a.pk, "assigned", "")]
    for tab in (first_tab, second_tab, colleague):
        await tab.disconnect()


async def test_taking_a_conversation_oneself_is_no_alert(world: Any) -> None:
    tab = await _connected(world.agent_a)
    await _assign(world.ticket_a, world.agent_a, world.agent_a)
    seen = await frames_until(tab, "ticket")
    assert all(frame["type"] != "alert" for frame in seen)
    assert await tab.receive_nothing(timeout=0.3)
    await tab.disconnect()


async def test_a_kind_turned_off_sends_neither_alert_nor_mail(
    world: Any, _no_alert_mail: list[tuple]
) -> None:
    await db_async(preferences_update)(user=world.agent_a, on_assigned=False)
    tab = await _connected(world.agent_a)
    await _assign(world.ticket_a, world.agent_a, world.manager)
    seen = await frames_until(tab, "ticket")
    assert all(frame["type"] != "alert" for frame in seen)
    assert await tab.receive_nothing(timeout=0.3)
    assert _no_alert_mail == []
    # The count is a fact, not an alert: it still says what waits for her.
    assert await _waiting(tab) == 1
    await tab.disconnect()


async def test_a_customer_message_alerts_the_assignee_and_an_answer_lowers_the_count(
    world: Any, _no_alert_mail: list[tuple]
) -> None:
    await _assign(world.ticket_a, world.agent_a, world.manager)
    tab = await _connected(world.agent_a)
    await db_async(services.takeover)(conversation=world.conversation_a, agent=world.agent_a)
    await db_async(services.reply)(
        conversation=world.conversation_a, agent=world.agent_a, text="Sorry! Photos, please?"
    )
    assert await _waiting(tab) == 0

    await db_async(chat.customer_message_create)(
        contact_id=world.conversation_a.contact_id, text="Here they are", client_id="photos"
    )
    alert = (await frames_until(tab, "alert"))[-1]
    assert alert["kind"] == "customer_message"
    assert alert["conversation_id"] == str(world.conversation_a.pk)
    assert await _waiting(tab) == 1
    # A customer message is shown on the desk only: never an e-mail (only the assignment was).
    assert [args[2] for args in _no_alert_mail] == ["assigned"]
    await tab.disconnect()


@db_async
def _due_soon(ticket: Ticket) -> None:
    SLAPolicy.objects.create(
        priority=ticket.priority,
        first_response_minutes=60,
        next_response_minutes=60,
        resolution_minutes=480,
        warn_before_minutes=15,
    )
    sla.start_clocks(ticket, now=timezone.now() - timedelta(minutes=50))


async def test_an_sla_warning_alerts_the_assignee_once(
    world: Any, _no_alert_mail: list[tuple]
) -> None:
    await _assign(world.ticket_a, world.agent_a, world.manager)
    await _due_soon(world.ticket_a)
    tab = await _connected(world.agent_a)

    counts = await db_async(sla.check)(now=timezone.now())
    assert counts["warned"] == 1
    alert = (await frames_until(tab, "alert"))[-1]
    assert alert["kind"] == "sla_warning" and alert["target"] == SLAClock.Target.FIRST_RESPONSE
    assert await db_async(sla.check)(now=timezone.now()) == {"warned": 0, "breached": 0}
    assert await tab.receive_nothing(timeout=0.3)
    assert [args[2:] for args in _no_alert_mail] == [
        ("assigned", ""),
        ("sla_warning", SLAClock.Target.FIRST_RESPONSE),
    ]
    await tab.disconnect()


def test_routing_an_escalated_ticket_alerts_the_agent_it_picked(world: Any) -> None:
    """Routing (tickets.escalation.assign, by nobody) goes through the same alert."""
    from unittest import mock

    from tickets import escalation

    with (
        mock.patch.object(emit, "assigned", wraps=emit.assigned) as assigned,
        mock.patch.object(escalation.assignment, "least_loaded_agent") as pick,
    ):
        pick.return_value = world.agent_a
        assert escalation.assign(Ticket.objects.get(pk=world.ticket_a.pk))
    assigned.assert_called_once()
    assert assigned.call_args.kwargs["agent"] == world.agent_a
    assert assigned.call_args.kwargs["by"] is None
