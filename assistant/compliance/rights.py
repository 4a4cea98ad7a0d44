"""The contact's rights: a copy of their data (export) and its removal (erasure).

Both are recorded in RightsRecord, without the contact's personal data. The export format is
documented in docs/privacy.md ("Retention and the contact's rights") and versioned: fields may
be added within a version; renaming or removing one means a new version.
"""

from __future__ import annotations

import base64
import logging
from collections import Counter
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from assistant.chat import events
from assistant.chat.attachments import attachments_delete
from assistant.chat.models import Attachment, Contact, Conversation, Message
from assistant.privacy.models import OutboundCallAudit, RightsRecord
from assistant.privacy.pseudonymize import Pseudonymizer

from . import holders
from .retention import clear_audit_payloads

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "assistant.contact-export"
EXPORT_VERSION = 1
MAX_REASON_CHARS = 1000


def contact_reference(contact_id: object) -> str:
    """A keyed hash of the contact's id: whoever knows the id can find its records; the
    records alone name nobody (the key is the server's SECRET_KEY)."""
    # The salt names where this lived first; changing it would change every stored reference.
    return salted_hmac("assistant.privacy.rights", str(contact_id), algorithm="sha256").hexdigest()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def export_contact(
    *, contact: Contact, by: AbstractBaseUser | None, channel: str
) -> dict[str, Any]:
    """Everything kept about this contact, as JSON-ready data, and a record that it was taken."""
    conversations = list(
        Conversation.objects.filter(contact=contact)
        .prefetch_related("messages", "messages__attachments", "attachments")
        .order_by("created_at", "pk")
    )
    conversation_ids = [c.pk for c in conversations]
    audits = OutboundCallAudit.objects.filter(conversation_id__in=conversation_ids).order_by(
        "created_at", "pk"
    )
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(timezone.now()),
        "contact": _contact(contact),
        "conversations": [_conversation(c) for c in conversations],
        "outbound_model_calls": [_audit(a) for a in audits],
    }
    for holder in holders.registered():
        data.update(holder.export_contact(contact))
    _record(
        kind=RightsRecord.Kind.EXPORT,
        contact=contact,
        by=by,
        channel=channel,
        counts={
            "conversations": len(conversations),
            "messages": sum(len(c["messages"]) for c in data["conversations"]),
            "outbound_model_calls": len(data["outbound_model_calls"]),
            "tickets": len(data.get("tickets", [])),
        },
    )
    return data


def _contact(contact: Contact) -> dict[str, Any]:
    return {
        "id": str(contact.pk),
        "inbox": {"id": contact.inbox_id, "name": contact.inbox.name},
        "external_id": contact.external_id,
        "name": contact.name,
        "email": contact.email,
        "language": contact.language,
        "is_vip": contact.is_vip,
        "created_at": _iso(contact.created_at),
        "last_seen_at": _iso(contact.last_seen_at),
    }


def _conversation(conversation: Conversation) -> dict[str, Any]:
    messages = sorted(conversation.messages.all(), key=lambda m: m.seq)
    return {
        "id": str(conversation.pk),
        "state": conversation.state,
        "language": conversation.language,
        "topic": conversation.topic,
        "handoff_reason": conversation.handoff_reason,
        "summary": conversation.summary,
        "rating": {"score": conversation.csat_score, "comment": conversation.csat_comment},
        "created_at": _iso(conversation.created_at),
        "updated_at": _iso(conversation.updated_at),
        "handoff_at": _iso(conversation.handoff_at),
        "resolved_at": _iso(conversation.resolved_at),
        "messages": [_message(m) for m in messages],
        # Uploaded in the widget but never sent with a message.
        "unsent_attachments": [
            _attachment(a) for a in conversation.attachments.all() if a.message_id is None
        ],
    }


def _message(message: Message) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "author": {"kind": message.author_kind, "name": message.author_name},
        "text": message.text,
        "citations": message.citations,
        "created_at": _iso(message.created_at),
        "attachments": [_attachment(a) for a in message.attachments.all()],
    }


