"""Writes of the chat side, each a function with keyword-only arguments, each one transaction.

Ordering rule: the database is the truth, so every message is committed first and broadcast
after (``events.publish_on_commit``, or an ``await events.publish`` once the call returned).
Sequence numbers are allocated under a row lock on the conversation, so they are gap-free and
ordered; all writes for one contact also lock the contact row, which makes "find the open
conversation or start one" and "have we stored this client id" safe against concurrent tabs.
"""

from __future__ import annotations

import functools
import re
import secrets
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import connection, transaction
from django.db.models import Case, DurationField, ExpressionWrapper, F, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assistant.chat import availability, events, languages, statements, tokens
from assistant.chat.attachments import AttachmentRefused, attachment_store, attachments_claim
from assistant.chat.models import Attachment, Contact, Conversation, Inbox, Message
from assistant.chat.signals import (
    contact_email_left,
    conversation_resolved,
    handoff_requested,
    message_stored,
)
from assistant.errors import Refused
from assistant.llm.types import CallResult
from assistant.people import public_name, staff_name

MAX_MESSAGE_CHARS = 4000


class ChatError(Refused):
    """A request the chat side refuses; ``code`` is the protocol's error code."""


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    token: str
    visitor_secret: str
    inbox: Inbox
    contact: Contact
    language: str
    greeting: str


# A BCP 47 language tag's shape (en, de-CH, zh-Hant-TW); "_" as browsers on some systems send it.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")
_LANGUAGE_MAX_CHARS = 16  # Contact.language


def _clean_language(language: object, fallback: str) -> str:
    """The visitor's language tag as sent, cut to its leading subtags that fit the column
    (docs/widget-protocol.md); a value that is not a language tag leaves the fallback."""
    if not isinstance(language, str) or not _LANGUAGE_TAG.fullmatch(tag := language.strip()):
        return fallback
    while len(tag) > _LANGUAGE_MAX_CHARS:
        tag = re.split(r"[-_](?=[^-_]*$)", tag)[0]
    return tag


# The zone names on this system; read from disk once.
_known_time_zones = functools.cache(zoneinfo.available_timezones)


def _clean_time_zone(time_zone: object, fallback: str) -> str:
    """An IANA time zone this server knows, else the fallback: when the team is back is told in
    the visitor's own time, and an unknown name would be no time at all."""
    if isinstance(time_zone, str) and time_zone in _known_time_zones():
        return time_zone
    return fallback


@transaction.atomic
def session_start(
    *,
    inbox_key: str,
    origin: str | None,
    visitor_secret: str | None,
    identity: dict[str, Any] | None,
    language: str | None,
    time_zone: str | None = None,
) -> Session:
    inbox = Inbox.objects.filter(public_key=inbox_key).first()
    if inbox is None:
        raise ChatError("unknown_inbox", "No inbox has this key.", status=404)
    if not inbox.allows_origin(origin):
        raise ChatError("origin_not_allowed", "This website may not use this inbox.", status=403)

    contact: Contact | None = None
    if visitor_secret:
        contact = (
            Contact.objects.select_for_update(no_key=True)
            .filter(inbox=inbox, visitor_secret_hash=tokens.hash_visitor_secret(visitor_secret))
            .first()
        )
    if identity is not None:
        contact = _identified_contact(inbox=inbox, identity=identity, visitor_contact=contact)
    new_secret = None
    if contact is None:
        new_secret = tokens.new_visitor_secret()
        contact = Contact.objects.create(
            inbox=inbox, visitor_secret_hash=tokens.hash_visitor_secret(new_secret)
        )
    elif visitor_secret is None or contact.visitor_secret_hash != tokens.hash_visitor_secret(
        visitor_secret
    ):
        # An identified customer on a new browser: give this browser its own secret for them.
        new_secret = tokens.new_visitor_secret()
        contact.visitor_secret_hash = tokens.hash_visitor_secret(new_secret)
    if not contact.language:
        # The browser's language is a first guess; once the customer has written, the language
        # identified from their words (customer_message_create) is kept over it.
        contact.language = _clean_language(language, inbox.default_language)
    contact.time_zone = _clean_time_zone(time_zone, contact.time_zone)
    contact.save()
    return Session(
        token=tokens.mint_session_token(inbox_id=inbox.id, contact_id=contact.id),
        visitor_secret=new_secret or visitor_secret or "",
        inbox=inbox,
        contact=contact,
        language=contact.language,
        greeting=greeting_for(inbox, contact.language),
    )


def greeting_for(inbox: Inbox, language: str) -> str:
    """The inbox's own greeting is written in its default language, so it greets visitors who
    speak that language; everyone else gets the translated default rather than a text they
    may not read."""
    visitor = languages.from_browser(language)
    if inbox.greeting.strip() and visitor == languages.from_browser(inbox.default_language):
        return inbox.greeting
    return _default_greeting(visitor)


def _default_greeting(language: str) -> str:
    """Our greeting, in the visitor's language: for an inbox that has not written its own, or
    whose own greeting is in another language."""
    with translation.override(language):
        return _(
            "Hi! I'm the assistant. Ask me about orders, deliveries, returns or your products, "
            "or ask for a person at any time."
        )


