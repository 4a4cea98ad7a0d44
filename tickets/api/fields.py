"""Input fields that refuse, with a 400, what PostgreSQL would otherwise refuse with a 500.

Text follows the rules every edge shares (assistant/validation.py): no NUL or other control
characters (tab, line feed and carriage return are allowed in text of several lines, never in a
single line), no lone surrogates. Every writable string field of the API's serializers is a Text
(tests/tickets/test_api_input.py checks that each one refuses these characters).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assistant.validation import text_problem

# PostgreSQL bigint: a larger id is not an id, it is a validation error.
MAX_ID = 2**63 - 1


class Text(serializers.CharField):
    """A CharField that applies the shared text rules; ``single_line`` for names, subjects,
    tags and search words, which hold no line breaks or tabs either."""

    default_error_messages = {
        "surrogates": _("The text is not valid Unicode (it holds a lone surrogate)."),
        "control": _("The text holds a control character (%(character)s), which is not allowed."),
    }

    def __init__(self, *, single_line: bool = False, **kwargs: Any) -> None:
        self.single_line = single_line
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        problem = text_problem(value, single_line=self.single_line)
        if problem is not None:
            bad = next(c for c in value if text_problem(c, single_line=self.single_line))
            if "\ud800" <= bad <= "\udfff":
                self.fail("surrogates")
            self.fail("control", character=f"U+{ord(bad):04X}")
        return value


def object_id(**kwargs: Any) -> serializers.IntegerField:
    """An integer primary key as input: whole numbers only (no 1.5, no "1e3"), in range."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
