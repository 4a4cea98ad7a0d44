"""Which conversation a mail continues, if any.

A reply names its conversation in two ways: the Message-IDs it answers (In-Reply-To, then
References, matched against the ids this address sent and received: `MailReference`), and the
reply token our outgoing mail carries in its Reply-To sub-address and subject, for clients that
drop the headers. Either way the conversation must be of this address's inbox and the mail must
come from that conversation's contact: a Message-ID is no secret (everyone on Cc has it), so a
stranger's mail that names it starts a conversation of its own instead of writing into another
customer's.
"""

from __future__ import annotations

import uuid

from assistant.chat.models import Conversation
from assistant.mail import reply_tokens
from assistant.mail.headers import message_ids_in
from assistant.mail.models import MailAccount, MailReference
from assistant.mail.parsed import ParsedMail


def conversation_replied_to(*, account: MailAccount, parsed: ParsedMail) -> Conversation | None:
    for conversation_id in _named_conversations(account, parsed):
        conversation = (
            Conversation.objects.select_related("contact")
            .filter(pk=conversation_id, inbox_id=account.inbox_id)
            .first()
        )
        if conversation is not None and _sent_by_its_contact(conversation, parsed):
            return conversation
    return None


def _named_conversations(account: MailAccount, parsed: ParsedMail) -> list[uuid.UUID]:
    """Conversations the mail names, most specific first: the message it answers, the rest of
    its thread (newest first), then its reply token."""
    answered = message_ids_in(parsed.in_reply_to)
    thread = [ident for ref in reversed(parsed.references) for ident in message_ids_in(ref)]
    wanted = list(dict.fromkeys(answered + thread))
    named: list[uuid.UUID] = []
    if wanted:
        # Both spellings: an id recorded without its angle brackets still matches.
        forms = wanted + [ident.strip("<>") for ident in wanted]
        found = dict(
            MailReference.objects.filter(account=account, message_id__in=forms).values_list(
                "message_id", "conversation_id"
            )
        )
        for ident in wanted:
            conversation_id = found.get(ident) or found.get(ident.strip("<>"))
            if conversation_id is not None:
                named.append(conversation_id)
    recipients = [*parsed.to_addresses, *parsed.cc_addresses, *parsed.delivered_to]
    token_names = reply_tokens.conversation_id_in(addresses=recipients, subject=parsed.subject)
    if token_names is not None:
        named.append(token_names)
    return list(dict.fromkeys(named))


def _sent_by_its_contact(conversation: Conversation, parsed: ParsedMail) -> bool:
    own = conversation.contact.email.strip().lower()
    return bool(own) and own == parsed.from_address.strip().lower()
