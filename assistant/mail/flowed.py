"""Plain text sent as format=flowed (RFC 3676) back to its paragraphs.

Thunderbird, Apple Mail and many webmails wrap long lines at 72-78 characters and mark each wrap
with a trailing space. Joining those lines back gives the paragraphs the sender typed, which the
desk can wrap to its own width; a hard line break (no trailing space) stays.
"""

from __future__ import annotations

import re

_QUOTE_PREFIX = re.compile(r"^>+")
_SIGNATURE_DELIMITER = "-- "


def unflow(text: str, *, delete_space: bool = False) -> str:
    """Join the soft-wrapped lines of a format=flowed text (``delete_space``: DelSp=yes)."""
    paragraphs: list[str] = []
    current: list[str] = []
    current_depth = -1
    for raw_line in text.split("\n"):
        prefix_match = _QUOTE_PREFIX.match(raw_line)
        depth = len(prefix_match.group()) if prefix_match else 0
        line = raw_line[depth:]
        if line.startswith(" "):
            line = line[1:]  # space-stuffing (RFC 3676 4.4), or the space after ">"
        if current and depth != current_depth:
            paragraphs.append(_joined(current, current_depth))
            current = []
        current_depth = depth
        flowed = line.endswith(" ") and line != _SIGNATURE_DELIMITER
        if flowed and delete_space:
            line = line[:-1]
        current.append(line)
        if not flowed:
            paragraphs.append(_joined(current, depth))
            current = []
    if current:
        paragraphs.append(_joined(current, current_depth))
    return "\n".join(paragraphs)


def _joined(lines: list[str], depth: int) -> str:
    prefix = ">" * depth + " " if depth else ""
    return prefix + "".join(lines)