def _identified_contact(
    *, inbox: Inbox, identity: dict[str, Any], visitor_contact: Contact | None
) -> Contact:
    customer_id = identity.get("id")
    claimed = identity.get("hash")
    if not isinstance(customer_id, str) or not isinstance(claimed, str) or not customer_id:
        raise ChatError("bad_request", "identity needs a string id and hash.")
    if not tokens.identity_is_valid(
        secret=inbox.identity_secret, customer_id=customer_id, claimed_hash=claimed
    ):
        raise ChatError("invalid_identity", "The identity could not be verified.", status=403)
    contact = (
        Contact.objects.select_for_update(no_key=True)
        .filter(inbox=inbox, external_id=customer_id)
        .first()
    )
    if contact is None:
        if visitor_contact is not None and visitor_contact.external_id is None:
            # The anonymous visitor just logged in: keep their conversation.
            contact = visitor_contact
            contact.external_id = customer_id
        else:
            contact = Contact(inbox=inbox, external_id=customer_id)
    name, email = identity.get("name"), identity.get("email")
    if isinstance(name, str):
        contact.name = name.strip()[:200]
    if isinstance(email, str):
        _identified_email(contact, inbox=inbox, customer_id=customer_id, identity=identity)
    contact.save()
    return contact


def _identified_email(
    contact: Contact, *, inbox: Inbox, customer_id: str, identity: dict[str, Any]
) -> None:
    """The address the company's page gave. It is verified (mail from it may join this
    contact's conversations) only when the company signed it with the id (``email_hash``):
    the id's own hash proves the id, not an address the page, or its visitor, put beside it."""
    email = str(identity["email"]).strip()[:254]
    if contact.email.lower() != email.lower():
        contact.email_verified_at = None
    contact.email = email
    claimed = identity.get("email_hash")
    if (
        email
        and isinstance(claimed, str)
        and tokens.identity_email_is_valid(
            secret=inbox.identity_secret, customer_id=customer_id, email=email, claimed_hash=claimed
        )
        and contact.email_verified_at is None
    ):
        contact.email_verified_at = timezone.now()


# ---------------------------------------------------------------------------------------------
# Selectors
# ---------------------------------------------------------------------------------------------


def current_conversation(*, contact_id: uuid.UUID) -> Conversation | None:
    """The contact's open conversation, else the latest one (so a resolved one can be rated)."""
    conversations = Conversation.objects.filter(contact_id=contact_id).select_related(
        "assigned_agent"
    )
    return (
        conversations.filter(state__in=Conversation.OPEN_STATES).order_by("-created_at").first()
        or conversations.order_by("-created_at").first()
    )


def messages_after(*, conversation: Conversation, last_seq: int, limit: int = 500) -> list[Message]:
    # The files they carry come in one more query, for all of them (message_payload).
    return list(
        conversation.messages.filter(seq__gt=last_seq)
        .order_by("seq")
        .prefetch_related("attachments")[:limit]
    )


def agent_name(conversation: Conversation) -> str | None:
    agent = conversation.assigned_agent
    if conversation.state != Conversation.State.AGENT or agent is None:
        return None
    return public_name(agent)


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------


def _append_message(
    *,
    conversation: Conversation,
    author_kind: str,
    text: str,
    author_name: str = "",
    client_id: str | None = None,
    citations: list[dict[str, str]] | None = None,
    author_user_id: int | None = None,
    unanswered: bool = False,
    announce: bool = True,
    also_save: Sequence[str] = (),
    attachment_ids: Sequence[uuid.UUID] = (),
    attachment_source: str = Attachment.Source.CUSTOMER,
) -> Message:
    """Append to a conversation whose row the caller holds locked (select_for_update).
    ``also_save``: fields the caller changed on the conversation, saved in the same UPDATE,
    which is one statement with the message's INSERT (`statements.append_message`).
    ``attachment_ids``: files uploaded to this conversation by this kind of sender that the
    message carries (no query at all when there are none)."""
    message = _new_message(
        conversation,
        author_kind=author_kind,
        text=text,
        author_name=author_name,
        client_id=client_id,
        citations=citations,
        author_user_id=author_user_id,
        unanswered=unanswered,
    )
    now = timezone.now()
    changes = {name: getattr(conversation, name) for name in also_save}
    stored = statements.append_message(
        Conversation.objects.filter(pk=conversation.pk), {"updated_at": now, **changes}, message
    )
    assert stored is not None, "the caller holds the conversation's row locked"
    conversation.last_seq, conversation.updated_at = message.seq, now
    attachments = _claim(conversation, message, attachment_ids, attachment_source)
    _announce_message(conversation, message, announce=announce, attachments=attachments)
    return message


def _claim(
    conversation: Conversation, message: Message, ids: Sequence[uuid.UUID], source: str
) -> list[Attachment]:
    if not ids:
        return []
    try:
        return attachments_claim(conversation=conversation, message=message, ids=ids, source=source)
    except AttachmentRefused as refusal:
        # One refusal type at the edges; the transaction rolls the message back with it.
        raise ChatError(refusal.code, refusal.message) from refusal


