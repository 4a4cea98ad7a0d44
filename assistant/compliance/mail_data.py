"""E-mail (assistant/mail) as a data holder: the raw mail customers sent, the mails sent to them
and the Message-IDs that thread them are the customer's data like the messages they became.

Retention removes them with the conversation whichever its action: a raw mail holds the
customer's words and address, so anonymising a conversation while keeping its raw mail would
anonymise nothing, and an anonymised conversation needs no threading. Mail that never became a
conversation (auto-replies, bounces, refused mail) expires with the inbox's retention period.
The export lists what was received and sent; erasure removes all of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from assistant.chat.models import Contact, Conversation, Inbox
from assistant.mail.models import InboundMail, MailReference, OutboundMail


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class MailData:
    """assistant.mail as a compliance.holders.DataHolder."""

    def retainable_conversations(
        self, conversations: QuerySet[Conversation], *, before: datetime
    ) -> QuerySet[Conversation]:
        # A mail still waiting to be sent is activity: the conversation is not over yet.
        return conversations.exclude(outbound_mail__state=OutboundMail.State.SCHEDULED)

    def expire_conversations(
        self, conversation_ids: Sequence[uuid.UUID], *, delete: bool
    ) -> dict[str, int]:
        return self._remove(conversation_ids)

    def expire_unlinked(
        self, *, inbox: Inbox, before: datetime, delete: bool, limit: int
    ) -> tuple[dict[str, int], int]:
        # Mail processing is finished with (never "stored": that one is still to be processed).
        ids = list(
            InboundMail.objects.filter(
                account__inbox=inbox, conversation__isnull=True, received_at__lt=before
            )
            .exclude(state=InboundMail.State.STORED)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return {}, 0
        deleted, _by_model = InboundMail.objects.filter(pk__in=ids).delete()
        return {"inbound_mail_deleted": deleted}, len(ids)

    def retainable_contacts(
        self, contacts: QuerySet[Contact], *, delete: bool
    ) -> QuerySet[Contact]:
        return contacts

    def export_contact(self, contact: Contact) -> dict[str, Any]:
        received = InboundMail.objects.filter(conversation__contact=contact).order_by("pk")
        sent = OutboundMail.objects.filter(conversation__contact=contact).order_by("pk")
        return {
            "emails_received": [
                {
                    "conversation_id": str(mail.conversation_id),
                    "message_id": mail.message_id,
                    "received_at": _iso(mail.received_at),
                    "state": mail.state,
                    "raw": bytes(mail.raw).decode("utf-8", "replace"),
                }
                for mail in received
            ],
            "emails_sent": [
                {
                    "conversation_id": str(mail.conversation_id),
                    "to": mail.to_address,
                    "message_id": mail.message_id,
                    "state": mail.state,
                    "sent_at": _iso(mail.sent_at),
                }
                for mail in sent
            ],
        }

    def erase_contact(
        self, contact: Contact, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[str, int]:
        return self._remove(conversation_ids)

    def _remove(self, conversation_ids: Sequence[uuid.UUID]) -> dict[str, int]:
        inbound, _ = InboundMail.objects.filter(conversation_id__in=conversation_ids).delete()
        outbound, _ = OutboundMail.objects.filter(conversation_id__in=conversation_ids).delete()
        references, _ = MailReference.objects.filter(conversation_id__in=conversation_ids).delete()
        return {
            "inbound_mail_deleted": inbound,
            "outbound_mail_deleted": outbound,
            "mail_references_deleted": references,
        }
