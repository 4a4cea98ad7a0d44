"""Composing the e-mail for one message of a conversation: headers that thread, two bodies.

Only the message itself goes out, never the conversation's history: a reply quotes nothing the
agent or the assistant did not write in it. Texts we add (the subject of a chat that continues
by mail, the line that says a reply continues the conversation) are in the conversation's
language, not the server's.
"""

from __future__ import annotations

from email.utils import formataddr, make_msgid
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from assistant.chat.models import Conversation, Message
from assistant.knowledge.rendering import render_markdown
from assistant.mail import reply_tokens
from assistant.mail.models import MailAccount, MailReference, OutboundMail

# RFC 5322 suggests keeping the thread's first id and the latest ones when References grows;
# mail clients and servers reject headers of thousands of ids.
REFERENCES_KEPT = 20
_REPLY_PREFIXES = ("re:", "aw:", "sv:", "antw:", "réf:", "rif:", "回复:", "答复:")


def new_message_id(account: MailAccount) -> str:
    """A Message-ID in the address's own domain, made once when the mail is scheduled so that
    every retry carries the same id and a client that gets it twice shows it once."""
    return make_msgid(domain=account.address.rpartition("@")[2])


def thread_ids(conversation: Conversation, account: MailAccount) -> tuple[str, list[str]]:
    """(In-Reply-To, References): the last mail the customer sent in this conversation, and the
    conversation's ids in the order they were recorded, capped to the first and latest."""
    references = list(
        MailReference.objects.filter(account=account, conversation=conversation)
        .order_by("created_at", "id")
        .values_list("message_id", "direction")
    )
    inbound = [message_id for message_id, direction in references if direction == "in"]
    chain = [message_id for message_id, _direction in references]
    if len(chain) > REFERENCES_KEPT:
        chain = chain[:1] + chain[-(REFERENCES_KEPT - 1) :]
    return (inbound[-1] if inbound else "", chain)


def subject_for(conversation: Conversation) -> str:
    """The subject: "Re: <subject>" for a conversation that started by mail; for a chat, a
    translated line naming the company. Both end with the reply token, for clients that drop
    the headers."""
    subject = " ".join(conversation.subject.split())
    if subject:
        if not subject.lower().startswith(_REPLY_PREFIXES):
            subject = f"Re: {subject}"
    else:
        subject = _("Your conversation with %(name)s") % {"name": conversation.inbox.public_name}
    return f"{subject} {reply_tokens.subject_tag(conversation.id)}"


def sources_of(message: Message) -> list[tuple[str, str]]:
    """The articles an answer cites, as (title, absolute URL): the widget lists them under the
    answer, and a mail, read away from the site, needs them whole. Our own /help/ pages are
    made absolute with SITE_URL; anything but http(s) is left out."""
    sources = []
    for citation in message.citations or []:
        url = urljoin(settings.SITE_URL + "/", str(citation.get("url") or ""))
        if urlsplit(url).scheme in ("http", "https"):
            sources.append((str(citation.get("title") or url), url))
    return sources


def _html_body(message: Message, continue_line: str, signature: str, sources_label: str) -> str:
    # render_markdown escapes any HTML the text holds and drops javascript: and data: links.
    parts = [str(render_markdown(message.text))]
    if sources := sources_of(message):
        items = "".join(
            f'<li><a href="{escape(url)}">{escape(title)}</a></li>' for title, url in sources
        )
        parts.append(f"<p>{escape(sources_label)}</p><ol>{items}</ol>")
    parts.append(f"<p>{escape(continue_line)}</p>")
    if signature:
        parts.append(f'<div class="signature">{linebreaks(escape(signature))}</div>')
    return "<!DOCTYPE html><html><body>\n" + "\n".join(parts) + "\n</body></html>\n"


def _text_body(message: Message, continue_line: str, signature: str, sources_label: str) -> str:
    body = f"{message.text.strip()}\n\n"
    if sources := sources_of(message):
        listed = "\n".join(f"{n}. {title}: {url}" for n, (title, url) in enumerate(sources, 1))
        body += f"{sources_label}\n{listed}\n\n"
    body += f"{continue_line}\n"
    if signature:
        # "-- " on its own line is the signature separator that mail clients recognise.
        body += f"\n-- \n{signature}\n"
    return body


def compose(outbound: OutboundMail) -> EmailMultiAlternatives:
    """The e-mail for ``outbound``, ready for Django's mail backend."""
    account = outbound.account
    conversation = outbound.conversation
    message = outbound.chat_message
    with translation.override(conversation.language):
        continue_line = _("You can reply to this e-mail to continue the conversation.")
        sources_label = _("Sources")
        subject = subject_for(conversation)
    signature = account.signature.strip()
    in_reply_to, references = thread_ids(conversation, account)
    headers = {
        "Message-ID": outbound.message_id,
        "Reply-To": reply_tokens.reply_address(account.address, conversation.id),
        # RFC 3282: the language our own lines were written in, the conversation's.
        "Content-Language": conversation.language,
    }
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = " ".join(references)
    if message.author_kind in (Message.Author.ASSISTANT, Message.Author.SYSTEM):
        # RFC 3834: an automatic answer (the assistant's, or a notice such as "a person will
        # reply") says so, so the customer's own auto-responder (an out-of-office) does not
        # answer it back and start a loop. A person's reply is not one.
        headers["Auto-Submitted"] = "auto-replied"
    mail = EmailMultiAlternatives(
        subject=subject,
        body=_text_body(message, continue_line, signature, sources_label),
        from_email=formataddr((conversation.inbox.public_name, account.address)),
        to=[outbound.to_address],
        headers=headers,
    )
    mail.attach_alternative(
        _html_body(message, continue_line, signature, sources_label), "text/html"
    )
    _attach_files(mail, message)
    return mail


def _attach_files(mail: EmailMultiAlternatives, message: Message) -> None:
    """The message's files, as stored: their type was judged on the content when they were
    stored (assistant/chat/attachments.py), and images were re-encoded without metadata."""
    for attachment in message.attachments.order_by("created_at", "id"):
        with attachment.file.open("rb") as stored:
            mail.attach(attachment.name, stored.read(), attachment.content_type)
