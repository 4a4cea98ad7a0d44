"""Rows the outgoing-mail tests share: an inbox with an address, conversations by mail and chat."""

from __future__ import annotations

from typing import Any

from assistant.chat import services
from assistant.chat.models import Conversation, Inbox, Message
from assistant.mail.models import MailAccount, MailReference
from tests import factories

ADDRESS = "support@shop.example.com"
CUSTOMER = "ada@customer.example.org"


def make_account(inbox: Inbox | None = None, **fields: Any) -> MailAccount:
    inbox = inbox or factories.make_inbox(display_name="Shop Support")
    defaults: dict[str, Any] = {
        "address": ADDRESS,
        "signature": "The Shop team\nhttps://shop.example.com",
    }
    defaults.update(fields)
    return MailAccount.objects.create(inbox=inbox, **defaults)


def mail_conversation(
    account: MailAccount, *, subject: str = "My parcel", language: str = "en"
) -> Conversation:
    """A conversation that started with the customer's mail (as inbound processing leaves it):
    channel e-mail, the mail's subject, its Message-ID recorded."""
    conversation = factories.make_conversation(account.inbox, text="Where is my parcel?")
    conversation.channel = Conversation.Channel.EMAIL
    conversation.subject = subject
    conversation.language = language
    conversation.save(update_fields=["channel", "subject", "language"])
    contact = conversation.contact
    contact.email = CUSTOMER
    contact.save(update_fields=["email"])
    reference_in(account, conversation, "<first.mail@customer.example.org>")
    return conversation


def reference_in(account: MailAccount, conversation: Conversation, message_id: str) -> None:
    MailReference.objects.create(
        account=account,
        conversation=conversation,
        message_id=message_id,
        direction=MailReference.Direction.IN,
    )


def agent_reply(conversation: Conversation, text: str, *, username: str = "grace") -> Message:
    agent = factories.make_agent(username)
    return services.agent_message_create(conversation_id=conversation.id, agent=agent, text=text)
