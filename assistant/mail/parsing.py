"""A raw e-mail, as received, to what the conversation needs (docs/email.md, "What is parsed").

Python's ``email`` package (``policy.default``) reads the MIME structure and decodes headers
(RFC 2047 encoded words, RFC 2231 file names); charsets are decoded by ``charsets``; HTML-only
mail becomes safe Markdown through the knowledge import's converter (``html_body``); ``quotes``
separates what the customer wrote now from the quoted history; ``automated`` recognises mail no
one answers.

``parse_mail`` never raises: mail comes from anyone, and a message that cannot be read must be
stored and flagged, not stop the fetcher. What was wrong is listed in ``problems``.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import TypeVar

from assistant.mail import quotes
from assistant.mail.addresses import normalise_address
from assistant.mail.automated import automated_kind
from assistant.mail.charsets import decode_text
from assistant.mail.flowed import unflow
from assistant.mail.html_body import mail_html_to_markdown
from assistant.mail.parsed import ParsedAttachment, ParsedMail

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A chat message holds a few thousand characters; a body beyond this is not a person writing,
# and converting or searching megabytes of it would only cost time.
MAX_BODY_CHARS = 1_000_000
# Deeper MIME nesting, or more containers, than mail clients ever produce.
_MAX_DEPTH = 32
_MAX_CONTAINERS = 100
_CONTAINER_DECLARATION = re.compile(rb"^content-type:\s*(?:multipart|message)/", re.I | re.M)
# References lists grow with every reply; the newest ids are the ones that thread.
_MAX_REFERENCES = 100
_MAX_HEADER_CHARS = 998  # RFC 5322's line limit, and the model's column width for Message-ID
# Beyond this a header is read without the email package's parser (see _Reading.header).
_MAX_PARSED_HEADER_CHARS = 16 * 1024
_MAX_FILENAME_CHARS = 200

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_ADDR_SPEC = re.compile(r"[^\s<>()\[\],;:\"@]+@[^\s<>()\[\],;:\"@]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HEADER_SPACE = re.compile(r"\s+")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ESCAPED_BYTES = re.compile(r"[\udc80-\udcff]")
_BLANK_LINES = re.compile(r"\n{3,}")
_LINE_STARTING_WITH_DASHES = re.compile(r"^--", re.MULTILINE)
# Parts that belong to a delivery report's machinery, not to anything a person attached.
_REPORT_PARTS = {"message/delivery-status", "message/disposition-notification",
                 "text/rfc822-headers", "message/feedback-report"}  # fmt: skip


def parse_mail(
    raw: bytes,
    *,
    own_addresses: Collection[str] = (),
    max_attachments: int = 50,
    max_attachment_bytes: int = 10 * 1024 * 1024,
) -> ParsedMail:
    """Read one raw message; never raises, records what was wrong in ``problems``."""
    try:
        return _Reading(
            bytes(raw),
            own_addresses=own_addresses,
            max_attachments=max_attachments,
            max_attachment_bytes=max_attachment_bytes,
        ).parsed()
    except Exception:
        # The email package has had many bugs raising on hostile input (CPython issues on
        # header folding and address parsing); a message that trips one is stored and flagged.
        logger.warning("An e-mail could not be parsed", exc_info=True)
        return ParsedMail(
            message_id="", in_reply_to="", references=(), from_address="", from_name="",
            to_addresses=(), cc_addresses=(), reply_to="", subject="", date=None,
            text="", full_text="", problems=("unparseable",),
        )  # fmt: skip


@dataclass(frozen=True)
class _Facts:
    """What a part's headers say, read once: the email package re-parses a header on every
    access, which costs seconds over thousands of parts."""

    content_type: str
    disposition: str | None
    filename: str | None
    charset: str | None
    flowed: bool
    delete_space: bool
    boundary: str | None

    @property
    def is_attachment(self) -> bool:
        return self.disposition == "attachment" or bool(self.filename)

    @classmethod
    def of(cls, part: Message) -> _Facts:
        return cls(
            content_type=_safe(part.get_content_type, "text/plain"),
            disposition=_safe(part.get_content_disposition, None),
            filename=_safe(part.get_filename, None),
            charset=_safe(part.get_content_charset, None),
            flowed=_param(part, "format") == "flowed",
            delete_space=_param(part, "delsp") == "yes",
            boundary=_safe(part.get_boundary, None),
        )


class _Reading:
    """One message being read: the parsed tree and the problems found on the way."""

    def __init__(
        self,
        raw: bytes,
        *,
        own_addresses: Collection[str],
        max_attachments: int,
        max_attachment_bytes: int,
    ) -> None:
        self.problems: list[str] = []
        self.facts_by_part: dict[int, _Facts] = {}
        # The email package parses each nested part's headers again and again: a few hundred
        # kilobytes of nested multiparts take it tens of seconds. No mail client nests that
        # much, so such a message is read for its headers only and flagged.
        containers = len(_CONTAINER_DECLARATION.findall(raw))
        if containers > _MAX_CONTAINERS:
            self.problems.append("malformed_mime")
        self.message = BytesParser(policy=policy.default).parsebytes(
            raw, headersonly=containers > _MAX_CONTAINERS
        )
        self.own_addresses = own_addresses
        self.max_attachments = max_attachments
        self.max_attachment_bytes = max_attachment_bytes
        self.boundary_prefixes = self.declared_boundary_prefixes()

    def facts(self, part: Message) -> _Facts:
        # Keyed by id(): parts live as long as the message, and Message is not hashable.
        key = id(part)
        if key not in self.facts_by_part:
            self.facts_by_part[key] = _Facts.of(part)
        return self.facts_by_part[key]

    def declared_boundary_prefixes(self) -> set[str]:
        """The start of every declared boundary: enough to know one when it is mangled."""
        prefixes: set[str] = set()
        stack: list[tuple[Message, int]] = [(self.message, 0)]
        while stack:
            part, depth = stack.pop()
            boundary = self.facts(part).boundary
            if boundary:
                prefixes.add(boundary[: max(8, len(boundary) * 3 // 4)])
            if part.is_multipart() and depth < _MAX_DEPTH:
                stack.extend((child, depth + 1) for child in _children(part))
        return prefixes

    def problem(self, code: str) -> None:
        if code not in self.problems:
            self.problems.append(code)

    def parsed(self) -> ParsedMail:
        message = self.message
        senders = self.addresses("From") or self.addresses("Sender")
        from_name, from_address = senders[0] if senders else ("", "")
        reply_to = self.addresses("Reply-To")
        body_parts = self.body_parts(message, 0)
        full_text = self.body_text(body_parts)
        attachments = self.attachments({id(part) for part in body_parts})
        content_type = self.facts(message).content_type
        automated = automated_kind(
            header=self.header,
            content_type=content_type,
            report_type=_param(message, "report-type"),
            from_address=from_address,
            own_addresses=self.own_addresses,
        )
        self.collect_defects()
        references = self.message_ids("References")[-_MAX_REFERENCES:]
        return ParsedMail(
            message_id=next(iter(self.message_ids("Message-ID")), ""),
            in_reply_to=next(iter(self.message_ids("In-Reply-To")), ""),
            references=tuple(references),
            from_address=from_address,
            from_name=from_name,
            to_addresses=tuple(address for _, address in self.addresses("To")),
            cc_addresses=tuple(address for _, address in self.addresses("Cc")),
            delivered_to=tuple(
                address
                for name in ("Delivered-To", "X-Original-To", "Envelope-To")
                for _, address in self.addresses(name)
            ),
            reply_to=reply_to[0][1] if reply_to else "",
            subject=self.header("Subject"),
            date=self.date(),
            text=quotes.new_text(full_text) if full_text else "",
            full_text=full_text,
            automated=automated,
            attachments=tuple(attachments),
            problems=tuple(self.problems),
        )

    # Headers ---------------------------------------------------------------------------------

    def header(self, name: str) -> str:
        """A header's decoded value on one line, "" when absent or unreadable."""
        raws = self.raw_values(name)
        if not raws:
            return ""
        if len(raws[0]) > _MAX_PARSED_HEADER_CHARS:
            # The email package's header parser slows down badly on huge headers (thousands of
            # encoded words take seconds); no real header is this long.
            self.problem("malformed_header")
            text = _decode_words(raws[0][:_MAX_PARSED_HEADER_CHARS])
        else:
            try:
                value = self.message.get(name)
                text = "" if value is None else str(value)
            except Exception:
                self.problem("malformed_header")
                text = _decode_words(raws[0])
        return _one_line(_clean(text))[:_MAX_HEADER_CHARS]

    def raw_values(self, name: str) -> list[str]:
        """Every header ``name`` as it arrived, unparsed."""
        wanted = name.lower()
        return [str(value) for key, value in self.message.raw_items() if key.lower() == wanted]

    def message_ids(self, name: str) -> list[str]:
        """The <id@host> tokens of a Message-ID, In-Reply-To or References header.

        Read from the raw header: they are plain tokens, and the email package's parser of these
        headers has raised on malformed ones in several Python versions.
        """
        raws = self.raw_values(name)
        return _message_ids(_clean(raws[0])) if raws else []

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, normalised address) pairs of every header ``name``."""
        raws = self.raw_values(name)
        pairs: list[tuple[str, str]] = []
        try:
            if any(len(raw) > _MAX_PARSED_HEADER_CHARS for raw in raws):
                raise ValueError("header too long to parse")
            for header in self.message.get_all(name, []):
                if hasattr(header, "addresses"):
                    pairs += [(str(a.display_name), str(a.addr_spec)) for a in header.addresses]
                else:  # Delivered-To and the like are not address headers to the email package
                    pairs += getaddresses([str(header)])
        except Exception:
            self.problem("malformed_header")
            pairs = _fallback_addresses(raws)
        found = []
        for display_name, address in pairs:
            normalised = normalise_address(_clean(address))
            if normalised:
                found.append((_one_line(_clean(_decode_words(display_name))), normalised))
            elif address.strip():
                self.problem("malformed_header")
        return found

    def date(self) -> dt.datetime | None:
        value = self.header("Date")
        if not value:
            return None
        try:
            date = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            self.problem("bad_date")
            return None
        # "-0000" means "time zone unknown" (RFC 5322 3.3); UTC is the honest reading.
        return date if date.tzinfo else date.replace(tzinfo=dt.UTC)

    # Body ------------------------------------------------------------------------------------

    def body_parts(self, part: Message, depth: int) -> list[Message]:
        """The parts that make up what the sender wrote, in order (RFC 2046 structure)."""
        if depth > _MAX_DEPTH:
            self.problem("malformed_mime")
            return []
        facts = self.facts(part)
        content_type = facts.content_type
        if content_type == "message/rfc822":
            # A message whose whole body is another message (forwarded "as is") reads as that
            # message; an attached one is an attachment, not this message's text.
            inner = _children(part)
            return self.body_parts(inner[0], depth + 1) if depth == 0 and inner else []
        if part.is_multipart():
            children = [c for c in _children(part) if not self.facts(c).is_attachment]
            if content_type == "multipart/alternative":
                return self.best_alternative(children, depth)
            if content_type == "multipart/related" and children:
                return self.body_parts(children[0], depth + 1)  # the root; the rest is images
            return [found for child in children for found in self.body_parts(child, depth + 1)]
        if content_type in ("text/plain", "text/html") and not facts.is_attachment:
            return [part]
        return []

    def best_alternative(self, children: list[Message], depth: int) -> list[Message]:
        """Plain text when the sender's client wrote one, else the richest readable part."""
        candidates = [self.body_parts(child, depth + 1) for child in children]
        readable = [parts for parts in candidates if parts]
        for parts in readable:
            plain = all(self.facts(p).content_type == "text/plain" for p in parts)
            if plain and any(_decoded_bytes(p).strip() for p in parts):
                return parts
        return readable[-1] if readable else []

    def body_text(self, parts: list[Message]) -> str:
        texts: list[str] = []
        size = 0
        for part in parts:
            data = _decoded_bytes(part)
            if len(data) > MAX_BODY_CHARS * 4:
                data = data[: MAX_BODY_CHARS * 4]  # no charset needs more than 4 bytes a char
            facts = self.facts(part)
            text, guessed = decode_text(data, facts.charset)
            if guessed:
                self.problem("unknown_charset")
            if size + len(text) > MAX_BODY_CHARS:
                text = text[: MAX_BODY_CHARS - size]
                self.problem("text_truncated")
            size += len(text)
            text = self.before_broken_boundary(text.replace("\r\n", "\n").replace("\r", "\n"))
            if facts.content_type == "text/html":
                text = mail_html_to_markdown(text)
            elif facts.flowed:
                text = unflow(text, delete_space=facts.delete_space)
            texts.append(_clean(text).strip())
            if size >= MAX_BODY_CHARS:
                break
        return _BLANK_LINES.sub("\n\n", "\n\n".join(text for text in texts if text))

    def before_broken_boundary(self, text: str) -> str:
        """Cut a part's text where a mangled boundary line shows the next part began.

        The parser only knows exact boundaries; a damaged one ("--abc=" for "--abc==") leaves
        the next part's headers and base64 inside this part's text. Boundaries are chosen not to
        occur in content, so a line starting like one is where the part ends.
        """
        if not self.boundary_prefixes:
            return text
        for match in _LINE_STARTING_WITH_DASHES.finditer(text):
            line = text[match.start() + 2 : match.start() + 2 + 200]
            if any(line.startswith(prefix) for prefix in self.boundary_prefixes):
                self.problem("malformed_mime")
                return text[: match.start()]
        return text

    # Attachments -----------------------------------------------------------------------------

    def attachments(self, body_ids: set[int]) -> list[ParsedAttachment]:
        found: list[ParsedAttachment] = []
        for part in self.attachment_parts(body_ids):
            if len(found) == self.max_attachments:
                self.problem("too_many_attachments")
                break
            facts = self.facts(part)
            declared_type = facts.content_type
            data = self.attachment_data(part, declared_type)
            if data is None:
                continue
            if len(data) > self.max_attachment_bytes:
                self.problem("attachment_too_large")
                continue
            name = _safe_filename(facts.filename, declared_type, len(found) + 1)
            found.append(ParsedAttachment(filename=name, declared_type=declared_type, data=data))
        return found

    def attachment_parts(self, body_ids: set[int]) -> Iterator[Message]:
        """Every part with a file name, every attachment, every image; depth first, in order."""
        stack: list[tuple[Message, int]] = [(self.message, 0)]
        while stack:
            part, depth = stack.pop()
            facts = self.facts(part)
            content_type = facts.content_type
            if id(part) in body_ids or content_type in _REPORT_PARTS:
                continue
            if part.is_multipart() and (content_type != "message/rfc822" or depth == 0):
                if depth < _MAX_DEPTH:
                    stack.extend((child, depth + 1) for child in reversed(_children(part)))
                continue
            # Apple Mail sends attached PDFs with "inline" and a file name: a name means a file,
            # whatever the disposition says.
            if facts.is_attachment or content_type.startswith("image/"):
                yield part

    def attachment_data(self, part: Message, declared_type: str) -> bytes | None:
        try:
            if declared_type == "message/rfc822":
                inner = part.get_payload(0)
                return inner.as_bytes() if isinstance(inner, Message) else None
            data = part.get_payload(decode=True)
        except Exception:
            self.problem("malformed_mime")
            return None
        return data if isinstance(data, bytes) else None

    def collect_defects(self) -> None:
        """A broken boundary, bad base64...: the email package notes them as it reads."""
        stack: list[tuple[Message, int]] = [(self.message, 0)]
        while stack:
            part, depth = stack.pop()
            if part.defects:
                self.problem("malformed_mime")
                return
            if part.is_multipart() and depth < _MAX_DEPTH:
                stack.extend((child, depth + 1) for child in _children(part))


