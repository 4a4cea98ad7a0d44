"""Customer messages that arrive by another channel than the widget (e-mail), into the same
conversations.

The widget's path (`services.customer_message_create`) always writes into the contact's open
conversation. A mail names its conversation itself (a reply's headers or token) or starts a new
one with its channel and subject, and a reply to a resolved conversation reopens it. Both reuse
the widget path's parts: sequence numbers under the row lock, the language followed from the
text, the broadcast after commit and the ``message_stored`` signal, so the desk shows the message
live and other apps (tickets, mail) react to it as to a chat message. Idempotent on ``client_id``
(the channel derives it from the message, so a message processed twice is stored once).
"""

from __future__ import annotations

import uuid

from django.db import transaction

from assistant.chat import languages
from assistant.chat.models import Contact, Conversation, Message
from assistant.chat.services import (
    ChatError,
    StoredCustomerMessage,
    _append_message,
    _assistant_switch_shared,
    _follow_language,
    _locked_conversation,
    _mark_handoff,
    _model_arm,
    _publish_state,
)

SUBJECT_MAX_CHARS = 255  # Conversation.subject


def _stored_before(conversation_filter: dict[str, object], client_id: str) -> Message | None:
    return (
        Message.objects.select_related("conversation")
        .filter(client_id=client_id, **conversation_filter)
        .first()
    )


@transaction.atomic
def conversation_start_from_channel(
    *,
    contact_id: uuid.UUID,
    channel: str,
    subject: str,
    text: str,
    client_id: str,
    with_assistant: bool,
) -> StoredCustomerMessage:
    """A new conversation of the contact on ``channel``, opened by this message. With the
    assistant when ``with_assistant`` (the channel lets it answer) and the inbox's assistant is
    on; otherwise waiting for a person from the start."""
    text = _checked(text)
    contact = (
        Contact.objects.select_for_update(no_key=True, of=("self",))
        .select_related("inbox")
        .get(pk=contact_id)
    )
    duplicate = _stored_before({"conversation__contact": contact}, client_id)
    if duplicate is not None:
        return StoredCustomerMessage(
            duplicate, duplicate.conversation, created=False, conversation_created=False
        )
    inbox = contact.inbox
    # Read under a share lock, as the widget's path does: switching the assistant off waits for
    # this conversation and then hands it over with the others.
    assistant_on = _assistant_switch_shared(inbox.pk) and with_assistant
    written_in = languages.identify(text)
    conversation = Conversation.objects.create(
        inbox=inbox,
        contact=contact,
        channel=channel,
        subject=subject.strip()[:SUBJECT_MAX_CHARS],
        language=written_in or languages.from_browser(contact.language or inbox.default_language),
        model_route=_model_arm(inbox),
        state=Conversation.State.BOT if assistant_on else Conversation.State.WAITING,
    )
    if written_in and written_in != contact.language:
        contact.language = written_in
        contact.save(update_fields=["language"])
    message = _append_message(
        conversation=conversation,
        author_kind=Message.Author.CUSTOMER,
        author_name=contact.name,
        text=text,
        client_id=client_id,
    )
    if not assistant_on:
        _mark_handoff(
            conversation,
            reason="bot_disabled" if not inbox.bot_enabled else "channel_agents_only",
        )
    _publish_state(conversation)
    return StoredCustomerMessage(message, conversation, created=True, conversation_created=True)


@transaction.atomic
def customer_message_append(
    *, conversation_id: uuid.UUID, text: str, client_id: str, with_assistant: bool
) -> StoredCustomerMessage:
    """The customer's next message in a conversation they named (a reply by e-mail). A resolved
    conversation is reopened: with the assistant again when it never went to a person and the
    channel lets it answer, otherwise waiting for a person (which reopens its ticket)."""
    text = _checked(text)
    conversation = _locked_conversation(conversation_id)
    duplicate = _stored_before({"conversation": conversation}, client_id)
    if duplicate is not None:
        return StoredCustomerMessage(
            duplicate, duplicate.conversation, created=False, conversation_created=False
        )
    contact = Contact.objects.select_for_update(no_key=True).get(pk=conversation.contact_id)
    reopened = conversation.state == Conversation.State.RESOLVED
    if reopened:
        _reopen(conversation, with_assistant=with_assistant)
    language_changed = _follow_language(conversation, contact, languages.identify(text))
    message = _append_message(
        conversation=conversation,
        author_kind=Message.Author.CUSTOMER,
        author_name=contact.name,
        text=text,
        client_id=client_id,
        also_save=["language"] if language_changed else (),
    )
    if reopened and conversation.state == Conversation.State.WAITING:
        # After the message, so the ticket reopened by the handoff shows it.
        _mark_handoff(conversation, reason="reopened")
    if reopened or language_changed:
        _publish_state(conversation, with_texts=language_changed)
    return StoredCustomerMessage(message, conversation, created=True, conversation_created=False)


def _reopen(conversation: Conversation, *, with_assistant: bool) -> None:
    """Open a resolved conversation again. The agent who had it keeps it (they know the case);
    the handoff that reopens its ticket is marked by the caller once the message is stored."""
    bot_may_answer = (
        with_assistant
        and conversation.handoff_at is None
        and _assistant_switch_shared(conversation.inbox_id)
    )
    conversation.state = Conversation.State.BOT if bot_may_answer else Conversation.State.WAITING
    conversation.resolved_at = None
    conversation.save(update_fields=["state", "resolved_at", "updated_at"])


def _checked(text: str) -> str:
    text = text.strip()
    if not text:
        raise ChatError("invalid", "The message is empty.")
    return text
