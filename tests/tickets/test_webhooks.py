"""Webhooks: which changes fire which events, signing, delivery, retries with back-off."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from assistant.chat import services as chat
from tests import factories
from tests.tickets.conftest import World
from tests.tickets.receiver import Receiver, Reply
from tickets import services as ticket_services
from tickets.webhooks import delivery, dispatch, signing, tasks
from tickets.webhooks.models import Event, Webhook, WebhookAttempt, WebhookDelivery

ALL_EVENTS = list(Event.values)


# ---------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------

SECRET = "whsec_test"
BODY = b'{"event":"ticket.created","data":{"id":1}}'


def test_a_signature_verifies_with_the_secret_and_the_exact_body() -> None:
    header = signing.sign(SECRET, BODY, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert signing.verify(SECRET, header, BODY, now=1_700_000_010)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("whsec_other", BODY, 1_700_000_010),  # wrong secret
        (SECRET, BODY + b" ", 1_700_000_010),  # body changed by one byte
        (SECRET, BODY, 1_700_000_000 + 301),  # replayed after the tolerance
        (SECRET, BODY, 1_700_000_000 - 301),  # from the future
    ],
)
def test_a_signature_fails_for_anything_else(secret: str, body: bytes, now: int) -> None:
    header = signing.sign(SECRET, BODY, timestamp=1_700_000_000)
    assert not signing.verify(secret, header, body, now=now)


@pytest.mark.parametrize("header", ["", "t=1700000000", "v1=abc", "t=x,v1=abc", "garbage"])
def test_a_malformed_signature_header_fails(header: str) -> None:
    assert not signing.verify(SECRET, header, BODY, now=1_700_000_000)


def test_any_of_several_signatures_may_match_during_a_secret_rotation() -> None:
    old = signing.sign("whsec_old", BODY, timestamp=1_700_000_000)
    new = signing.sign(SECRET, BODY, timestamp=1_700_000_000)
    header = f"{new},{old.split(',')[1]}"
    assert signing.verify("whsec_old", header, BODY, now=1_700_000_000)
    assert signing.verify(SECRET, header, BODY, now=1_700_000_000)


# ---------------------------------------------------------------------------------------------
# Which changes fire which events
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Delivery ids handed to Celery, instead of handing them over."""
    ids: list[str] = []
    monkeypatch.setattr(tasks.deliver, "delay", lambda delivery_id: ids.append(delivery_id))
    return ids


@pytest.fixture
def hook(db: Any) -> Webhook:
    return Webhook.objects.create(url="https://hooks.example.com/in", events=ALL_EVENTS)


def _deliveries(event: str) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(event=event).order_by("created_at"))


