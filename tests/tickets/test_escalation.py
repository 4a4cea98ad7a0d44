"""After a handoff: ticket, summary, assignment, the customer's notice; idempotent under
retries and crashes, with a real Celery worker."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

from assistant import embedded
from assistant.chat import events
from assistant.chat import services as chat
from assistant.chat.models import Conversation, Message
from assistant.chat.signals import handoff_requested
from assistant.llm.simulator import run_in_thread
from assistant.tasks import echo
from assistant.usage.models import ModelCall
from tests import factories
from tests.conftest import child_process_environment, start_celery_worker, stop_process
from tickets import escalation, online, receivers
from tickets.models import AgentProfile, BusinessCalendar, Ticket, TicketEvent
from tickets.tasks import escalate_handoff


def handed_off(inbox: Any, text: str = "My e-bike battery stopped charging") -> Conversation:
    conversation = factories.make_conversation(inbox, text=text)
    chat.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    conversation.refresh_from_db()
    return conversation


def online_agent(username: str, team: Any, capacity: int = 5) -> Any:
    """An agent who chose "online" and has a desk tab open (tickets.online)."""
    agent = factories.make_agent(username, teams=(team,))
    AgentProfile.objects.filter(user=agent).update(availability="online", capacity=capacity)
    async_to_sync(online.tab_alive)(user_id=agent.pk, tab=f"tab-{username}")
    return agent


@pytest.mark.django_db
def test_escalating_twice_gives_one_ticket_one_summary_one_assignment_one_notice() -> None:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    agent = online_agent("alex", team)
    conversation = handed_off(inbox)
    first = escalation.escalate(conversation_id=str(conversation.pk), reason="customer_request")
    again = escalation.escalate(conversation_id=str(conversation.pk), reason="customer_request")
    assert first.pk == again.pk and Ticket.objects.count() == 1
    assert again.assignee_id == agent.pk
    kinds = list(TicketEvent.objects.filter(ticket=first).values_list("kind", flat=True))
    assert kinds.count("summary") == 1 and kinds.count("assignee") == 1
    assert "Problem: My e-bike battery stopped charging" in again.summary
    notices = Message.objects.filter(
        conversation=conversation, client_id__startswith="handoff-notice:"
    )
    assert notices.count() == 1
    assert "Alex from our team will reply" in notices.get().text
    conversation.refresh_from_db()
    assert conversation.topic == "battery"


@pytest.mark.django_db
def test_routing_picks_the_least_loaded_online_agent_under_capacity() -> None:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    busy = online_agent("busy", team, capacity=1)
    free = online_agent("free", team)
    away = factories.make_agent("away", teams=(team,))  # profile stays offline
    factories.make_ticket(inbox=inbox).__class__.objects.update(assignee=busy)
    tickets = [
        escalation.escalate(conversation_id=str(handed_off(inbox).pk), reason="x") for _ in range(2)
    ]
    assert [t.assignee_id for t in tickets] == [free.pk, free.pk]
    assert away.pk not in [t.assignee_id for t in tickets]


@pytest.mark.django_db
def test_with_nobody_free_the_ticket_waits_in_the_team_queue_and_the_customer_hears_the_wait() -> (
    None
):
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    online_agent("full", team, capacity=0)  # at the desk, but with no room for another ticket
    conversation = handed_off(inbox)
    ticket = escalation.escalate(conversation_id=str(conversation.pk), reason="customer_request")
    assert ticket.assignee_id is None and ticket.team is not None
    notice = Message.objects.get(conversation=conversation, client_id__startswith="handoff-notice:")
    assert "usually about 5 minutes" in notice.text


@pytest.mark.django_db
def test_outside_business_hours_the_customer_is_told_when_and_how() -> None:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    BusinessCalendar.objects.create(team=team, time_zone="UTC", weekly_hours={})  # never open...
    BusinessCalendar.objects.filter(team=team).update(weekly_hours={"sun": [["03:00", "03:01"]]})
    conversation = handed_off(inbox)
    conversation.contact.email = "ada@example.com"
    conversation.contact.save()
    escalation.escalate(conversation_id=str(conversation.pk), reason="customer_request")
    notice = Message.objects.get(conversation=conversation, client_id__startswith="handoff-notice:")
    assert "away right now" in notice.text and "ada@example.com" in notice.text


class DeskListener:
    """A desk's channel in a group, read throughout on an event loop of its own thread, as a desk
    consumer reads it: a pub/sub layer delivers only to a subscriber that is listening."""

    def __init__(self, group: str) -> None:
        self.events: list[dict[str, Any]] = []
        self._subscribed = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._reader = asyncio.run_coroutine_threadsafe(self._listen(group), self._loop)
        assert self._subscribed.wait(10), "the desk listener did not subscribe"

    async def _listen(self, group: str) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel("desk-test.")
        await layer.group_add(group, channel)
        self._subscribed.set()
        while True:
            self.events.append(json.loads((await layer.receive(channel))["text"]))

    def ticket_changes_seen(self, wanted: set[str], within: float = 30) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            seen = {e["change"] for e in list(self.events) if e["type"] == "ticket"}
            if wanted <= seen:
                return True
            time.sleep(0.1)
        return False

    def close(self) -> None:
        # The reader's cancellation must run to its end on its loop before the loop stops: the
        # core layer remembers which loop is receiving until its receive() has unwound.
        self._reader.cancel()
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.1), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_handoff_becomes_a_summarised_assigned_ticket_in_the_desk(
    celery_worker_process: Any,
) -> None:
    inbox = factories.make_inbox()
    team = factories.make_team("Support", inboxes=(inbox,))
    agent = online_agent("alex", team)
    desk = DeskListener(events.inbox_group(inbox.pk))

    conversation = handed_off(inbox)  # the handoff signal queues the escalation task

    deadline = time.monotonic() + 60
    while (
        not Ticket.objects.filter(conversation=conversation, assignee=agent)
        .exclude(summary="")
        .exists()
    ):
        assert time.monotonic() < deadline, "the worker did not escalate the handoff"
        time.sleep(0.2)
    assert desk.ticket_changes_seen({"created", "summary", "assignee"})
    desk.close()
    notices = Message.objects.filter(
        conversation=conversation, client_id__startswith="handoff-notice:"
    )
    # The customer's notice is the escalation's last step, after the assignment seen above.
    while not notices.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert notices.count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_summary_redoes_it_once() -> None:
    inbox = factories.make_inbox()
    factories.make_team("Support", inboxes=(inbox,))
    with run_in_thread(ttft=4.0, tokens_per_second=200) as slow_model:
        environment = {
            **child_process_environment(connection.settings_dict["NAME"]),
            "OPENAI_BASE_URL": slow_model.base_url,
            "OPENAI_API_KEY": "sk-simulator",
            "OPENAI_MODEL": "qwen-plus",
            "LLM_ROUTE_SUMMARY": "openai",
            "LLM_FIRST_TOKEN_TIMEOUT": "20",
            # Redeliver an unacknowledged task soon after its worker vanished.
            "CELERY_VISIBILITY_TIMEOUT": "3",
            # Settings refuse webhook and mail retries (and the mail grace period) longer than
            # the visibility timeout.
            "WEBHOOK_RETRY_MAX_SECONDS": "2",
            "WEBHOOK_RETRY_BASE_SECONDS": "0.5",
            "MAIL_RETRY_MAX_SECONDS": "2",
            "MAIL_RETRY_BASE_SECONDS": "0.5",
            "MAIL_CONTINUITY_GRACE_SECONDS": "2",
        }
        # Its own queue, so that no other test's worker takes the task.
        first = start_celery_worker(environment, "doomed", queues="kill-test")
        try:
            handoff_requested.disconnect(dispatch_uid="tickets.escalate_handoff")
            try:
                conversation = handed_off(inbox)
            finally:
                receivers.connect()
            escalate_handoff.apply_async(
                (str(conversation.pk), "customer_request"), queue="kill-test"
            )
            deadline = time.monotonic() + 60
            while slow_model.app.stats.chat_requests == 0:  # the summary call has started
                assert time.monotonic() < deadline, "the worker never asked for a summary"
                time.sleep(0.05)
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            ticket = Ticket.objects.get(conversation=conversation)
            assert ticket.summary == ""

            time.sleep(3.5)  # past the visibility timeout: the broker hands the task out again
            second = start_celery_worker(environment, "survivor", queues="kill-test")
            try:
                deadline = time.monotonic() + 60
                while Ticket.objects.filter(pk=ticket.pk, summary="").exists():
                    assert time.monotonic() < deadline, "the task was not redone"
                    time.sleep(0.2)
                time.sleep(1.0)
            finally:
                stop_process(second)
        finally:
            if first.poll() is None:  # the test failed before the kill
                first.kill()

    assert TicketEvent.objects.filter(ticket=ticket, kind="summary").count() == 1
    assert ModelCall.objects.filter(conversation=conversation, purpose="summary").count() == 1
    assert Ticket.objects.filter(conversation=conversation).count() == 1


@pytest.mark.worker
@pytest.mark.restarts_redis
def test_the_worker_reconnects_after_redis_restarts(
    celery_worker_process: Any, settings: Any
) -> None:
    if not settings.REDIS_EMBEDDED:
        pytest.skip("only the embedded Redis can be restarted by the test")
    assert echo.delay("before").get(timeout=30)["value"] == "before"
    embedded.stop_redis(settings.VAR_DIR)
    time.sleep(1.0)
    embedded.start_redis(settings.VAR_DIR)
    deadline = time.monotonic() + 60
    while True:
        try:
            result = echo.apply_async(("after",), expires=60).get(timeout=20)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)
    assert result["value"] == "after"
    assert result["pid"] == celery_worker_process.pid


@pytest.mark.django_db
def test_a_resolved_conversation_gets_one_summary_and_a_topic() -> None:
    conversation = factories.make_conversation(
        factories.make_inbox(), text="Can I return my bike for a refund?"
    )
    chat.conversation_resolve(conversation_id=conversation.pk)
    assert escalation.summarise_resolved(conversation_id=str(conversation.pk)) is True
    assert escalation.summarise_resolved(conversation_id=str(conversation.pk)) is False
    conversation.refresh_from_db()
    assert conversation.topic == "returns"
    assert conversation.summary.startswith("Problem: Can I return my bike")
