"""A text part's bytes to text, whatever its declared charset says.

The declared charset is tried first, strictly. When it is unknown ("x-unknown"), absent on
8-bit text, or lies (Windows-1252 bytes declared as UTF-8), charset-normalizer guesses from the
bytes, and the caller records "unknown_charset". Undecodable bytes never stop a message.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# Labels that mail clients use for a superset of what the label means; decoding with the
# superset is what browsers do (WHATWG Encoding Standard) and never breaks the subset.
_SUPERSETS = {
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
}
_NOT_CHARSETS = {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"}
# Ties between equally clean decodings go to the charsets mail is most often written in (Western
# European first: a guess has to start somewhere, and they are the most common legacy ones).
_MOST_USED_IN_MAIL = [
    "utf_8", "cp1252", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "gb18030",
    "big5", "cp932", "shift_jis", "euc_jp", "cp949", "euc_kr", "cp1253", "cp1254", "cp1255",
    "cp1256", "cp1257", "cp874", "cp1258",
]  # fmt: skip
# charset-normalizer reads the whole buffer; a sample decides the charset as well as megabytes.
_SAMPLE_BYTES = 256 * 1024


def decode_text(data: bytes, declared: str | None) -> tuple[str, bool]:
    """(text, whether the charset had to be guessed)."""
    label = (declared or "").strip().strip('"').lower()
    if label:
        codec = _codec(_SUPERSETS.get(label, label))
        if codec:
            try:
                return data.decode(codec), False
            except (UnicodeError, LookupError):
                pass  # the label lies, or names a codec that is not a charset; guess below
    elif data.isascii():
        return data.decode("ascii"), False
    else:
        try:
            # Undeclared 8-bit text is almost always UTF-8 today; if it decodes, it is.
            return data.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return _guess(data), True


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    # Python codecs that are not charsets: a sender naming them would make us run an escape
    # decoder, or punycode's quadratic one, over the body.
    return None if name in _NOT_CHARSETS else name


def _guess(data: bytes) -> str:
    """The bytes decoded with the most likely charset, by charset-normalizer's measure of mess.

    On short texts several charsets decode equally cleanly ("Jürgen" is as clean in Windows-1250
    as in Windows-1252); among those the one most used in mail wins.
    """
    matches = list(from_bytes(data[:_SAMPLE_BYTES]))
    if matches:
        least_mess = min(match.chaos for match in matches)
        clean = [match for match in matches if match.chaos <= least_mess + 0.01]
        candidates = {name for match in clean for name in match.could_be_from_charset}
        for encoding in _MOST_USED_IN_MAIL:
            if encoding in candidates:
                return data.decode(encoding, errors="replace")
        return data.decode(clean[0].encoding, errors="replace")
    return data.decode("utf-8", errors="replace")
