"""Webhooks in the settings: the SSRF policy when a URL is saved, the events, the signing secret
shown once, every change in the audit log, the delivery log with secrets masked, redelivery as
a new attempt through the same task, and the log's retention."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from assistant import netguard
from tests.tickets.conftest import World
from tests.tickets.receiver import Receiver, Reply
from tickets.models import SettingsChange
from tickets.webhooks import delivery, signing, tasks
from tickets.webhooks.models import Event, Webhook, WebhookDelivery
from tickets.workspace import webhooks as services
from tickets.workspace.permissions import SettingsRefused

pytestmark = pytest.mark.django_db

EVENTS = [Event.TICKET_CREATED]


def _resolving_to(monkeypatch: pytest.MonkeyPatch, address: str | None) -> None:
    """Every host name resolves to ``address`` (None: to nothing, as for a name not yet set
    up); no real DNS in tests."""

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple]:
        if address is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(netguard, "resolve", resolve)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/hook",
        "https://internal.example.com/hook",  # resolves to a private address (below)
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
    ],
)
def test_a_url_pointing_inside_is_refused_when_saved(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    _resolving_to(monkeypatch, "192.168.0.10")
    with pytest.raises(SettingsRefused) as refused:
        services.webhook_create(by=world.admin, url=url, events=EVENTS)
    assert refused.value.status == 400
    assert "cannot receive webhooks" in refused.value.message
    assert not Webhook.objects.exists() and not SettingsChange.objects.exists()


def test_a_public_url_is_saved_and_one_not_resolving_yet_too(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    _resolving_to(monkeypatch, "93.184.215.14")
    public = services.webhook_create(
        by=world.admin, url="https://hooks.example.com/in", events=EVENTS
    )
    _resolving_to(monkeypatch, None)
    later = services.webhook_create(by=world.admin, url="https://new.example.org/in", events=EVENTS)
    assert public.pk and later.pk


def test_a_url_saved_as_public_is_still_checked_at_send_time(
    world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS may point the name inside after the save (rebinding): the delivery refuses."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    _resolving_to(monkeypatch, "93.184.215.14")
    webhook = services.webhook_create(
        by=world.admin, url="https://hooks.example.com/in", events=EVENTS
    )
    pending = WebhookDelivery.objects.create(
        webhook=webhook,
        event=Event.TICKET_CREATED,
        payload={"id": "x"},
        next_attempt_at=timezone.now(),
    )
    _resolving_to(monkeypatch, "127.0.0.1")
    assert delivery.attempt(pending.pk).status == "failed"
    pending.refresh_from_db()
    assert pending.last_error.startswith("refused:")


@pytest.mark.parametrize("events", [[], ["ticket.deleted"], ["ticket.created", "nope"]])
def test_events_are_chosen_from_those_the_product_emits(
    world: World, settings: Any, events: list[str]
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with pytest.raises(SettingsRefused):
        services.webhook_create(by=world.admin, url="http://127.0.0.1/x", events=events)


@pytest.mark.parametrize("name", ["manager", "agent_a", "outsider"])
def test_only_admins_change_webhooks(world: World, settings: Any, name: str) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhook = Webhook.objects.create(url="http://127.0.0.1/x", events=EVENTS)
    person = world.person(name)
    for change in (
        lambda: services.webhook_create(by=person, url="http://127.0.0.1/y", events=EVENTS),
        lambda: services.webhook_update(
            by=person, webhook=webhook, url="http://127.0.0.1/z", events=EVENTS,
            description="", active=False,
        ),
        lambda: services.webhook_rotate_secret(by=person, webhook=webhook),
        lambda: services.webhook_delete(by=person, webhook=webhook),
    ):  # fmt: skip
        with pytest.raises(SettingsRefused) as refused:
            change()
        assert refused.value.status == 403
    assert Webhook.objects.get().url == "http://127.0.0.1/x"


def test_every_change_is_in_the_audit_log_and_the_secret_never_is(
    world: World, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhook = services.webhook_create(
        by=world.admin, url="http://127.0.0.1/x", events=EVENTS, description="CRM"
    )
    first_secret = webhook.secret
    services.webhook_update(
        by=world.admin, webhook=webhook, url="http://127.0.0.1/y",
        events=[Event.TICKET_CREATED, Event.CONVERSATION_RESOLVED], description="CRM", active=True,
    )  # fmt: skip
    new_secret = services.webhook_rotate_secret(by=world.admin, webhook=webhook)
    webhook.refresh_from_db()
    assert new_secret == webhook.secret != first_secret
    services.webhook_delete(by=world.admin, webhook=webhook)
    changes = SettingsChange.objects.order_by("id")
    assert [c.action for c in changes] == [
        "webhook_created", "webhook_updated", "webhook_secret_rotated", "webhook_deleted",
    ]  # fmt: skip
    assert {c.actor for c in changes} == {world.admin}
    updated = changes[1]
    assert (updated.before["url"], updated.after["url"]) == (
        "http://127.0.0.1/x",
        "http://127.0.0.1/y",
    )
    for change in changes:
        assert first_secret not in str(change.before) + str(change.after)
        assert new_secret not in str(change.before) + str(change.after)


def test_saving_without_a_change_records_nothing(world: World, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhook = services.webhook_create(by=world.admin, url="http://127.0.0.1/x", events=EVENTS)
    services.webhook_update(
        by=world.admin, webhook=webhook, url="http://127.0.0.1/x", events=EVENTS,
        description="", active=True,
    )  # fmt: skip
    assert SettingsChange.objects.filter(action="webhook_updated").count() == 0


# ---------------------------------------------------------------------------------------------
# Redelivery and the delivery log
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def local(settings: Any) -> Any:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_TIMEOUT_SECONDS = 5.0
    return settings


def _delivered(webhook: Webhook) -> WebhookDelivery:
    sent = WebhookDelivery.objects.create(
        webhook=webhook,
        event=Event.TICKET_CREATED,
        payload={"id": "d1", "event": "ticket.created", "data": {"id": 7, "subject": "Flat tyre"}},
        next_attempt_at=timezone.now(),
    )
    assert delivery.attempt(sent.pk).status == "delivered"
    return sent


def test_a_redelivery_is_queued_after_commit_and_sent_as_the_next_attempt(
    world: World,
    local: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    queued: list[str] = []
    monkeypatch.setattr(tasks.deliver, "delay", lambda delivery_id: queued.append(delivery_id))
    with Receiver(Reply(200, body=b"first"), Reply(202, body=b"second")) as receiver:
        webhook = Webhook.objects.create(url=receiver.url, events=EVENTS)
        sent = _delivered(webhook)
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_redeliver(by=world.admin, delivery=sent)
        assert queued == [str(sent.pk)]
        sent.refresh_from_db()
        assert sent.status == "pending"
        # What the worker does with the queued task:
        assert delivery.attempt(sent.pk).status == "delivered"
    first, second = receiver.received
    assert second.body == first.body  # the same event, under the same id
    assert [r.headers["X-Assistant-Attempt"] for r in receiver.received] == ["1", "2"]
    assert signing.verify(webhook.secret, second.headers["X-Assistant-Signature"], second.body)
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.last_status_code) == ("delivered", 2, 202)
    assert [(a.number, a.status_code, a.response_excerpt) for a in sent.attempt_log.all()] == [
        (1, 200, "first"), (2, 202, "second"),
    ]  # fmt: skip
    change = SettingsChange.objects.get(action="webhook_redelivered")
    assert change.after == {"delivery": str(sent.pk), "event": "ticket.created"}


def test_a_delivery_being_sent_or_to_a_disabled_webhook_is_not_redelivered(
    world: World, local: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks.deliver, "delay", lambda delivery_id: None)
    with Receiver() as receiver:
        webhook = Webhook.objects.create(url=receiver.url, events=EVENTS)
        sent = _delivered(webhook)
    WebhookDelivery.objects.filter(pk=sent.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=1)
    )
    with pytest.raises(SettingsRefused) as busy:
        services.webhook_redeliver(by=world.admin, delivery=sent)
    assert busy.value.status == 409
    Webhook.objects.filter(pk=webhook.pk).update(active=False)
    sent.refresh_from_db()
    with pytest.raises(SettingsRefused):
        services.webhook_redeliver(by=world.admin, delivery=sent)
    sent.refresh_from_db()
    assert sent.status == "delivered"
    with pytest.raises(SettingsRefused) as refused:
        services.webhook_redeliver(by=world.manager, delivery=sent)
    assert refused.value.status == 403


def test_the_delivery_log_masks_secrets_in_what_was_sent_and_answered(
    world: World, local: Any
) -> None:
    leaky = b'{"received": "ok", "echo_secret": "%s", "api_key": "abc123456789"}'
    with Receiver() as receiver:
        webhook = Webhook.objects.create(url=receiver.url, events=EVENTS)
        receiver.script.append(Reply(500, body=leaky % webhook.secret.encode()))
        sent = WebhookDelivery.objects.create(
            webhook=webhook,
            event=Event.TICKET_CREATED,
            payload={"id": "d", "data": {"note": f"the secret is {webhook.secret}"}},
            next_attempt_at=timezone.now(),
        )
        delivery.attempt(sent.pk)
    client = Client()
    client.force_login(world.admin)
    page = client.get(f"/desk/settings/webhooks/{webhook.pk}/").content.decode()
    assert webhook.secret not in page
    assert "abc123456789" not in page
    assert "the secret is ********" in page
    assert "HTTP 500" in page
    # The stored record is masked too, not only the page.
    attempt = sent.attempt_log.get()
    assert webhook.secret not in attempt.response_excerpt + attempt.error


def test_old_finished_deliveries_are_pruned_and_recent_or_pending_ones_kept(
    world: World, settings: Any
) -> None:
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    webhook = Webhook.objects.create(url="http://127.0.0.1/x", events=EVENTS)
    now = timezone.now()

    def made(days_ago: int, status: str) -> WebhookDelivery:
        row = WebhookDelivery.objects.create(
            webhook=webhook, event=Event.TICKET_CREATED, payload={}, status=status
        )
        WebhookDelivery.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=days_ago))
        return row

    old_done, old_failed = made(31, "delivered"), made(40, "failed")
    old_pending, recent = made(45, "pending"), made(29, "delivered")
    assert tasks.prune_deliveries() == 2
    kept = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert kept == {old_pending.pk, recent.pk}
    assert old_done.pk not in kept and old_failed.pk not in kept


def test_the_retention_task_is_scheduled(settings: Any) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "webhooks.prune_deliveries" for entry in schedule.values())


# ---------------------------------------------------------------------------------------------
# Secrets shown once, on the pages
# ---------------------------------------------------------------------------------------------


def _admin(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def test_a_new_webhooks_secret_is_shown_once(world: World, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client = _admin(world)
    response = client.post(
        "/desk/settings/webhooks/new",
        {"url": "http://127.0.0.1:9/in", "events": ["ticket.created"], "active": "on"},
        follow=True,
    )
    webhook = Webhook.objects.get()
    page = response.content.decode()
    assert page.count(webhook.secret) == 1
    assert (
        webhook.secret not in client.get(f"/desk/settings/webhooks/{webhook.pk}/").content.decode()
    )
    rotated = client.post(f"/desk/settings/webhooks/{webhook.pk}/rotate-secret", follow=True)
    webhook.refresh_from_db()
    assert rotated.content.decode().count(webhook.secret) == 1
    assert (
        webhook.secret not in client.get(f"/desk/settings/webhooks/{webhook.pk}/").content.decode()
    )


def test_a_refused_url_is_said_on_the_page(world: World, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = _admin(world).post(
        "/desk/settings/webhooks/new",
        {"url": "http://127.0.0.1/in", "events": ["ticket.created"]},
        follow=True,
    )
    assert "This URL cannot receive webhooks" in response.content.decode()
    assert not Webhook.objects.exists()


def test_a_new_api_key_is_shown_once_and_never_listed(world: World) -> None:
    from tickets.apitokens.models import ApiToken

    client = _admin(world)
    response = client.post(
        "/desk/settings/api-tokens/new",
        {"name": "CRM sync", "owner": world.agent_a.pk, "scope": "read_write"},
        follow=True,
    )
    page = response.content.decode()
    token = ApiToken.objects.get()
    shown = [word for word in page.replace('"', " ").split() if word.startswith("ast_")]
    assert len(shown) == 1 and shown[0][:12] == token.prefix
    key = shown[0]
    again = client.get("/desk/settings/api-tokens/").content.decode()
    assert key not in again and "CRM sync" in again and f"{token.prefix}…" in again
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/tickets").status_code == 200
