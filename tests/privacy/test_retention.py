"""Retention per inbox: closed conversations past their period are deleted or anonymised, in
batches, once; open ones, recent ones and inboxes without retention are never touched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from analytics import rollups
from analytics.models import ConversationFact
from assistant.chat.models import Contact, Conversation, Message
from assistant.compliance import retention, tasks
from assistant.compliance.retention import apply_retention
from assistant.privacy.models import (
    AnonymisedConversation,
    InboxPrivacy,
    OutboundCallAudit,
    RetentionAction,
)
from tests import factories
from tests.privacy.customers import age, make_customer, subscribe_webhook, traces
from tickets.models import Note, Ticket, TicketEvent
from tickets.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

DAYS = 30


@pytest.fixture
def agent(inbox: Any) -> Any:
    team = factories.make_team(inboxes=(inbox,))
    return factories.make_agent("retention-agent", teams=(team,))


def keep_for(inbox: Any, days: int | None, action: str = RetentionAction.ANONYMISE) -> None:
    InboxPrivacy.objects.update_or_create(
        inbox=inbox, defaults={"retention_days": days, "retention_action": action}
    )


def long_ago() -> Any:
    return timezone.now() - timedelta(days=DAYS + 1)


def test_an_inbox_without_retention_keeps_everything(inbox: Any, agent: Any) -> None:
    old = make_customer(inbox, marker="keepforever", agent=agent)
    age(old, timezone.now() - timedelta(days=3650))
    keep_for(inbox, None)
    other = factories.make_inbox()
    keep_for(other, 0)

    result = apply_retention()

    assert result.inboxes == 0
    assert not result.counts
    assert Message.objects.filter(text__contains="keepforever").exists()


def test_it_anonymises_old_closed_conversations_and_keeps_the_numbers(
    inbox: Any, agent: Any
) -> None:
    subscribe_webhook()
    old = make_customer(inbox, marker="oldcustomer", agent=agent)
    make_customer(inbox, marker="recentcustomer", agent=agent)
    age(old, long_ago())
    keep_for(inbox, DAYS)
    messages_before = Message.objects.filter(conversation=old.conversation).count()
    assert traces("oldcustomer")

    result = apply_retention()

    assert traces("oldcustomer") == {}
    assert traces("recentcustomer")
    conversation = Conversation.objects.get(pk=old.conversation.pk)
    assert conversation.csat_score == 4 and conversation.csat_comment == ""
    assert conversation.state == Conversation.State.RESOLVED and conversation.summary == ""
    assert Message.objects.filter(conversation=conversation).count() == messages_before
    assert not Message.objects.filter(conversation=conversation).exclude(text="").exists()
    contact = Contact.objects.get(pk=old.contact.pk)
    assert (contact.name, contact.email, contact.external_id) == ("", "", None)
    assert contact.visitor_secret_hash is None
    ticket = Ticket.objects.get(pk=old.ticket.pk)
    assert ticket.subject == "" and ticket.status == Ticket.Status.SOLVED
    assert not Note.objects.filter(ticket=ticket).exists()
    assert TicketEvent.objects.filter(ticket=ticket, kind="status").exists()
    audit = OutboundCallAudit.objects.get(conversation=conversation)
    assert audit.redacted_payload == "" and audit.payload_sha256 == "a" * 64
    assert result.counts["conversations_anonymised"] == 1
    assert result.counts["contacts_anonymised"] == 1
    assert result.counts["webhook_payloads"] >= 1
    assert WebhookDelivery.objects.filter(payload__personal_data_removed=True).exists()


def test_anonymising_leaves_the_analytics_facts_as_they_were(inbox: Any, agent: Any) -> None:
    old = make_customer(inbox, marker="factcustomer", agent=agent)
    age(old, long_ago())
    rollups.refresh_facts_for([str(old.conversation.pk)])
    fields = [f.name for f in ConversationFact._meta.fields if f.name != "refreshed_at"]
    before = ConversationFact.objects.values(*fields).get(conversation_id=old.conversation.pk)
    keep_for(inbox, DAYS)

    apply_retention()
    rollups.refresh_facts_for([str(old.conversation.pk)])

    after = ConversationFact.objects.values(*fields).get(conversation_id=old.conversation.pk)
    assert after == before


def test_deleting_removes_the_rows_but_not_the_analytics_facts(inbox: Any, agent: Any) -> None:
    subscribe_webhook()
    old = make_customer(inbox, marker="deletedcustomer", agent=agent)
    age(old, long_ago())
    rollups.refresh_facts_for([str(old.conversation.pk)])
    keep_for(inbox, DAYS, RetentionAction.DELETE)

    result = apply_retention()
    rollups.refresh(now=timezone.now())

    assert not Conversation.objects.filter(pk=old.conversation.pk).exists()
    assert not Ticket.objects.filter(pk=old.ticket.pk).exists()
    assert not Contact.objects.filter(pk=old.contact.pk).exists()
    assert traces("deletedcustomer") == {}
    fact = ConversationFact.objects.get(conversation_id=old.conversation.pk)
    assert fact.csat == 4 and fact.resolved and fact.human
    audit = OutboundCallAudit.objects.get(payload_sha256="a" * 64)
    assert audit.conversation_id is None and audit.redacted_payload == ""
    assert result.counts["conversations_deleted"] == 1
    assert result.counts["tickets_deleted"] == 1
    assert result.counts["contacts_deleted"] == 1


def test_open_and_recent_conversations_are_never_touched(inbox: Any, agent: Any) -> None:
    still_open = make_customer(inbox, marker="stillopen", agent=agent, resolved=False)
    age(still_open, long_ago())
    reopened_ticket = make_customer(inbox, marker="openticket", agent=agent)
    age(reopened_ticket, long_ago())
    Ticket.objects.filter(pk=reopened_ticket.ticket.pk).update(status=Ticket.Status.OPEN)
    recent = make_customer(inbox, marker="justresolved", agent=agent)
    keep_for(inbox, DAYS, RetentionAction.DELETE)

    apply_retention()

    for customer in (still_open, reopened_ticket, recent):
        assert Message.objects.filter(text__contains=customer.marker).exists()
        assert Contact.objects.filter(pk=customer.contact.pk, name__contains=customer.marker)


def test_age_is_counted_from_the_last_activity_not_the_start(inbox: Any, agent: Any) -> None:
    customer = make_customer(inbox, marker="lateactivity", agent=agent)
    age(customer, long_ago())
    # Started long ago, but the last message came yesterday.
    last = Message.objects.filter(conversation=customer.conversation).order_by("-seq").first()
    Message.objects.filter(pk=last.pk).update(created_at=timezone.now() - timedelta(days=1))
    keep_for(inbox, DAYS)

    result = apply_retention()

    assert "conversations_anonymised" not in result.counts
    assert Message.objects.filter(text__contains="lateactivity").exists()


def test_a_contact_with_a_newer_conversation_keeps_their_identity(inbox: Any, agent: Any) -> None:
    customer = make_customer(inbox, marker="returning", agent=agent)
    age(customer, long_ago())
    from assistant.chat import services as chat

    chat.customer_message_create(contact_id=customer.contact.id, text="Me again", client_id="n1")
    keep_for(inbox, DAYS)

    apply_retention()

    assert AnonymisedConversation.objects.filter(conversation=customer.conversation).exists()
    contact = Contact.objects.get(pk=customer.contact.pk)
    assert contact.email == customer.email and contact.visitor_secret_hash is not None


def test_it_is_idempotent(inbox: Any, agent: Any) -> None:
    old = make_customer(inbox, marker="twice", agent=agent)
    age(old, long_ago())
    keep_for(inbox, DAYS)

    first = apply_retention()
    second = apply_retention()

    assert first.counts["conversations_anonymised"] == 1
    assert not second.counts
    assert AnonymisedConversation.objects.count() == 1


def test_it_works_in_bounded_batches_and_a_later_run_continues(inbox: Any, agent: Any) -> None:
    customers = [make_customer(inbox, marker=f"batch{n}x", agent=agent) for n in range(5)]
    for customer in customers:
        age(customer, long_ago())
    keep_for(inbox, DAYS, RetentionAction.DELETE)

    first = apply_retention(batch_size=2, max_batches=1)

    assert first.counts["conversations_deleted"] == 2 and not first.complete
    assert Conversation.objects.filter(inbox=inbox).count() == 3

    while not apply_retention(batch_size=2, max_batches=1).complete:
        pass
    assert not Conversation.objects.filter(inbox=inbox).exists()
    assert not Contact.objects.filter(inbox=inbox, name__startswith="Name batch").exists()


def test_unlinked_closed_tickets_expire_too(inbox: Any, agent: Any) -> None:
    ticket = factories.make_ticket(inbox=inbox, subject="Invoice for unlinkedperson")
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED, updated_at=long_ago())
    Contact.objects.filter(pk=ticket.contact_id).update(last_seen_at=long_ago())
    keep_for(inbox, DAYS)

    result = apply_retention()

    assert result.counts["tickets_anonymised"] == 1
    assert traces("unlinkedperson") == {}
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_the_beat_task_is_scheduled_and_acknowledged_late(settings: Any) -> None:
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.apply_retention.name
    ]
    assert len(entries) == 1
    assert tasks.apply_retention.acks_late


def test_the_task_reports_counts(inbox: Any, agent: Any) -> None:
    old = make_customer(inbox, marker="taskrun", agent=agent)
    age(old, long_ago())
    keep_for(inbox, DAYS)

    counts = tasks.apply_retention.apply().get()

    assert counts["conversations_anonymised"] == 1 and counts["complete"] == 1
    assert retention.BATCH_SIZE > 0


def test_a_run_that_dies_half_way_leaves_whole_batches_and_the_next_run_finishes(
    inbox: Any, agent: Any, monkeypatch: Any
) -> None:
    customers = [make_customer(inbox, marker=f"crash{n}x", agent=agent) for n in range(3)]
    for customer in customers:
        age(customer, long_ago())
    keep_for(inbox, DAYS, RetentionAction.DELETE)
    real = retention.clear_audit_payloads
    calls = {"n": 0}

    def dies_in_the_second_batch(ids: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(ids)

    monkeypatch.setattr(retention, "clear_audit_payloads", dies_in_the_second_batch)
    with pytest.raises(SystemExit):
        apply_retention(batch_size=1)
    # The first batch is done, the second rolled back whole, the third never started.
    assert Conversation.objects.filter(inbox=inbox).count() == 2
    assert Ticket.objects.filter(inbox=inbox).count() == 2

    monkeypatch.setattr(retention, "clear_audit_payloads", real)
    result = apply_retention(batch_size=1)

    assert result.counts["conversations_deleted"] == 2 and result.complete
    assert not Conversation.objects.filter(inbox=inbox).exists()
    assert all(traces(customer.marker) == {} for customer in customers)


def test_the_admin_previews_what_the_next_run_would_take(
    inbox: Any, agent: Any, admin_client: Any
) -> None:
    old = make_customer(inbox, marker="previewed", agent=agent)
    age(old, long_ago())
    make_customer(inbox, marker="notyet", agent=agent)
    keep_for(inbox, DAYS)
    policy = InboxPrivacy.objects.get(inbox=inbox)

    assert retention.preview(policy) == {"conversations": 1, "contacts": 0}
    page = admin_client.get(f"/admin/privacy/inboxprivacy/{policy.pk}/change/")
    assert page.status_code == 200
    assert "closed conversations: 1, contacts: 0" in page.content.decode()
    assert Message.objects.filter(text__contains="previewed").exists()
