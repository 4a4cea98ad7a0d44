"""The customer's answer to the assistant's offer of a person: yes, no, or neither.

After an answer it could not support, the assistant offers a person and waits: it hands over
only on a yes (or the widget's button), and a no keeps the conversation with the assistant.
Only a short reply that *is* a yes or a no counts: "no, I meant the other bike" is a new
question, answered as such. The phrases cover the widget's six languages.
"""

from __future__ import annotations

import enum
import re
import unicodedata


class Reply(enum.Enum):
    YES = "yes"
    NO = "no"


_YES = {
    # English
    "yes",
    "yes please",
    "yeah",
    "yep",
    "sure",
    "ok",
    "okay",
    "please",
    "please do",
    "y",
    "yes i would",
    "yes i'd like that",
    "i would",
    "connect me",
    "go ahead",
    "of course",
    # German
    "ja",
    "ja bitte",
    "gerne",
    "gern",
    "ja gerne",
    "bitte",
    "klar",
    "jawohl",
    # Spanish
    "sí",
    "si",
    "sí por favor",
    "si por favor",
    "claro",
    "vale",
    "de acuerdo",
    # French
    "oui",
    "oui merci",
    "oui s'il vous plaît",
    "oui svp",
    "d'accord",
    "volontiers",
    # Japanese
    "はい",
    "はい お願いします",
    "お願いします",
    "ええ",
    "うん",
    # Chinese
    "是",
    "是的",
    "好",
    "好的",
    "要",
    "可以",
    "行",
    "嗯",
}

_NO = {
    # English
    "no",
    "nope",
    "no thanks",
    "no thank you",
    "nah",
    "not now",
    "n",
    "no need",
    "i'm fine",
    "im fine",
    "no i'm fine",
    # German
    "nein",
    "nein danke",
    "nee",
    "nicht nötig",
    "danke nein",
    # Spanish
    "no gracias",
    "no hace falta",
    "no es necesario",
    # French
    "non",
    "non merci",
    "pas besoin",
    "non ça va",
    # Japanese
    "いいえ",
    "いいえ 結構です",
    "結構です",
    "大丈夫です",
    "いや",
    # Chinese
    "不",
    "不用",
    "不用了",
    "不要",
    "不需要",
    "不了",
    "没事",
    "不用谢谢",
}

# Punctuation, emphasis and thanks around the answer do not change it ("Yes, please!",
# "No thanks :)", "はい、お願いします。").
_NOISE = re.compile(r"[\s\W_]+")
_THANKS = re.compile(r"\b(thanks|thank you|danke|gracias|merci)\b|谢谢|ありがとう(ございます)?")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    return " ".join(part for part in _NOISE.split(text) if part)


def reply_to_offer(text: str) -> Reply | None:
    """YES or NO when the message is an answer to "shall I bring in a person?", else None."""
    said = _normalise(text)
    if not said or len(said) > 40:
        return None
    for candidate in (said, _normalise(_THANKS.sub(" ", said))):
        if candidate in _YES_NORMALISED:
            return Reply.YES
        if candidate in _NO_NORMALISED:
            return Reply.NO
    return None


_YES_NORMALISED = frozenset(_normalise(phrase) for phrase in _YES)
_NO_NORMALISED = frozenset(_normalise(phrase) for phrase in _NO)
