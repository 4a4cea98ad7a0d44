"""What parsing a raw message yields: plain data, no Django, so it can be tested on its own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    # As the message declared it; the attachment store judges the content, never this.
    declared_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    # Message ids keep their angle brackets ("<id@host>"), as Message-ID headers are written.
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    from_address: str
    from_name: str
    to_addresses: tuple[str, ...]
    cc_addresses: tuple[str, ...]
    reply_to: str
    subject: str
    date: dt.datetime | None
    # What the customer wrote in this message, as safe Markdown: quoted history and signature
    # removed. ``full_text`` keeps everything, for an agent who wants to see the quote.
    text: str
    full_text: str
    # Why no one should answer it ("auto_reply", "bounce", "mailing_list", "loop"), or "".
    automated: str = ""
    attachments: tuple[ParsedAttachment, ...] = ()
    # Delivered-To / X-Original-To / Envelope-To: the address the mail was actually delivered
    # to, where a reply token survives when the client rewrote To.
    delivered_to: tuple[str, ...] = ()
    # What was wrong with the message but did not stop it being read ("malformed_mime",
    # "unknown_charset", "too_many_attachments", "attachment_too_large", ...).
    problems: tuple[str, ...] = field(default_factory=tuple)
