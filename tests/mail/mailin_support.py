"""Builders shared by the inbound mail tests: an inbox with an address, and real MIME messages."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.utils import timezone

from assistant.chat.models import Inbox
from assistant.mail.models import MailAccount
from tests.factories import make_inbox

_counter = itertools.count(1)


def make_account(inbox: Inbox | None = None, **fields: Any) -> MailAccount:
    n = next(_counter)
    defaults: dict[str, Any] = {"address": f"support{n}@shop.example.com"}
    defaults.update(fields)
    return MailAccount.objects.create(inbox=inbox or make_inbox(), **defaults)


def mime(
    *,
    sender: str = "Ada Lovelace <ada@customer.example>",
    to: str = "support@shop.example.com",
    subject: str = "Where is my order?",
    text: str = "Hello, my order 1234 has not arrived yet. Can you check?",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
    """A message as a mail client sends it (CRLF line ends, a Date, a Message-ID)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(domain="customer.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
