"""Retention: each inbox keeps closed conversations for its number of days, then deletes or
anonymises them (InboxPrivacy.retention_days / retention_action; docs/privacy.md).

A conversation's age is counted from its last activity: the latest of its own last change, its
last message, its resolution and (through the holders) its ticket's last change. Open
conversations, conversations with an open ticket and inboxes without retention are never
touched. Work is done in bounded batches, each in its own transaction that locks its rows and
re-checks the conditions, so a run killed half-way leaves whole batches done or untouched, and a
second run simply continues: nothing is done twice, because deleted rows are gone, anonymised
conversations are marked, and anonymised contacts no longer match.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone

from assistant.chat.attachments import attachments_delete
from assistant.chat.models import Contact, Conversation, Message
from assistant.privacy.models import (
    AnonymisedConversation,
    InboxPrivacy,
    OutboundCallAudit,
    RetentionAction,
)

from . import holders

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# Batches per kind of row per inbox per run: bounds one run's time (the Celery time limit);
# the next run continues where this one stopped.
MAX_BATCHES = 25


@dataclass
class RetentionResult:
    counts: Counter[str] = field(default_factory=Counter)
    inboxes: int = 0
    # False when some inbox had more expired rows than one run may handle.
    complete: bool = True


def apply_retention(
    *, now: datetime | None = None, batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES
) -> RetentionResult:
    """Apply every inbox's retention once. Inboxes without retention are not even read."""
    now = now or timezone.now()
    result = RetentionResult()
    policies = InboxPrivacy.objects.filter(retention_days__gt=0).select_related("inbox")
    for policy in policies.order_by("inbox_id"):
        assert policy.retention_days is not None
        before = now - timedelta(days=policy.retention_days)
        delete = policy.retention_action == RetentionAction.DELETE
        result.inboxes += 1
        counts, complete = _apply_to_inbox(policy, before, delete, batch_size, max_batches)
        result.counts.update(counts)
        result.complete = result.complete and complete
        if counts:
            logger.info(
                "retention: inbox %s (%s after %s days): %s",
                policy.inbox_id,
                policy.retention_action,
                policy.retention_days,
                dict(sorted(counts.items())),
            )
    return result


def preview(policy: InboxPrivacy, *, now: datetime | None = None) -> dict[str, int]:
    """How many conversations and contacts are past this inbox's period right now (contacts
    counted as they stand, before their conversations expire)."""
    if not policy.retention_days:
        return {"conversations": 0, "contacts": 0}
    before = (now or timezone.now()) - timedelta(days=policy.retention_days)
    delete = policy.retention_action == RetentionAction.DELETE
    conversations = expired_conversations(inbox_id=policy.inbox_id, before=before)
    if not delete:
        conversations = conversations.filter(anonymisation__isnull=True)
    contacts = expired_contacts(inbox_id=policy.inbox_id, before=before, delete=delete)
    return {"conversations": conversations.count(), "contacts": contacts.count()}


def _apply_to_inbox(
    policy: InboxPrivacy, before: datetime, delete: bool, batch_size: int, max_batches: int
) -> tuple[Counter[str], bool]:
    counts: Counter[str] = Counter()
    steps = [
        lambda: _expire_conversation_batch(policy, before, delete, batch_size),
        *(
            lambda holder=holder: _expire_unlinked_batch(holder, policy, before, delete, batch_size)
            for holder in holders.registered()
        ),
        # Contacts last: they are free only once their conversations and tickets are.
        lambda: _expire_contact_batch(policy, before, delete, batch_size),
    ]
    complete = True
    for step in steps:
        for _ in range(max_batches):
            batch_counts, taken = step()
            counts.update(batch_counts)
            if taken < batch_size:
                break
        else:
            complete = False
    return +counts, complete


# ---------------------------------------------------------------------------------------------
# Conversations
# ---------------------------------------------------------------------------------------------


def expired_conversations(*, inbox_id: int, before: datetime) -> QuerySet[Conversation]:
    """Resolved conversations of this inbox whose last activity is before `before`."""
    last_message = (
        Message.objects.filter(conversation=OuterRef("pk")).order_by("-seq").values("created_at")
    )
    conversations = (
        # updated_at is part of the last activity, so this necessary condition lets the
        # (inbox, state, updated_at) index skip every recent conversation before the subquery.
        Conversation.objects.filter(
            inbox_id=inbox_id, state=Conversation.State.RESOLVED, updated_at__lt=before
        )
        # PostgreSQL's GREATEST ignores NULLs, so a missing resolution or message is no issue.
        .annotate(last_activity=Greatest("updated_at", "resolved_at", Subquery(last_message[:1])))
        .filter(last_activity__lt=before)
    )
    for holder in holders.registered():
        conversations = holder.retainable_conversations(conversations, before=before)
    return conversations