def _children(part: Message) -> list[Message]:
    payload = _safe(part.get_payload, [])
    if not isinstance(payload, list):
        return []
    return [child for child in payload if isinstance(child, Message)]


def _param(part: Message, name: str) -> str:
    return str(_safe(lambda: part.get_param(name), "") or "").strip().lower()


def _decoded_bytes(part: Message) -> bytes:
    data = _safe(lambda: part.get_payload(decode=True), b"")
    return data if isinstance(data, bytes) else b""


def _safe(read: Callable[[], T], default: T) -> T:
    """``read()``, or ``default`` when the email package trips over the input."""
    try:
        return read()
    except Exception:
        return default


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded, without the email package's structured parsers."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _fallback_addresses(raws: list[str]) -> list[tuple[str, str]]:
    """Addresses of headers the structured parser refused; the old parser, then a plain search."""
    try:
        found = getaddresses([raw[:_MAX_PARSED_HEADER_CHARS] for raw in raws])
    except Exception:
        found = []  # it recurses into nested comments: thousands of "(" exhaust the stack
    return [pair for pair in found if pair[1]] or [
        ("", address) for raw in raws for address in _ADDR_SPEC.findall(raw)
    ]


def _message_ids(value: str) -> list[str]:
    """The <id@host> tokens of a Message-ID, In-Reply-To or References header, brackets kept."""
    ids = _MESSAGE_ID.findall(value)
    if not ids and value.strip() and not any(c.isspace() for c in value.strip()):
        ids = [f"<{value.strip().strip('<>')}>"]  # some senders forget the brackets
    return [message_id[:_MAX_HEADER_CHARS] for message_id in ids]


def _safe_filename(name: str | None, declared_type: str, number: int) -> str:
    """The file's own name, without directories or control characters; a made-up one if none."""
    # Bidirectional overrides make "invoice\u202efdp.exe" display as "invoiceexe.pdf".
    name = _BIDI_CONTROLS.sub("", _clean(str(name or "")))
    name = re.split(r"[\\/]", name)[-1].strip().lstrip(".").strip()
    if not name:
        extension = mimetypes.guess_extension(declared_type) or ".bin"
        return f"attachment-{number}{extension}"
    if len(name) > _MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 16:
            return stem[: _MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        return name[:_MAX_FILENAME_CHARS]
    return name


def _clean(text: str) -> str:
    """Text PostgreSQL and the desk can hold: raw 8-bit bytes decoded, no control characters."""
    if _ESCAPED_BYTES.search(text):
        # The email package keeps undeclared 8-bit header bytes as surrogate escapes.
        try:
            text = decode_text(text.encode("utf-8", "surrogateescape"), None)[0]
        except UnicodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
    return _CONTROL.sub("", text)


def _one_line(text: str) -> str:
    return _HEADER_SPACE.sub(" ", text).strip()