def test_a_new_ticket_is_announced_after_commit_as_the_api_shows_it(
    world: World, hook: Webhook, queued: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client("agent_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/tickets",
            {"inbox": world.inbox_a.pk, "contact": str(world.contact_a.pk), "subject": "Pedal"},
            format="json",
        )
    assert response.status_code == 201
    (created,) = _deliveries(Event.TICKET_CREATED)[-1:]
    assert queued == [str(created.pk)]
    assert created.payload["id"] == str(created.pk)
    assert created.payload["event"] == "ticket.created"
    data = created.payload["data"]
    assert data["id"] == response.json()["id"]
    assert data["subject"] == "Pedal" and data["channel"] == "api"
    assert set(data) == set(response.json())


def test_a_change_that_rolls_back_is_never_announced(world: World, hook: Webhook) -> None:
    before = WebhookDelivery.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.make_ticket(inbox=world.inbox_a, subject="Never happened")
        raise RuntimeError("rolled back")
    assert WebhookDelivery.objects.count() == before


def test_only_active_subscribed_webhooks_get_deliveries(world: World) -> None:
    wants = Webhook.objects.create(url="https://a.example.com/", events=["ticket.created"])
    Webhook.objects.create(url="https://b.example.com/", events=["conversation.resolved"])
    Webhook.objects.create(url="https://c.example.com/", events=ALL_EVENTS, active=False)
    factories.make_ticket(inbox=world.inbox_a, subject="New")
    assert [d.webhook for d in _deliveries(Event.TICKET_CREATED)] == [wants]


def test_a_handoff_is_announced_once(world: World, hook: Webhook) -> None:
    conversation = factories.make_conversation(world.inbox_a, text="I need a human")
    chat.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    (handed_off,) = _deliveries(Event.CONVERSATION_HANDED_OFF)
    assert handed_off.payload["data"]["id"] == str(conversation.id)
    assert handed_off.payload["data"]["state"] == "waiting"
    assert handed_off.payload["data"]["handoff_reason"] == "customer_request"
    # The agent picking it up from the queue is the same handoff, not a new one.
    chat.conversation_takeover(conversation_id=conversation.id, agent=world.agent_a)
    assert len(_deliveries(Event.CONVERSATION_HANDED_OFF)) == 1


def test_an_agent_taking_over_from_the_assistant_is_a_handoff(world: World, hook: Webhook) -> None:
    conversation = factories.make_conversation(world.inbox_a, text="Hello")
    ticket_services.takeover(conversation=conversation, agent=world.agent_a)
    (handed_off,) = _deliveries(Event.CONVERSATION_HANDED_OFF)
    assert handed_off.payload["data"]["state"] == "agent"
    # And a handback followed by a new handoff is announced again.
    ticket_services.handback(conversation=conversation, agent=world.agent_a)
    chat.conversation_handoff(conversation_id=conversation.id, reason="keyword")
    assert len(_deliveries(Event.CONVERSATION_HANDED_OFF)) == 2


def test_a_conversation_that_starts_waiting_is_a_handoff(world: World, hook: Webhook) -> None:
    inbox = factories.make_inbox(bot_enabled=False)
    conversation = factories.make_conversation(inbox, text="Anyone there?")
    (handed_off,) = _deliveries(Event.CONVERSATION_HANDED_OFF)
    assert handed_off.payload["data"]["id"] == str(conversation.id)


def test_resolving_is_announced_once_with_the_ticket(world: World, hook: Webhook) -> None:
    ticket_services.resolve(conversation=world.conversation_a, agent=world.agent_a)
    chat.conversation_resolve(conversation_id=world.conversation_a.id)  # already resolved
    (resolved,) = _deliveries(Event.CONVERSATION_RESOLVED)
    assert resolved.payload["data"]["state"] == "resolved"
    assert resolved.payload["data"]["ticket"] == world.ticket_a.pk


def test_messages_alone_fire_nothing(world: World, hook: Webhook) -> None:
    before = WebhookDelivery.objects.count()
    chat.customer_message_create(
        contact_id=world.contact_a.id, text="Any news?", client_id="again-1"
    )
    assert WebhookDelivery.objects.count() == before


def test_an_unknown_event_is_a_programming_error(db: Any) -> None:
    with pytest.raises(ValueError, match="Unknown webhook event"):
        dispatch.fire("ticket.deleted", {})


# ---------------------------------------------------------------------------------------------
# Delivery, against a real local receiver
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def local(settings: Any) -> Any:
    """Deliveries may reach the receiver on 127.0.0.1, with quick, small back-offs."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 1.0
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600.0
    settings.WEBHOOK_MAX_ATTEMPTS = 8
    settings.WEBHOOK_TIMEOUT_SECONDS = 5.0
    return settings


def _pending(url: str, event: str = Event.TICKET_CREATED) -> WebhookDelivery:
    webhook = Webhook.objects.create(url=url, events=ALL_EVENTS)
    return WebhookDelivery.objects.create(
        webhook=webhook,
        event=event,
        payload={"id": "d", "event": event, "data": {"id": 7, "subject": "Crème brûlée"}},
        next_attempt_at=timezone.now(),
    )


def _when_due(delivery_id: Any) -> delivery.Outcome:
    """The next attempt, as the worker makes it once the back-off has passed."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now())
    return delivery.attempt(delivery_id)


@pytest.mark.django_db
def test_a_delivery_is_signed_and_recorded(local: Any) -> None:
    with Receiver() as receiver:
        pending = _pending(receiver.url)
        outcome = delivery.attempt(pending.pk)
    assert outcome == delivery.Outcome("delivered")
    (request,) = receiver.received
    assert request.path == "/hooks/in"
    assert request.headers["X-Assistant-Event"] == "ticket.created"
    assert request.headers["X-Assistant-Delivery"] == str(pending.pk)
    assert request.headers["Content-Type"] == "application/json"
    assert signing.verify(
        pending.webhook.secret, request.headers["X-Assistant-Signature"], request.body
    )
    assert json.loads(request.body) == pending.payload
    pending.refresh_from_db()
    assert (pending.status, pending.attempts, pending.last_status_code) == ("delivered", 1, 200)
    assert pending.delivered_at is not None
    (attempt,) = pending.attempt_log.all()
    assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")


@pytest.mark.django_db
def test_failures_are_retried_with_exponential_back_off(local: Any) -> None:
    script = [
        Reply(503, body=b"down for maintenance"),
        Reply(500),
        Reply(429, headers={"Retry-After": "7"}),
        Reply(200),
    ]
    with Receiver(*script) as receiver:
        pending = _pending(receiver.url)
        outcomes = [_when_due(pending.pk) for _ in range(4)]
    assert [o.retry_in for o in outcomes] == [1.0, 2.0, 7.0, None]  # 4 s, but Retry-After said 7
    assert [o.status for o in outcomes] == ["pending", "pending", "pending", "delivered"]
    log = list(pending.attempt_log.order_by("number"))
    assert [a.status_code for a in log] == [503, 500, 429, 200]
    assert [a.retry_in_seconds for a in log] == [1.0, 2.0, 7.0, None]
    assert "down for maintenance" in log[0].error
    # Every attempt is the same delivery, freshly signed and numbered.
    assert {r.headers["X-Assistant-Delivery"] for r in receiver.received} == {str(pending.pk)}
    assert [r.headers["X-Assistant-Attempt"] for r in receiver.received] == ["1", "2", "3", "4"]
    assert all(
        signing.verify(pending.webhook.secret, r.headers["X-Assistant-Signature"], r.body)
        for r in receiver.received
    )


@pytest.mark.django_db
def test_a_retry_after_given_as_an_http_date_is_honoured(local: Any) -> None:
    # Read by the model client's parser (assistant/llm/retry.py); the one here read seconds only.
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    with Receiver(Reply(503, headers={"Retry-After": later})) as receiver:
        pending = _pending(receiver.url)
        outcome = _when_due(pending.pk)
    assert outcome.status == "pending"
    # HTTP dates have whole seconds: the wait is what is left of the 20 s, not the 1 s back-off.
    assert outcome.retry_in is not None and 15 < outcome.retry_in <= 20


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt(local: Any) -> None:
    local.WEBHOOK_MAX_ATTEMPTS = 3
    with Receiver(Reply(502), Reply(502), Reply(502), Reply(502)) as receiver:
        pending = _pending(receiver.url)
        outcomes = [_when_due(pending.pk) for _ in range(4)]
    assert [o.status for o in outcomes] == ["pending", "pending", "failed", "skipped"]
    assert len(receiver.received) == 3
    pending.refresh_from_db()
    assert (pending.status, pending.attempts, pending.last_status_code) == ("failed", 3, 502)
    assert pending.attempt_log.count() == 3


def test_the_back_off_doubles_up_to_its_cap(settings: Any) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30.0
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600.0
    assert [delivery.backoff(n) for n in range(1, 9)] == [
        30.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 3600.0,
    ]  # fmt: skip
    assert delivery.backoff(1, retry_after=10**6) == 3600.0


@pytest.mark.django_db
@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_client_error_is_final(local: Any, status: int) -> None:
    with Receiver(Reply(status)) as receiver:
        pending = _pending(receiver.url)
        assert delivery.attempt(pending.pk) == delivery.Outcome("failed")
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_redirects_are_not_followed(local: Any) -> None:
    with Receiver() as elsewhere, Receiver(Reply(302, {"Location": elsewhere.url})) as receiver:
        pending = _pending(receiver.url)
        assert delivery.attempt(pending.pk).status == "failed"
    assert elsewhere.received == []
    pending.refresh_from_db()
    assert "redirects are not followed" in pending.last_error


@pytest.mark.django_db
def test_a_refused_connection_is_retried(local: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    pending = _pending(f"http://127.0.0.1:{port}/in")
    outcome = delivery.attempt(pending.pk)
    assert outcome == delivery.Outcome("pending", 1.0)
    pending.refresh_from_db()
    assert "ConnectError" in pending.last_error and pending.last_status_code is None


@pytest.mark.django_db
def test_a_long_answer_is_cut_short_in_the_record(local: Any) -> None:
    with Receiver(Reply(500, body=b"x" * 100_000)) as receiver:
        pending = _pending(receiver.url)
        delivery.attempt(pending.pk)
    pending.refresh_from_db()
    assert len(pending.last_error) < 1100


@pytest.mark.django_db
def test_a_delivery_is_sent_once_however_often_its_task_runs(local: Any) -> None:
    with Receiver() as receiver:
        pending = _pending(receiver.url)
        assert delivery.attempt(pending.pk).status == "delivered"
        assert delivery.attempt(pending.pk).status == "skipped"
        # One held by another worker right now is skipped too.
        held = _pending(receiver.url)
        WebhookDelivery.objects.filter(pk=held.pk).update(
            claimed_until=timezone.now() + timedelta(minutes=1)
        )
        assert delivery.attempt(held.pk).status == "skipped"
    assert len(receiver.received) == 1
    assert WebhookAttempt.objects.filter(delivery=held).count() == 0


@pytest.mark.django_db
def test_a_copy_of_the_task_that_comes_before_the_back_off_is_over_does_nothing(
    local: Any,
) -> None:
    local.WEBHOOK_RETRY_BASE_SECONDS = 60.0
    with Receiver(Reply(503)) as receiver:
        pending = _pending(receiver.url)
        assert delivery.attempt(pending.pk) == delivery.Outcome("pending", 60.0)
        assert delivery.attempt(pending.pk) == delivery.Outcome("skipped")
    assert len(receiver.received) == 1
    pending.refresh_from_db()
    assert pending.attempts == 1


@pytest.mark.django_db
def test_a_disabled_webhook_sends_nothing(local: Any) -> None:
    with Receiver() as receiver:
        pending = _pending(receiver.url)
        Webhook.objects.filter(pk=pending.webhook_id).update(active=False)
        assert delivery.attempt(pending.pk).status == "failed"
    assert receiver.received == []


@pytest.mark.django_db
def test_the_task_schedules_the_next_attempt_with_the_back_off(
    local: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduled: list[tuple[Any, float]] = []
    monkeypatch.setattr(
        tasks.deliver,
        "apply_async",
        lambda args, countdown: scheduled.append((args, countdown)),
    )
    with Receiver(Reply(503)) as receiver:
        pending = _pending(receiver.url)
        assert tasks.deliver(str(pending.pk)) == "pending"
    assert scheduled == [((str(pending.pk),), 1.0)]


@pytest.mark.django_db
def test_overdue_deliveries_are_queued_again(queued: list[str]) -> None:
    lost = _pending("https://hooks.example.com/")
    WebhookDelivery.objects.filter(pk=lost.pk).update(
        next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    _pending("https://hooks.example.com/")  # due now: its task is still on its way
    assert tasks.requeue_overdue() == 1
    assert queued == [str(lost.pk)]


# ---------------------------------------------------------------------------------------------
# The whole way: a ticket created, the real worker delivering and retrying
# ---------------------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_and_retries_after_commit(celery_worker_process: Any) -> None:
    # The worker runs with WEBHOOK_ALLOW_PRIVATE_TARGETS and a 0.2 s base back-off (conftest).
    inbox = factories.make_inbox()
    with Receiver(Reply(503)) as receiver:
        webhook = Webhook.objects.create(url=receiver.url, events=["ticket.created"])
        ticket = factories.make_ticket(inbox=inbox, subject="Flat tyre")
        deadline = time.monotonic() + 60
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        sent = WebhookDelivery.objects.get(webhook=webhook)
        while sent.status == "pending" and time.monotonic() < deadline:
            time.sleep(0.05)
            sent.refresh_from_db()
    assert sent.status == "delivered", sent.last_error
    assert sent.attempts == 2
    assert [r.headers["X-Assistant-Attempt"] for r in receiver.received] == ["1", "2"]
    assert json.loads(receiver.received[1].body)["data"]["id"] == ticket.pk
    assert signing.verify(
        webhook.secret,
        receiver.received[1].headers["X-Assistant-Signature"],
        receiver.received[1].body,
    )
