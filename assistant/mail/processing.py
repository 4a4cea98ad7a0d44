"""Turning a stored raw message into a customer message of a conversation, exactly once.

A run first counts an attempt on the row (committed on its own, so a worker killed mid-run still
counts), then parses outside any transaction (a large message holds no database connection
while it is read), then claims the row under a lock that a concurrent run skips, and writes the
outcome and the message in one transaction: either both are stored or neither is, and a row
that left "stored" is never processed again. The chat message is also idempotent on a client id
derived from the message's content hash.

Outcomes (``InboundMail.state``): processed (added to a conversation, with parsing problems
kept in ``problem``), ignored (automatic mail: auto-replies, bounces, lists, loops; never
answered, never a conversation), refused (``problem`` says why: no sender, nothing readable,
too large, or processing failed MAIL_PROCESS_MAX_ATTEMPTS times).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assistant.chat import channel_intake
from assistant.chat.models import Conversation
from assistant.chat.services import MAX_MESSAGE_CHARS, ChatError, system_message_once
from assistant.mail import attachments, contacts, threading
from assistant.mail.headers import canonical_message_id
from assistant.mail.models import InboundMail, MailAccount, MailReference
from assistant.mail.parsed import ParsedMail
from assistant.mail.parsing import parse_mail

logger = logging.getLogger(__name__)

PROBLEM_MAX_CHARS = 200  # InboundMail.problem
ADDRESS_MAX_CHARS = 254  # Contact.email (RFC 5321's limit on a forward path)
# Parsing problems that may have cost part of what the customer wrote: agents are told.
_LOSSY_TEXT_PROBLEMS = {"malformed_mime", "unknown_charset"}
# Refused attachments are named in the note up to this many; the rest are counted.
NAMES_IN_NOTE = 10


@dataclass(frozen=True)
class Outcome:
    state: str
    problem: str = ""
    conversation_id: object = None


def inbound_process(inbound_id: int) -> Outcome | None:
    """Process one stored message; None when there was nothing to do (another run has it or
    had it). Raises on an unexpected error while tries remain, so the task retries."""
    attempts = _count_attempt(inbound_id)
    if attempts is None:
        return None
    if attempts > settings.MAIL_PROCESS_MAX_ATTEMPTS:
        # Earlier runs died without a trace (a worker killed while parsing, out of memory):
        # this message is not tried again.
        return _refuse_failed(inbound_id, attempts)
    inbound = InboundMail.objects.select_related("account__inbox").get(pk=inbound_id)
    try:
        parsed = parse_mail(
            bytes(inbound.raw),
            own_addresses=[inbound.account.address],
            max_attachments=settings.ATTACHMENTS_PER_MESSAGE,
            max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES,
        )
        with transaction.atomic():
            claimed = _claim(inbound_id)
            if claimed is None:
                return None
            return _apply(claimed, parsed)
    except Exception:
        if attempts < settings.MAIL_PROCESS_MAX_ATTEMPTS:
            raise
        logger.exception("mail %s failed on its last attempt", inbound_id)
        return _refuse_failed(inbound_id, attempts)


def _refuse_failed(inbound_id: int, attempts: int) -> Outcome | None:
    logger.error("mail %s refused after %d attempts", inbound_id, attempts)
    with transaction.atomic():
        claimed = _claim(inbound_id)
        if claimed is None:
            return None
        return _finish(claimed, InboundMail.State.REFUSED, problem="processing_failed")


def _count_attempt(inbound_id: int) -> int | None:
    """One more attempt on a row still to process, committed now; None if it is done."""
    with transaction.atomic():
        rows = InboundMail.objects.filter(pk=inbound_id, state=InboundMail.State.STORED)
        if not rows.update(attempts=F("attempts") + 1):
            return None
        return rows.values_list("attempts", flat=True).first()


def _claim(inbound_id: int) -> InboundMail | None:
    return (
        InboundMail.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("account__inbox")
        .filter(pk=inbound_id, state=InboundMail.State.STORED)
        .first()
    )


def _apply(inbound: InboundMail, parsed: ParsedMail) -> Outcome:
    problems = ",".join(parsed.problems)
    if parsed.automated:
        return _finish(inbound, InboundMail.State.IGNORED, problem=parsed.automated)
    if not parsed.from_address:
        return _finish(inbound, InboundMail.State.REFUSED, problem="no_sender")
    if len(parsed.from_address) > ADDRESS_MAX_CHARS:
        return _finish(inbound, InboundMail.State.REFUSED, problem="bad_sender")
    text = _message_text(parsed, inbound.account)
    if not text:
        return _finish(inbound, InboundMail.State.REFUSED, problem="empty")
    account = inbound.account
    client_id = f"mail:{inbound.sha256[:59]}"
    with_assistant = account.assistant_mode != MailAccount.AssistantMode.OFF
    replied_to = threading.conversation_replied_to(account=account, parsed=parsed)
    try:
        if replied_to is not None:
            stored = channel_intake.customer_message_append(
                conversation_id=replied_to.pk,
                text=text,
                client_id=client_id,
                with_assistant=with_assistant,
            )
        else:
            contact = contacts.contact_for_address(
                inbox=account.inbox, address=parsed.from_address, name=parsed.from_name
            )
            stored = channel_intake.conversation_start_from_channel(
                contact_id=contact.pk,
                channel=Conversation.Channel.EMAIL,
                subject=parsed.subject,
                text=text,
                client_id=client_id,
                with_assistant=with_assistant,
            )
    except ChatError as error:
        return _finish(inbound, InboundMail.State.REFUSED, problem=error.code)
    conversation, message = stored.conversation, stored.message
    message_id = inbound.message_id or canonical_message_id(parsed.message_id)
    if message_id:
        MailReference.objects.get_or_create(
            account=account,
            message_id=message_id,
            defaults={
                "direction": MailReference.Direction.IN,
                "conversation": conversation,
                "chat_message": message,
            },
        )
    refused = attachments.store_all(
        conversation=conversation, message=message, attachments=parsed.attachments
    )
    _note_for_agents(inbound, conversation, parsed.problems, refused)
    return _finish(
        inbound,
        InboundMail.State.PROCESSED,
        problem=problems,
        conversation=conversation,
        chat_message=message,
    )


def _message_text(parsed: ParsedMail, account: MailAccount) -> str:
    """What the customer wrote (the full text when stripping the quote left nothing), cut to
    what a message holds; a mail of attachments only says so."""
    text = (parsed.text or "").strip() or (parsed.full_text or "").strip()
    if not text and parsed.attachments:
        with translation.override(account.inbox.default_language):
            return _("(The e-mail has no text, only attachments.)")
    if len(text) > MAX_MESSAGE_CHARS:
        with translation.override(account.inbox.default_language):
            cut = _("[The e-mail was longer; the rest is kept with the original.]")
        text = text[: MAX_MESSAGE_CHARS - len(cut) - 2].rstrip() + "\n\n" + cut
    return text


def _note_for_agents(
    inbound: InboundMail,
    conversation: Conversation,
    problems: tuple[str, ...],
    refused: list[attachments.RefusedAttachment],
) -> None:
    """One system line when part of the mail could not be kept: refused attachments by name,
    and parsing problems that may have cost text. Once per mail (a retried run adds nothing)."""
    lines = []
    with translation.override(conversation.language):
        if refused:
            names = ", ".join(f"{item.name} ({item.reason})" for item in refused[:NAMES_IN_NOTE])
            if len(refused) > NAMES_IN_NOTE:
                names += " " + _("and %(n)d more") % {"n": len(refused) - NAMES_IN_NOTE}
            lines.append(
                ngettext(
                    "%(count)d attachment of this e-mail was not kept: %(names)s",
                    "%(count)d attachments of this e-mail were not kept: %(names)s",
                    len(refused),
                )
                % {"count": len(refused), "names": names}
            )
        if "too_many_attachments" in problems:
            lines.append(
                _("This e-mail had more than %(n)d attachments; only the first %(n)d were kept.")
                % {"n": settings.ATTACHMENTS_PER_MESSAGE}
            )
        if "attachment_too_large" in problems:
            lines.append(_("An attachment was larger than the limit and was not kept."))
        if _LOSSY_TEXT_PROBLEMS.intersection(problems):
            lines.append(
                _(
                    "This e-mail was not well formed; part of it may be missing. The original "
                    "is kept."
                )
            )
    if lines:
        system_message_once(
            conversation_id=conversation.pk, key=f"mail-note:{inbound.pk}", text="\n".join(lines)
        )


def _finish(
    inbound: InboundMail,
    state: str,
    *,
    problem: str = "",
    conversation: Conversation | None = None,
    chat_message: object = None,
) -> Outcome:
    inbound.state = state
    inbound.problem = problem[:PROBLEM_MAX_CHARS]
    inbound.conversation = conversation
    inbound.chat_message = chat_message
    inbound.processed_at = timezone.now()
    inbound.save(update_fields=["state", "problem", "conversation", "chat_message", "processed_at"])
    return Outcome(state, inbound.problem, conversation.pk if conversation else None)