def _attachment(attachment: Attachment) -> dict[str, Any]:
    """A file the message carried, with its content (base64): the export is a copy of the
    data, not a list of links that expire."""
    try:
        with attachment.file.open("rb") as handle:
            content: str | None = base64.b64encode(handle.read()).decode("ascii")
    except OSError:
        content = None  # the row outlived its file; say so rather than fail the export
    return {
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "source": attachment.source,
        "created_at": _iso(attachment.created_at),
        "content_base64": content,
    }


def _audit(audit: OutboundCallAudit) -> dict[str, Any]:
    return {
        "created_at": _iso(audit.created_at),
        "conversation": str(audit.conversation_id),
        "purpose": audit.purpose,
        "provider": audit.provider,
        "model": audit.model,
        "hosting": audit.hosting,
        "jurisdiction": audit.jurisdiction,
        "outcome": audit.outcome,
        "redacted": audit.redacted,
        "redaction_counts": audit.redaction_counts,
        "payload_sha256": audit.payload_sha256,
        "redacted_payload": audit.redacted_payload,
    }


# ---------------------------------------------------------------------------------------------
# Erasure
# ---------------------------------------------------------------------------------------------


def erase_contact(
    *, contact: Contact, by: AbstractBaseUser | None, channel: str, reason: str
) -> RightsRecord:
    """Delete the contact and everything about them, in one transaction, and record it.

    Conversations and messages are deleted (their analytics facts stay: no texts, no identity,
    no link back); tickets, notes and webhook payloads through the holders; outbound-call audit
    rows lose their stored payloads and keep their hashes. The visitor secret goes with the
    contact row, so no browser can resume it, and after commit the contact's open widget tabs
    are closed and any reply being written for them is stopped.
    """
    with transaction.atomic():
        contact = Contact.objects.select_for_update().select_related("inbox").get(pk=contact.pk)
        conversation_ids = list(
            Conversation.objects.filter(contact=contact).values_list("pk", flat=True)
        )
        counts: Counter[str] = Counter()
        for holder in holders.registered():
            counts.update(holder.erase_contact(contact, conversation_ids))
        counts["audit_payloads"] += clear_audit_payloads(conversation_ids)
        counts["attachments_deleted"] += attachments_delete(conversation_ids)
        _deleted, by_model = Conversation.objects.filter(pk__in=conversation_ids).delete()
        counts["conversations_deleted"] += by_model.get("chat.Conversation", 0)
        counts["messages_deleted"] += by_model.get("chat.Message", 0)
        contact_id = contact.pk
        contact.delete()
        counts["contacts_deleted"] += 1
        record = _record(
            kind=RightsRecord.Kind.ERASURE,
            contact=contact,
            contact_id=contact_id,
            by=by,
            channel=channel,
            counts=+counts,
            reason=clean_reason(reason),
        )
        events.close_contact_on_commit(contact_id=contact_id, conversation_ids=conversation_ids)
    logger.info(
        "erasure %s by %s: %s", record.contact_reference[:12], record.actor_name, record.counts
    )
    return record


def clean_reason(reason: str) -> str:
    """The reason as typed, with e-mails, phone numbers and other detectable identifiers
    replaced by placeholders: the record of an erasure must not keep what it erased."""
    return Pseudonymizer().redact(reason.strip()[:MAX_REASON_CHARS])


def _record(
    *,
    kind: str,
    contact: Contact,
    by: AbstractBaseUser | None,
    channel: str,
    counts: dict[str, int],
    reason: str = "",
    contact_id: object = None,
) -> RightsRecord:
    return RightsRecord.objects.create(
        kind=kind,
        channel=channel,
        actor=by if by is not None and by.is_authenticated else None,
        actor_name=by.get_username() if by is not None and by.is_authenticated else "",
        inbox_id=contact.inbox_id,
        contact_reference=contact_reference(contact_id or contact.pk),
        reason=reason,
        counts=dict(counts),
    )
