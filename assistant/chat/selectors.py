"""Reads that several parts of the conversational side share."""

from __future__ import annotations

from .models import Conversation, Message


def known_names(conversation: Conversation) -> tuple[str, ...]:
    """The people a conversation is known to name: the contact (name and e-mail address, whose
    local part is often the name) and the agents who wrote in it. The detectors look for these
    anywhere in the text sent to a model, where no rule or word list would find them."""
    contact = conversation.contact
    agents = (
        conversation.messages.filter(author_kind=Message.Author.AGENT)
        .exclude(author_name="")
        .values_list("author_name", flat=True)
        .distinct()
    )
    return (contact.name, contact.email, *agents)
