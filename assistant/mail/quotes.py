"""What the customer wrote now: a reply's quoted history and signature taken off its text.

mail-parser-reply finds where the quoted history starts: the "On <date>, X wrote:" line of Gmail
and Apple Mail and the "From: / Sent: / To: / Subject:" block of Outlook, in English, German,
French, Spanish, Italian, Dutch, Danish, Swedish, Polish, Czech, Japanese, Korean and Chinese.
Only its reply splitting is used: its signature rule cuts at any line starting with "Thanks," or
"Best," and would drop a customer's question written after it.

Our own rules, each for a case the library misses:

- Spanish "El <date>, X escribió:" (the library's pattern wants two spaces before "escribió");
- the separator lines clients put above quoted or forwarded history ("-----Original
  Message-----" in the languages of Outlook, Gmail's "---------- Forwarded message ---------",
  Apple's "Begin forwarded message:"), which the library either misses or leaves in the text;
- a trailing block of "> " quoted lines with no introduction;
- signatures: after the "-- " delimiter (RFC 3676), the mobile clients' "Sent from my iPhone"
  line in several languages, and a closing line ("Best regards,", "Mit freundlichen Grüßen")
  alone on its line followed by a short block of name and contact lines.

When taking all that off would leave nothing (a customer who only forwarded a mail), the whole
text is kept. Only the start of a very long text is searched: what someone wrote now is at the
top, and the library's patterns are too slow to run over megabytes.
"""

from __future__ import annotations

import re

from mailparser_reply.constants import MAIL_LANGUAGES
from mailparser_reply.parser import EmailMessage

# Long enough for any reply a person types; searching further costs seconds per megabyte.
SCAN_CHARS = 100_000

# Every language the library knows ("david" is a mail product's format, not a language): a
# customer's client may be set to any of them, whatever language they write in.
_REPLY_HEADERS = EmailMessage(
    text="", languages=[language for language in MAIL_LANGUAGES if language != "david"]
).HEADER_REGEX

_EXTRA_HISTORY_STARTS = re.compile(
    r"^(?:> ?)*El\s.+\sescribi[óo]\s?:\s*$"  # Spanish Gmail/Apple reply line
    r"|^[-_ ]*-{3,} ?(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Messaggio originale|Oorspronkelijk bericht|Forwarded message|Weitergeleitete Nachricht"
    r"|Message transféré|Mensaje reenviado|Messaggio inoltrato|Doorgestuurd bericht) ?-{3,}[-_ ]*$"
    r"|^(?:Begin forwarded message|Anfang der weitergeleiteten (?:Nachricht|E-Mail)"
    r"|Début du message (?:réexpédié|transféré)|Inicio del mensaje reenviado) ?:\s*$"
    r"|^_{20,}\s*$",  # Outlook's line above its From/Sent block
    re.IGNORECASE | re.MULTILINE,
)
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})
_SEPARATOR_LINE = re.compile(r"^\s*(?:[-_*=]\s*){3,}$")
_QUOTED_LINE = re.compile(r"^\s*>")
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")
# The line mobile clients add by default; it ends the message, whatever follows is history.
_SENT_FROM_DEVICE = re.compile(
    "^(?:"
    + "|".join([
        r"Sent from (?:my |Mail for |Yahoo Mail|Outlook|AOL)", r"Get Outlook for ",
        r"Von meinem .{1,40} gesendet", r"Gesendet von (?:meinem |Outlook|Mail für)",
        r"Outlook für .{1,20} beziehen",
        r"Envoyé (?:de|depuis) (?:mon |Outlook|Mail pour)", r"Télécharger Outlook pour",
        r"Enviado desde (?:mi |Outlook|Correo para)", r"Obtener Outlook para",
        r"Inviato da (?:iPhone|iPad|il mio|Outlook)", r"Verzonden (?:vanaf|met) ",
        r"Enviado do meu ", r"Skickat från min ", r"Sendt fra min ",
        r".{1,20}から送信", r"发自我的", r"从我的.{1,20}发送",
    ])
    + ")",
    re.IGNORECASE,
)  # fmt: skip
# Closing lines, alone on their line; what follows them may be a signature.
_CLOSING = re.compile(
    "^(?:"
    + "|".join([
        r"(?:best|kind|warm|warmest|with kind) regards", r"regards", r"best wishes", r"best",
        r"cheers", r"thanks(?: (?:a lot|so much|again|in advance))?", r"many thanks",
        r"thank you(?: (?:very much|so much))?", r"sincerely", r"yours(?: sincerely| truly)?",
        r"(?:mit )?(?:freundlichen|besten|herzlichen|lieben|vielen) grüßen",
        r"(?:viele |liebe |beste |herzliche )?grüße", r"lg", r"vg", r"mfg",
        r"danke(?: schön| im voraus)?", r"vielen dank(?: im voraus)?",
        r"(?:bien )?cordialement", r"bien à (?:vous|toi)", r"salutations(?: distinguées)?",
        r"merci(?: beaucoup| d'avance| par avance)?",
        r"(?:un )?saludos?(?: cordiales)?", r"atentamente", r"muchas gracias",
        r"gracias(?: de antemano| por adelantado)?",
        r"un abrazo", r"cordiali saluti", r"distinti saluti", r"grazie(?: mille)?",
        r"met vriendelijke groet(?:en)?", r"よろしくお願い(?:いた|致)?します", r"此致", r"谢谢",
    ])
    + r")[\s,.!、。]*$",
    re.IGNORECASE,
)  # fmt: skip
# A signature under a closing line: a few short lines (name, company, phone), not a paragraph.
_SIGNATURE_MAX_LINES = 8
_SIGNATURE_MAX_LINE_CHARS = 100