def _expire_conversation_batch(
    policy: InboxPrivacy, before: datetime, delete: bool, batch_size: int
) -> tuple[Counter[str], int]:
    with transaction.atomic():
        candidates = expired_conversations(inbox_id=policy.inbox_id, before=before)
        if not delete:
            candidates = candidates.filter(anonymisation__isnull=True)
        # Locking re-checks the conditions at the moment of the change; rows another run holds
        # are skipped, not waited for.
        ids = list(
            candidates.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return Counter(), 0
        counts = expire_conversations(ids, delete=delete)
    return counts, len(ids)


def expire_conversations(ids: Sequence[uuid.UUID], *, delete: bool) -> Counter[str]:
    """Delete or anonymise these conversations and everything tied to them (in the caller's
    transaction). Their analytics facts stay: they hold neither texts nor identities."""
    counts: Counter[str] = Counter()
    for holder in holders.registered():
        counts.update(holder.expire_conversations(ids, delete=delete))
    counts["audit_payloads"] += clear_audit_payloads(ids)
    # Files are the customer's content whichever the action: anonymising deletes them too.
    counts["attachments_deleted"] += attachments_delete(ids)
    if delete:
        _deleted, by_model = Conversation.objects.filter(pk__in=ids).delete()
        counts["conversations_deleted"] += by_model.get("chat.Conversation", 0)
        counts["messages_deleted"] += by_model.get("chat.Message", 0)
        return counts
    counts["messages_anonymised"] += Message.objects.filter(conversation_id__in=ids).update(text="")
    # Agents' and the assistant's names are the company's, not the customer's.
    Message.objects.filter(conversation_id__in=ids, author_kind=Message.Author.CUSTOMER).update(
        author_name=""
    )
    # update() leaves updated_at alone: anonymising is not activity, and the analytics refresh
    # has nothing to recompute (states, times, ratings and model calls are unchanged).
    Conversation.objects.filter(pk__in=ids).update(summary="", csat_comment="")
    AnonymisedConversation.objects.bulk_create(
        [AnonymisedConversation(conversation_id=pk) for pk in ids], ignore_conflicts=True
    )
    counts["conversations_anonymised"] += len(ids)
    return counts


def clear_audit_payloads(conversation_ids: Sequence[uuid.UUID]) -> int:
    """Drop the stored (redacted) payloads of these conversations' outbound calls. The rows
    stay, with their hash, size and counts: the record of what left is not personal data, but
    a redacted payload still holds whatever the detectors missed (a name or an address that no
    rule recognised)."""
    return (
        OutboundCallAudit.objects.filter(conversation_id__in=conversation_ids)
        .exclude(redacted_payload="")
        .update(redacted_payload="")
    )


# ---------------------------------------------------------------------------------------------
# Records outside conversations, and contacts
# ---------------------------------------------------------------------------------------------


def _expire_unlinked_batch(
    holder: holders.DataHolder,
    policy: InboxPrivacy,
    before: datetime,
    delete: bool,
    batch_size: int,
) -> tuple[Counter[str], int]:
    with transaction.atomic():
        counts, taken = holder.expire_unlinked(
            inbox=policy.inbox, before=before, delete=delete, limit=batch_size
        )
    return Counter(counts), taken


# A contact that still has one of these has not been anonymised yet.
_IDENTIFIED = (
    ~Q(name="") | ~Q(email="") | Q(external_id__isnull=False) | Q(visitor_secret_hash__isnull=False)
)


def expired_contacts(*, inbox_id: int, before: datetime, delete: bool) -> QuerySet[Contact]:
    """Contacts of this inbox not seen since `before` that nothing live refers to any more."""
    live = Conversation.objects.filter(contact=OuterRef("pk"))
    if not delete:
        live = live.filter(anonymisation__isnull=True)
    contacts = Contact.objects.filter(inbox_id=inbox_id, last_seen_at__lt=before).filter(
        ~Exists(live)
    )
    if not delete:
        contacts = contacts.filter(_IDENTIFIED)
    for holder in holders.registered():
        contacts = holder.retainable_contacts(contacts, delete=delete)
    return contacts


def _expire_contact_batch(
    policy: InboxPrivacy, before: datetime, delete: bool, batch_size: int
) -> tuple[Counter[str], int]:
    with transaction.atomic():
        candidates = expired_contacts(inbox_id=policy.inbox_id, before=before, delete=delete)
        ids = list(
            candidates.select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return Counter(), 0
        contacts = Contact.objects.filter(pk__in=ids)
        if delete:
            _deleted, by_model = contacts.delete()
            return Counter(contacts_deleted=by_model.get("chat.Contact", 0)), len(ids)
        # update(): last_seen_at (auto_now) must not move, or the contact would look active.
        # Without the visitor secret's hash, no browser can resume this contact.
        changed = contacts.update(name="", email="", external_id=None, visitor_secret_hash=None)
    return Counter(contacts_anonymised=changed), len(ids)
