"""Reading a few headers straight from the raw bytes, before (or beside) the full parse.

Intake needs the Message-ID to deduplicate before anything else happens to a message, and
threading needs Delivered-To (which the parsed form does not carry). Only the header block is
read, with the stdlib's lenient compat32 parser, so a broken body or a huge message costs nothing
here and nothing raises.
"""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesHeaderParser

# Headers end at the first empty line; anything past this is not a header block worth reading.
HEADER_BYTES_LIMIT = 256 * 1024
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
MESSAGE_ID_MAX_CHARS = 998  # InboundMail.message_id, MailReference.message_id


def header_block(raw: bytes) -> bytes:
    head = raw[:HEADER_BYTES_LIMIT]
    end = _BLANK_LINE.search(head)
    return head[: end.end()] if end else head


def header_values(raw: bytes, name: str) -> list[str]:
    """Every value of header ``name`` as text (undecodable bytes replaced), in order."""
    try:
        message = BytesHeaderParser(policy=policy.compat32).parsebytes(header_block(raw))
        values = message.get_all(name) or []
    except Exception:  # a header block no parser accepts has no such header
        return []
    return [str(value) for value in values]


def canonical_message_id(value: str) -> str:
    """``<id@host>`` as stored and matched, whatever the spacing or brackets it came with; ""
    when there is none."""
    value = (value or "").strip()
    found = _ANGLE_ID.search(value)
    ident = found.group(1) if found else value.strip("<> \t\r\n")
    if not ident or any(char.isspace() for char in ident):
        return ""
    return f"<{ident}>"[:MESSAGE_ID_MAX_CHARS]


def message_ids_in(value: str) -> list[str]:
    """The canonical ids an In-Reply-To or References header names, in order."""
    found = [f"<{ident}>" for ident in _ANGLE_ID.findall(value or "")]
    if not found and value and value.strip():
        single = canonical_message_id(value)
        found = [single] if single else []
    return [ident[:MESSAGE_ID_MAX_CHARS] for ident in found]
