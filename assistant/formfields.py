"""Django form fields and validators that apply assistant/validation.py's text rules.

Pages validate their input with Django forms (the REST API with DRF serializers, the sockets
with pydantic models); all of them refuse the same characters, with messages that go through
translation here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext

from assistant.validation import text_problem


def text_error(value: str, *, single_line: bool = False) -> str | None:
    """Why ``value`` is refused, in the user's language, or None when it is valid text."""
    if text_problem(value, single_line=single_line) is None:
        return None
    bad = next(c for c in value if text_problem(c, single_line=single_line))
    if "\ud800" <= bad <= "\udfff":
        return gettext("The text is not valid Unicode (it holds a lone surrogate).")
    return gettext("The text holds a control character (%(character)s), which is not allowed.") % {
        "character": f"U+{ord(bad):04X}"
    }


@deconstructible
class TextValidator:
    """Refuses NUL and other control characters and lone surrogates; ``single_line`` also
    refuses tabs and line breaks."""

    code = "invalid_text"

    def __init__(self, *, single_line: bool = False) -> None:
        self.single_line = single_line

    def __call__(self, value: Any) -> None:
        if isinstance(value, str) and (error := text_error(value, single_line=self.single_line)):
            raise ValidationError(error, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.single_line == self.single_line

    def __hash__(self) -> int:
        return hash((type(self), self.single_line))


validate_text = TextValidator()
validate_line = TextValidator(single_line=True)


class TextField(forms.CharField):
    """A CharField under the shared text rules (Django's own NUL check is replaced by them, so
    a NUL is reported once).

    The rules apply to the text as sent, before ``strip``: Python counts U+001C to U+001F as
    whitespace, so stripping first would silently drop them from the ends instead of refusing
    them."""

    def __init__(self, *, single_line: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text_validator = TextValidator(single_line=single_line)
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        self.validators.append(self.text_validator)

    def to_python(self, value: Any) -> str | None:
        self.text_validator(value)
        return super().to_python(value)
