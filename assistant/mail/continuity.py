"""Whether a conversation's reply should go out by e-mail, and to which address.

A conversation that started by mail is answered by mail. A chat continues by mail only when
the visitor left an address (or the company's verified identity gave one) and no widget tab of
theirs is open: someone still looking at the widget reads the reply there.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from assistant.chat.models import Conversation
from assistant.chat.tabs import tabs_key
from assistant.kv import sync_redis
from assistant.mail.models import MailAccount


@dataclass(frozen=True)
class Destination:
    account: MailAccount
    to_address: str


def visitor_connected(contact_id: uuid.UUID | str) -> bool:
    """A widget tab of the contact is open on some web process (assistant/chat/tabs.py keeps a
    count per process in Redis). A process that died with tabs open leaves its count until the
    hash expires; until then the visitor reads as connected, and is not mailed."""
    counts = sync_redis().hgetall(tabs_key(contact_id))
    return any(int(count) > 0 for count in counts.values())


def destination(conversation: Conversation) -> Destination | None:
    """Where a reply in ``conversation`` would be mailed, or None when it cannot be: the inbox
    has no enabled address to send from (a reply would have nowhere to come back to), or the
    contact has no address."""
    to_address = conversation.contact.email.strip()
    if not to_address:
        return None
    account = MailAccount.objects.filter(inbox_id=conversation.inbox_id, enabled=True).first()
    if account is None:
        return None
    return Destination(account=account, to_address=to_address)


def is_email(conversation: Conversation) -> bool:
    return conversation.channel == Conversation.Channel.EMAIL
