"""Other apps' personal data, reached without importing them.

Retention and the contact's rights live here, below `tickets` in the direction of imports, yet
tickets, notes and webhook payloads hold personal data too. So, as a handoff is a signal that
`tickets` answers, each app that keeps personal data about contacts registers a holder at start-up
(`tickets/apps.py`), and retention, export and erasure ask every registered holder in turn.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from django.db.models import QuerySet

from assistant.chat.models import Contact, Conversation, Inbox


class DataHolder(Protocol):
    """What one app does for retention, export and erasure. Counts are by kind of row."""

    def retainable_conversations(
        self, conversations: QuerySet[Conversation], *, before: datetime
    ) -> QuerySet[Conversation]:
        """Narrow expired conversations to those this app lets go: none with an open ticket,
        none whose records here saw activity since `before`."""
        ...

    def expire_conversations(
        self, conversation_ids: Sequence[uuid.UUID], *, delete: bool
    ) -> dict[str, int]:
        """Delete or anonymise what this app keeps about these expired conversations. Runs
        before the conversations themselves are changed, in the same transaction."""
        ...

    def expire_unlinked(
        self, *, inbox: Inbox, before: datetime, delete: bool, limit: int
    ) -> tuple[dict[str, int], int]:
        """Expire up to `limit` closed records not tied to a conversation (a ticket created by
        an agent or through the API) whose last activity is before `before`. Returns the counts
        and how many records were taken, so the caller knows whether more are waiting."""
        ...

    def retainable_contacts(
        self, contacts: QuerySet[Contact], *, delete: bool
    ) -> QuerySet[Contact]:
        """Narrow contacts to those this app holds nothing live about (for `delete`: nothing at
        all, since a contact's rows here may protect it from deletion)."""
        ...

    def export_contact(self, contact: Contact) -> dict[str, Any]:
        """Top-level sections of the contact's export (JSON-ready values)."""
        ...

    def erase_contact(
        self, contact: Contact, conversation_ids: Sequence[uuid.UUID]
    ) -> dict[str, int]:
        """Remove everything this app keeps about the contact. Runs before the contact and its
        conversations are deleted, in the same transaction."""
        ...


class ConversationRecords:
    """The parts of a DataHolder for records that only ever belong to a conversation (an
    action call, an e-mail draft): nothing outlives its conversation, and nothing of theirs
    keeps a conversation or a contact alive."""

    def retainable_conversations(
        self, conversations: QuerySet[Conversation], *, before: datetime
    ) -> QuerySet[Conversation]:
        return conversations

    def expire_unlinked(
        self, *, inbox: Inbox, before: datetime, delete: bool, limit: int
    ) -> tuple[dict[str, int], int]:
        return {}, 0

    def retainable_contacts(
        self, contacts: QuerySet[Contact], *, delete: bool
    ) -> QuerySet[Contact]:
        return contacts


_holders: list[DataHolder] = []


def register(holder: DataHolder) -> None:
    if not any(type(existing) is type(holder) for existing in _holders):
        _holders.append(holder)


def registered() -> tuple[DataHolder, ...]:
    return tuple(_holders)