def new_text(text: str) -> str:
    """The part of a reply's text its sender wrote now (the whole text if that would be empty)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > SCAN_CHARS:
        head = _before_history(text[:SCAN_CHARS])
        # No history found near the top: all of it is what they wrote.
        return text if len(head) == len(text[:SCAN_CHARS].rstrip()) else head or text
    return _without_signature(_before_history(text)) or text.strip()


def _before_history(text: str) -> str:
    """The text above the first sign of quoted or forwarded history."""
    cut = len(text)
    # The library's patterns expect lines stripped of surrounding blanks; stripping keeps the
    # line count, so the line it finds is the same line in our text.
    # Non-breaking spaces are plain spaces to them: French Outlook writes "De\u00a0:", Gmail
    # "3:04\u202fPM".
    stripped = "\n".join(line.strip() for line in text.translate(_SPACES).split("\n"))
    header = _REPLY_HEADERS.search(stripped)
    if header:
        start = header.start()
        while start < len(stripped) and stripped[start] == "\n":
            start += 1
        cut = _offset_of_line(text, stripped.count("\n", 0, start))
    extra = _EXTRA_HISTORY_STARTS.search(text, 0, cut)
    if extra:
        cut = extra.start()
    return _without_trailing_separators(_without_trailing_quote(text[:cut]))


def _offset_of_line(text: str, line_number: int) -> int:
    """Where line ``line_number`` (counted from 0) starts in ``text``."""
    offset = 0
    for _ in range(line_number):
        offset = text.index("\n", offset) + 1
    return offset


def _without_trailing_quote(text: str) -> str:
    """Drop a final run of "> " lines (blank lines inside it included)."""
    lines = text.rstrip().split("\n")
    end = len(lines)
    while end and (not lines[end - 1].strip() or _QUOTED_LINE.match(lines[end - 1])):
        end -= 1
    if end == len(lines):
        return text
    return "\n".join(lines[:end])


def _without_trailing_separators(text: str) -> str:
    """Drop the rule a client drew above the history (Outlook's HTML <hr> becomes "---")."""
    lines = text.rstrip().split("\n")
    while lines and _SEPARATOR_LINE.match(lines[-1]):
        lines.pop()
    return "\n".join(lines).rstrip()


def _without_signature(text: str) -> str:
    """Cut at "-- ", at a "Sent from my ..." line, or at a closing line over a short block."""
    lines = text.rstrip().split("\n")
    for index in range(len(lines) - 1, -1, -1):
        if _SIGNATURE_DELIMITER.match(lines[index].rstrip()):
            lines = lines[:index]
            break
    for index, line in enumerate(lines):
        if _SENT_FROM_DEVICE.match(line.strip()) and _is_short_tail(lines[index + 1 :], 2):
            lines = lines[:index]
            break
    for index in range(max(0, len(lines) - _SIGNATURE_MAX_LINES - 1), len(lines)):
        if _CLOSING.match(lines[index].strip()) and _looks_like_signature(lines[index + 1 :]):
            lines = lines[:index]
            break
    return "\n".join(lines).strip()


def _is_short_tail(lines: list[str], most: int) -> bool:
    return sum(1 for line in lines if line.strip()) <= most


def _looks_like_signature(lines: list[str]) -> bool:
    """Name and contact lines: a few short ones, the first right under the closing.

    A closing with nothing under it ("Thanks!") is the customer's words, not a signature.
    """
    if not lines or not lines[0].strip() or len(lines) > _SIGNATURE_MAX_LINES:
        return False
    return all(
        len(line) <= _SIGNATURE_MAX_LINE_CHARS and not line.rstrip().endswith("?") for line in lines
    )