def _new_message(conversation: Conversation, **fields: Any) -> Message:
    """A message of ``conversation`` not yet stored (its seq comes from the statement that
    stores it)."""
    fields["citations"] = fields.get("citations") or []
    return Message(conversation=conversation, seq=0, **fields)


def _announce_message(
    conversation: Conversation,
    message: Message,
    *,
    announce: bool,
    new_conversation: bool = False,
    attachments: Sequence[Attachment] = (),
) -> None:
    """After commit: the message to the customer's tabs and the desks (unless the caller
    announces it its own way), and the `message_stored` signal. ``new_conversation``: the
    message started the conversation in this transaction, so it has no ticket yet (tickets are
    opened after a handoff is committed) and receivers need not look for one."""
    if announce:
        event = {
            "type": "message",
            "conversation_id": str(conversation.id),
            "message": events.message_payload(message, attachments),
        }
        events.publish_on_commit(
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            event=event,
            inbox_id=conversation.inbox_id,
        )
    _signal_stored(message, new_conversation=new_conversation, channel=conversation.channel)


def _signal_stored(
    message: Message, *, new_conversation: bool = False, channel: str | None = None
) -> None:
    transaction.on_commit(
        lambda: message_stored.send(
            sender=Message,
            conversation_id=message.conversation_id,
            message_seq=message.seq,
            author_kind=message.author_kind,
            new_conversation=new_conversation,
            channel=channel,
        )
    )


def _locked_conversation(conversation_id: uuid.UUID) -> Conversation:
    # of=("self",): without it PostgreSQL also locks the joined inbox row, and every write in
    # every conversation of the inbox would queue behind one lock. no_key (FOR NO KEY UPDATE):
    # writers of one conversation still queue, but a row that merely references it (a ticket,
    # a model call) can be inserted meanwhile; FOR UPDATE would block that foreign-key check
    # and, with the contact lock taken in the other order elsewhere, deadlock.
    return (
        Conversation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("inbox")
        .get(pk=conversation_id)
    )


@dataclass(frozen=True)
class StoredCustomerMessage:
    message: Message
    conversation: Conversation
    created: bool
    conversation_created: bool


@transaction.atomic
def customer_message_create(
    *, contact_id: uuid.UUID, text: str, client_id: str, attachment_ids: Sequence[uuid.UUID] = ()
) -> StoredCustomerMessage:
    """Store a customer's message once per client id, in their open conversation or a new one.
    ``attachment_ids``: files the customer uploaded to that conversation (customer_upload)
    that the message carries; a message may be only files."""
    text = text.strip()
    if not text and not attachment_ids:
        raise ChatError("invalid", _("The message is empty."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise ChatError(
            "too_long", _("Messages can be at most %(n)d characters.") % {"n": MAX_MESSAGE_CHARS}
        )
    contact = (
        Contact.objects.select_for_update(no_key=True, of=("self",))
        .select_related("inbox")
        .get(pk=contact_id)
    )
    written_in = languages.identify(text)
    # The open conversation, locked, and in the same statement whether this client id is stored
    # already in any of the contact's conversations (a retried send).
    stored_before = Message.objects.filter(conversation__contact=contact, client_id=client_id)
    conversation = (
        Conversation.objects.select_for_update(no_key=True, of=("self",))
        .filter(contact=contact, state__in=Conversation.OPEN_STATES)
        .annotate(stored_as=Subquery(stored_before.values("pk")[:1]))
        .order_by("-created_at")
        .first()
    )
    if conversation is None and attachment_ids:
        # Files are uploaded into the open conversation; with none open they belong to a
        # conversation that ended meanwhile (or to no one), and the customer attaches them anew.
        raise ChatError(
            "unknown_attachment", _("A file is no longer available. Please attach it again.")
        )
    if conversation is None:
        started = _start_with_assistant(
            contact=contact, text=text, client_id=client_id, written_in=written_in
        )
        if started is not None:
            return started
        # The assistant is off, or the message is a retry: the general path tells them apart.
        duplicate = stored_before.select_related("conversation").first()
        if duplicate is not None:
            return StoredCustomerMessage(
                duplicate, duplicate.conversation, created=False, conversation_created=False
            )
        conversation = _conversation_create(contact)
        conversation_created = True
    elif conversation.stored_as is not None:
        duplicate = Message.objects.select_related("conversation").get(pk=conversation.stored_as)
        return StoredCustomerMessage(
            duplicate, duplicate.conversation, created=False, conversation_created=False
        )
    else:
        conversation_created = False
    language_changed = _follow_language(conversation, contact, written_in)
    message = _append_message(
        conversation=conversation,
        author_kind=Message.Author.CUSTOMER,
        author_name=contact.name,
        text=text,
        client_id=client_id,
        also_save=["language"] if language_changed else (),
        attachment_ids=attachment_ids,
    )
    if language_changed or conversation_created:
        _publish_state(conversation, with_texts=language_changed)
    return StoredCustomerMessage(
        message, conversation, created=True, conversation_created=conversation_created
    )


@transaction.atomic
def customer_upload(*, contact_id: uuid.UUID, name: str, data: bytes) -> Attachment:
    """Store a file the customer attaches in the widget, in their open conversation (a new
    one when none is open), not yet carried by a message: the message frame that follows
    names it (customer_message_create). Refusals are ChatErrors with the attachment codes."""
    contact = (
        Contact.objects.select_for_update(no_key=True, of=("self",))
        .select_related("inbox")
        .get(pk=contact_id)
    )
    conversation = (
        Conversation.objects.filter(contact=contact, state__in=Conversation.OPEN_STATES)
        .order_by("-created_at")
        .first()
    ) or _conversation_create(contact)
    try:
        return attachment_store(
            conversation=conversation,
            message=None,
            name=name,
            data=data,
            source=Attachment.Source.CUSTOMER,
        )
    except AttachmentRefused as refusal:
        raise ChatError(refusal.code, refusal.message, refusal.status) from refusal


def _start_with_assistant(
    *, contact: Contact, text: str, client_id: str, written_in: str | None
) -> StoredCustomerMessage | None:
    """The common start of a conversation, in one statement: the assistant is on and the
    message is new (`statements.conversation_start`). None when either is not so; nothing was
    written then."""
    inbox = contact.inbox
    if not inbox.bot_enabled:  # read with the contact; the statement reads it again, locked
        return None
    browser_language = languages.from_browser(contact.language or inbox.default_language)
    conversation = Conversation(
        inbox=inbox,
        contact=contact,
        language=written_in or browser_language,
        model_route=_model_arm(inbox),
        state=Conversation.State.BOT,
        last_seq=1,
    )
    message = _new_message(
        conversation,
        author_kind=Message.Author.CUSTOMER,
        author_name=contact.name,
        text=text,
        client_id=client_id,
    )
    message.seq = 1
    if not statements.conversation_start(
        conversation, message, contact_id=contact.pk, client_id=client_id
    ):
        return None
    switched = written_in is not None and written_in != browser_language
    if switched:
        # The language identified from their words is kept over the browser's.
        contact.language = written_in
        contact.save(update_fields=["language"])
    _announce_message(conversation, message, announce=True, new_conversation=True)
    # The widget greeted them in the browser's language: when they write in another, its
    # greeting and team line follow, as on a switch later in the conversation.
    _publish_state(conversation, with_texts=switched)
    return StoredCustomerMessage(message, conversation, created=True, conversation_created=True)


def _conversation_create(contact: Contact) -> Conversation:
    """A new conversation of the contact, with the assistant or, when it is switched off,
    waiting for a person."""
    # Read the switch under a share lock: switching the assistant off (which updates this
    # row) waits until this conversation is committed, and then hands it over too.
    inbox = contact.inbox
    assistant_on = _assistant_switch_shared(inbox.pk)
    conversation = Conversation.objects.create(
        inbox=inbox,
        contact=contact,
        language=languages.from_browser(contact.language or inbox.default_language),
        model_route=_model_arm(inbox),
        state=Conversation.State.BOT if assistant_on else Conversation.State.WAITING,
    )
    if not assistant_on:
        _mark_handoff(conversation, reason="bot_disabled")
    return conversation


def _follow_language(conversation: Conversation, contact: Contact, written_in: str | None) -> bool:
    """Switch the conversation (and the contact's next ones) to the language the customer
    writes in, when it could be told; True when it changed, so the widget is told. The caller
    saves the conversation's language with the message it appends."""
    if written_in is None or written_in == conversation.language:
        return False
    conversation.language = written_in
    contact.language = written_in
    contact.save(update_fields=["language"])
    return True


def _assistant_switch_shared(inbox_id: int) -> bool:
    """The inbox's assistant switch, read under a share lock (Django has no select_for_share)."""
    table = connection.ops.quote_name(Inbox._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT bot_enabled FROM {table} WHERE id = %s FOR SHARE", [inbox_id])
        (enabled,) = cursor.fetchone()
    return bool(enabled)


REPLY_ROUTES = ("reply", "reply_b")


def _model_arm(inbox: Inbox) -> str:
    """Which reply route a new conversation uses: the inbox's own, except that a model
    comparison sends a share of new conversations to the other reply route, chosen at random so
    the arms are comparable."""
    primary = inbox.model_route if inbox.model_route in REPLY_ROUTES else "reply"
    if inbox.model_split_percent and secrets.randbelow(100) < inbox.model_split_percent:
        return next(route for route in REPLY_ROUTES if route != primary)
    return primary


def _publish_state(
    conversation: Conversation, *, stop_reply: bool = False, with_texts: bool = False
) -> None:
    """Tell the conversation's tabs and desks its state. ``with_texts`` adds the texts the
    server writes for the widget's frame (the greeting and the team's reply time), when the
    conversation's language has changed and they must change with it."""
    payload = events.conversation_payload(conversation, agent_name(conversation))
    event: dict[str, Any] = {"type": "state", "conversation": payload}
    if with_texts:
        event |= widget_texts(conversation)
    events.publish_on_commit(
        contact_id=conversation.contact_id,
        conversation_id=conversation.id,
        event=event,
        stop_reply=stop_reply,
        inbox_id=conversation.inbox_id,
    )


def widget_texts(conversation: Conversation) -> dict[str, Any]:
    """The greeting and the team line of the widget, in the conversation's language and the
    customer's time zone (the session endpoint sends the same at the start)."""
    contact = conversation.contact
    return {
        "greeting": greeting_for(conversation.inbox, conversation.language),
        "team": availability.widget_payload(
            availability.team_status(conversation.inbox_id),
            language=conversation.language,
            time_zone=contact.time_zone,
        ),
    }


def _mark_handoff(conversation: Conversation, *, reason: str) -> None:
    conversation.state = Conversation.State.WAITING
    conversation.handoff_at = timezone.now()
    conversation.handoff_reason = reason
    conversation.save(update_fields=["state", "handoff_at", "handoff_reason", "updated_at"])
    conversation_id = conversation.id
    transaction.on_commit(
        lambda: handoff_requested.send(
            sender=Conversation, conversation_id=conversation_id, reason=reason
        )
    )


@transaction.atomic
def conversation_handoff(
    *, conversation_id: uuid.UUID, reason: str, note: str | None = None, stop_reply: bool = False
) -> bool:
    """Hand the conversation to a human; returns False if it was not with the assistant.

    ``stop_reply``: stop an answer being written (the handoff did not come from the turn)."""
    conversation = _locked_conversation(conversation_id)
    if conversation.state != Conversation.State.BOT:
        return False
    _mark_handoff(conversation, reason=reason)
    with translation.override(conversation.language):
        text = note or _("I'm connecting you with a person from our team. They'll reply here.")
    _append_message(conversation=conversation, author_kind=Message.Author.SYSTEM, text=text)
    _publish_state(conversation, stop_reply=stop_reply)
    return True


def inbox_set_assistant(*, inbox_id: int, enabled: bool) -> int:
    """The inbox's kill switch. Off takes effect at once: every conversation the assistant is
    handling goes to the people's queue, and an answer being written stops mid-sentence (the
    same stop signal as a takeover). Returns how many conversations were handed over.

    Conversations are started under a share lock on this flag (customer_message_create), so
    the update below waits for any being started right now, and the sweep after it sees them.
    """
    with transaction.atomic():
        Inbox.objects.filter(pk=inbox_id).update(bot_enabled=enabled)
    if enabled:
        return 0
    handed = 0
    talking_to_bot = Conversation.objects.filter(inbox_id=inbox_id, state=Conversation.State.BOT)
    for conversation_id in talking_to_bot.values_list("id", flat=True).iterator():
        handed += conversation_handoff(
            conversation_id=conversation_id, reason="bot_disabled", stop_reply=True
        )
    return handed


@transaction.atomic
def conversation_takeover(
    *, conversation_id: uuid.UUID, agent: AbstractBaseUser, from_colleague: bool = False
) -> Conversation:
    """An agent takes the conversation: the assistant stops at once, mid-answer if need be.

    A conversation a colleague is handling is not taken from them unless ``from_colleague``
    (the desk allows it to managers): two people answering one customer at once, each unaware
    of the other, is what the refusal prevents."""
    conversation = _locked_conversation(conversation_id)
    if conversation.state == Conversation.State.RESOLVED:
        raise ChatError("conversation_resolved", _("This conversation is already resolved."))
    _refuse_if_a_colleague_has_it(conversation, agent, from_colleague=from_colleague)
    joined = (
        conversation.state != Conversation.State.AGENT or conversation.assigned_agent_id != agent.pk
    )
    conversation.state = Conversation.State.AGENT
    conversation.assigned_agent = agent
    if conversation.handoff_at is None:
        conversation.handoff_at = timezone.now()
        conversation.handoff_reason = conversation.handoff_reason or "agent_takeover"
    conversation.save(
        update_fields=["state", "assigned_agent", "handoff_at", "handoff_reason", "updated_at"]
    )
    if joined:
        name = public_name(agent)
        with translation.override(conversation.language):
            text = _("%(name)s joined the conversation.") % {"name": name}
        _append_message(conversation=conversation, author_kind=Message.Author.SYSTEM, text=text)
    _publish_state(conversation, stop_reply=True)
    return conversation


def _refuse_if_a_colleague_has_it(
    conversation: Conversation, agent: AbstractBaseUser, *, from_colleague: bool
) -> None:
    if (
        conversation.state == Conversation.State.AGENT
        and conversation.assigned_agent_id not in (None, agent.pk)
        and not from_colleague
    ):
        raise ChatError(
            "held_by_colleague",
            _("%(name)s is handling this conversation. A manager can reassign it.")
            % {"name": staff_name(conversation.assigned_agent)},
        )


@transaction.atomic
def agent_message_create(
    *,
    conversation_id: uuid.UUID,
    agent: AbstractBaseUser,
    text: str,
    from_colleague: bool = False,
    attachment_ids: Sequence[uuid.UUID] = (),
) -> Message:
    """An agent replies; the customer sees it live. Replying takes the conversation over (from
    a colleague only with ``from_colleague``, see `conversation_takeover`). ``attachment_ids``:
    files the agent stored for this conversation (attachment_store, source "agent")."""
    text = text.strip()
    if not text and not attachment_ids:
        raise ChatError("invalid", _("The reply is empty."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise ChatError(
            "too_long", _("Replies can be at most %(n)d characters.") % {"n": MAX_MESSAGE_CHARS}
        )
    conversation = _locked_conversation(conversation_id)
    if conversation.state == Conversation.State.RESOLVED:
        raise ChatError("conversation_resolved", _("This conversation is already resolved."))
    if conversation.state != Conversation.State.AGENT or conversation.assigned_agent_id != agent.pk:
        conversation_takeover(
            conversation_id=conversation_id, agent=agent, from_colleague=from_colleague
        )
        conversation.refresh_from_db()
    message = _append_message(
        conversation=conversation,
        author_kind=Message.Author.AGENT,
        author_name=public_name(agent),
        author_user_id=agent.pk,
        text=text,
        attachment_ids=attachment_ids,
        attachment_source=Attachment.Source.AGENT,
    )
    now = message.created_at
    if conversation.first_human_response_at is None:
        conversation.first_human_response_at = now
    if conversation.first_response_at is None:
        conversation.first_response_at = now
    conversation.save(update_fields=["first_human_response_at", "first_response_at"])
    return message


@transaction.atomic
def conversation_handback(*, conversation_id: uuid.UUID) -> Conversation:
    """Give the conversation back to the assistant."""
    conversation = _locked_conversation(conversation_id)
    if conversation.state == Conversation.State.RESOLVED:
        raise ChatError("conversation_resolved", _("This conversation is already resolved."))
    if conversation.state == Conversation.State.BOT:
        raise ChatError("with_assistant", _("The assistant already has this conversation."))
    if not conversation.inbox.bot_enabled:
        raise ChatError("assistant_off", _("The assistant is switched off for this inbox."))
    conversation.state = Conversation.State.BOT
    conversation.assigned_agent = None
    conversation.save(update_fields=["state", "assigned_agent", "updated_at"])
    with translation.override(conversation.language):
        text = _("You're chatting with our assistant again.")
    _append_message(conversation=conversation, author_kind=Message.Author.SYSTEM, text=text)
    _publish_state(conversation)
    return conversation


@transaction.atomic
def agent_conversations_release(*, agent_id: int) -> list[uuid.UUID]:
    """Put every open conversation this agent holds back in the people's queue (the agent was
    deactivated): waiting, unassigned, the customer told nothing new. Returns their ids."""
    ids = list(
        Conversation.objects.filter(
            assigned_agent_id=agent_id,
            state__in=(Conversation.State.WAITING, Conversation.State.AGENT),
        ).values_list("id", flat=True)
    )
    for conversation_id in ids:
        conversation = _locked_conversation(conversation_id)
        conversation.state = Conversation.State.WAITING
        conversation.assigned_agent = None
        conversation.save(update_fields=["state", "assigned_agent", "updated_at"])
        _publish_state(conversation)
    return ids


@transaction.atomic
def conversation_resolve(
    *,
    conversation_id: uuid.UUID,
    by: str = "agent",
    note: str | None = None,
    strict: bool = False,
) -> Conversation:
    """Close the conversation; the widget asks the customer for a rating.

    Resolving a resolved conversation does nothing, or, when ``strict`` (a person asked for it),
    is refused: the desk and the API must not report a second resolve as done.
    """
    conversation = _locked_conversation(conversation_id)
    if conversation.state == Conversation.State.RESOLVED:
        if strict:
            raise ChatError("conversation_resolved", _("This conversation is already resolved."))
        return conversation
    conversation.state = Conversation.State.RESOLVED
    conversation.resolved_at = timezone.now()
    conversation.save(update_fields=["state", "resolved_at", "updated_at"])
    with translation.override(conversation.language):
        text = note or _("This conversation has been resolved. Thank you for contacting us!")
    _append_message(conversation=conversation, author_kind=Message.Author.SYSTEM, text=text)
    _publish_state(conversation, stop_reply=True)
    events.publish_on_commit(
        contact_id=conversation.contact_id,
        conversation_id=conversation.id,
        event={"type": "csat_request", "conversation_id": str(conversation.id)},
    )
    transaction.on_commit(
        lambda: conversation_resolved.send(
            sender=Conversation, conversation_id=conversation_id, by=by
        )
    )
    return conversation


async def agent_typing(
    *, conversation: Conversation, agent: AbstractBaseUser, active: bool
) -> None:
    """Tell the customer (and other agents) that an agent is typing. Nothing is stored, so it is
    published straight from the caller's event loop, with no database thread in between."""
    event = {
        "type": "typing",
        "author": {"kind": Message.Author.AGENT.value, "name": public_name(agent)},
        "active": active,
    }
    await events.publish(
        contact_id=conversation.contact_id, conversation_id=conversation.id, event=event
    )


@transaction.atomic
def customer_handoff_request(*, contact_id: uuid.UUID) -> Conversation:
    """ "Talk to a person": hand the open conversation over, starting one if there is none."""
    contact = (
        Contact.objects.select_for_update(no_key=True, of=("self",))
        .select_related("inbox")
        .get(pk=contact_id)
    )
    conversation = (
        Conversation.objects.filter(contact=contact, state__in=Conversation.OPEN_STATES)
        .order_by("-created_at")
        .first()
    )
    if conversation is None:
        conversation = Conversation.objects.create(
            inbox=contact.inbox,
            contact=contact,
            language=languages.from_browser(contact.language or contact.inbox.default_language),
            model_route=_model_arm(contact.inbox),
        )
    conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    conversation.refresh_from_db()
    return conversation


@transaction.atomic
def system_message_once(*, conversation_id: uuid.UUID, key: str, text: str) -> Message | None:
    """A system message shown to the customer at most once per key (a retried task adds
    nothing): the key is stored as the message's client id, which is unique per conversation."""
    conversation = _locked_conversation(conversation_id)
    if conversation.messages.filter(client_id=key).exists():
        return None
    return _append_message(
        conversation=conversation, author_kind=Message.Author.SYSTEM, text=text, client_id=key
    )


@transaction.atomic
def contact_email_set(*, contact_id: uuid.UUID, email: str) -> Contact:
    """The customer left an email address to get the answer there (never required). Stored on
    the contact, where agents see it; the customer's open conversation says it was noted."""
    email = email.strip()
    try:
        EmailValidator()(email)
    except ValidationError as error:
        raise ChatError(
            "invalid_email", _("That doesn't look like an email address. Please check it.")
        ) from error
    contact = Contact.objects.select_for_update(no_key=True).get(pk=contact_id)
    changed = contact.email.lower() != email.lower()
    if changed:
        # A proof of the old address says nothing about the new one.
        contact.email_verified_at = None
    contact.email = email
    contact.save(update_fields=["email", "email_verified_at", "last_seen_at"])
    if changed:
        # Once per new address (leaving the same one again mails nobody): e-mail sends it the
        # link that proves it is the visitor's.
        transaction.on_commit(
            lambda: contact_email_left.send(sender=Contact, contact_id=contact.id, email=email)
        )
    conversation = (
        Conversation.objects.filter(contact=contact, state__in=Conversation.OPEN_STATES)
        .order_by("-created_at")
        .first()
    )
    if conversation is not None:
        locked = _locked_conversation(conversation.pk)
        with translation.override(locked.language):
            text = _("Thanks! We'll send the answer to %(email)s.") % {"email": email}
        _append_message(conversation=locked, author_kind=Message.Author.SYSTEM, text=text)
    return contact


@transaction.atomic
def conversation_rate(*, contact_id: uuid.UUID, score: int, comment: str = "") -> Conversation:
    conversation = (
        Conversation.objects.select_for_update(no_key=True)
        .filter(contact_id=contact_id, state=Conversation.State.RESOLVED)
        .order_by("-resolved_at")
        .first()
    )
    if conversation is None:
        raise ChatError("conversation_resolved", _("There is no resolved conversation to rate."))
    conversation.csat_score = score
    conversation.csat_comment = comment.strip()[:1000]
    conversation.save(update_fields=["csat_score", "csat_comment", "updated_at"])
    _publish_state(conversation)
    return conversation


# ---------------------------------------------------------------------------------------------
# The assistant's side of a turn
# ---------------------------------------------------------------------------------------------


def assistant_message_store(
    *,
    conversation_id: uuid.UUID,
    language: str,
    text: str,
    citations: list[dict[str, str]],
    result: CallResult | None,
    dont_know: bool = False,
) -> Message | None:
    """Store the assistant's answer, counting the tokens of the call that wrote it. Returns
    None if a human took the conversation over while the answer was being written (the call is
    still recorded, with its tokens, by the audited call: assistant.calls).

    One statement (`statements.append_message`), run inside the transaction that records the
    call (`AuditedStream.finish_with`): the conversation's row is updated only while the
    assistant has it (the UPDATE takes the row lock and re-reads the state under it), and the
    answer is inserted with the sequence number that UPDATE gave. ``language``: the
    conversation's, as the turn read it (the author's name is written in it, as on screen).

    ``dont_know``: the answer had no support in the knowledge base; consecutive ones are
    counted, because after one the assistant offers a person and waits for the answer.

    The assistant also answers while the customer waits for a person (`Inbox.answer_while_
    waiting`), until an agent joins."""
    now = timezone.now()
    # Counted only where an unsupported answer offers a person (the assistant has the
    # conversation): one who already waits for a person is not offered one again.
    offered = Case(
        When(state=Conversation.State.BOT, then=F("dont_know_streak") + 1), default=Value(0)
    )
    changes: dict[str, Any] = {
        "updated_at": now,
        "dont_know_streak": offered if dont_know else 0,
        "first_response_at": Coalesce(F("first_response_at"), Value(now)),
    }
    if result is not None:
        # Counted in the same UPDATE, under the row lock, so the stored sum is exact.
        changes["tokens_used"] = F("tokens_used") + result.input_tokens + result.output_tokens
    with translation.override(language):
        author_name = _("Assistant")
    message = Message(
        conversation_id=conversation_id,
        seq=0,
        author_kind=Message.Author.ASSISTANT,
        author_name=author_name,
        text=text,
        citations=citations,
        unanswered=dont_know,
    )
    answering = Conversation.objects.filter(
        pk=conversation_id, state__in=(Conversation.State.BOT, Conversation.State.WAITING)
    )
    if statements.append_message(answering, changes, message) is None:
        return None
    # The reply turn announces the answer with stream_end, which carries the stored message.
    _signal_stored(message)
    return message


@transaction.atomic
def assistant_notice_store(
    *, conversation_id: uuid.UUID, text: str, offer_person: bool = False
) -> Message | None:
    """A message of the assistant's own that no model wrote (an action's confirmation request,
    or why it could not run), announced like any message. ``offer_person``: the text offers a
    person, so the customer's yes hands over (`reply.ReplyTurn.took_the_offers_answer`)."""
    conversation = _locked_conversation(conversation_id)
    if conversation.state not in (Conversation.State.BOT, Conversation.State.WAITING):
        return None
    conversation.dont_know_streak = 1 if offer_person else 0
    with translation.override(conversation.language):
        name = _("Assistant")
    return _append_message(
        conversation=conversation,
        author_kind=Message.Author.ASSISTANT,
        author_name=name,
        text=text,
        also_save=["dont_know_streak"],
    )


@transaction.atomic
def assistant_failure_handoff(*, conversation_id: uuid.UUID) -> None:
    """Every provider failed (the audited call recorded the attempt): apologise, and hand over
    to a human."""
    conversation = _locked_conversation(conversation_id)
    with translation.override(conversation.language):
        note = _("Sorry, I can't answer right now. I'm connecting you with a person from our team.")
    conversation_handoff(conversation_id=conversation_id, reason="model_error", note=note)


@transaction.atomic
def offer_declined(*, conversation_id: uuid.UUID) -> Message | None:
    """The customer said no to the offer of a person: the assistant keeps the conversation,
    says so, and starts counting unsupported answers afresh."""
    conversation = _locked_conversation(conversation_id)
    if conversation.state != Conversation.State.BOT:
        return None
    conversation.dont_know_streak = 0
    with translation.override(conversation.language):
        name = _("Assistant")
        text = _("All right, I'll keep helping you here. What else would you like to know?")
    return _append_message(
        conversation=conversation,
        author_kind=Message.Author.ASSISTANT,
        author_name=name,
        text=text,
        also_save=["dont_know_streak"],
    )


# Handoffs after which the assistant stays quiet until a person answers: something about the
# conversation itself (an unsafe answer, abuse, the budget, where its data may go, the kill
# switch) means only a person should reply now.
QUIET_REASONS = frozenset(
    {"guardrail", "commitment", "sentiment", "token_budget", "residency", "bot_disabled"}
)


def waiting_message_acknowledge(*, conversation_id: uuid.UUID) -> Message | None:
    """A message written while the customer waits for a person, which the assistant does not
    answer: acknowledged with where the customer stands (the wait now, or when the team is
    back), so no message goes without a visible response."""
    conversation = Conversation.objects.select_related("contact").get(pk=conversation_id)
    status = availability.team_status(conversation.inbox_id)
    with transaction.atomic():
        conversation = _locked_conversation(conversation_id)
        if conversation.state != Conversation.State.WAITING:
            return None
        contact = conversation.contact
        with translation.override(conversation.language):
            thanks = _("Thanks, your message is with our team.")
        wait = availability.wait_text(
            status,
            language=conversation.language,
            time_zone=contact.time_zone,
            email=contact.email,
            by_email=conversation.channel == Conversation.Channel.EMAIL,
        )
        return _append_message(
            conversation=conversation,
            author_kind=Message.Author.SYSTEM,
            text=f"{thanks} {wait}",
        )


def conversation_tokens_add(conversation_id: uuid.UUID, tokens: int) -> None:
    """Count a model call's tokens against its conversation's budget (the audited call does,
    for each call it records: registered in ChatConfig.ready)."""
    Conversation.objects.filter(pk=conversation_id).update(tokens_used=F("tokens_used") + tokens)


def token_budget_left(conversation: Conversation) -> int:
    return max(0, conversation.inbox.token_budget - conversation.tokens_used)


def idle_conversations_resolve(*, now: datetime, batch: int = 500) -> int:
    """Resolve the open conversations that have been quiet past their inbox's limit
    (`Inbox.idle_resolve_minutes`, 0 for never), telling each customer why, in their language.
    Returns how many were resolved; a later run picks up the rest."""
    limit = ExpressionWrapper(
        F("inbox__idle_resolve_minutes") * timedelta(minutes=1), output_field=DurationField()
    )
    idle = (
        Conversation.objects.filter(
            state__in=Conversation.OPEN_STATES, inbox__idle_resolve_minutes__gt=0
        )
        .annotate(limit=limit)
        .filter(updated_at__lt=now - F("limit"))
        .values_list("pk", "language")[:batch]
    )
    count = 0
    for conversation_id, language in idle:
        with translation.override(language):
            note = _(
                "This conversation was closed because it was quiet for a while. "
                "Write again any time."
            )
        conversation_resolve(conversation_id=conversation_id, by="idle", note=note)
        count += 1
    return count
