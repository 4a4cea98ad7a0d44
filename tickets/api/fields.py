"""Input fields that refuse, with a 400, what PostgreSQL would otherwise refuse with a 500.

Text follows the rules every edge shares (assistant/validation.py, with the translated messages
of assistant/formfields.py): no NUL or other control characters (tab, line feed and carriage
return are allowed in text of several lines, never in a single line), no lone surrogates. Every
writable string field of the API's serializers is a Text (tests/tickets/test_api_input.py checks
that each one refuses these characters).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assistant.formfields import text_error

# PostgreSQL bigint: a larger id is not an id, it is a validation error.
MAX_ID = 2**63 - 1


class Text(serializers.CharField):
    """A CharField that applies the shared text rules; ``single_line`` for names, subjects,
    tags and search words, which hold no line breaks or tabs either."""

    def __init__(self, *, single_line: bool = False, **kwargs: Any) -> None:
        self.single_line = single_line
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        # The text as sent, before trimming: Python counts U+001C to U+001F as whitespace, and
        # trimming first would silently drop them from the ends instead of refusing them.
        if isinstance(data, str):
            error = text_error(data, single_line=self.single_line)
            if error is not None:
                raise serializers.ValidationError(error, code="invalid_text")
        return super().to_internal_value(data)


def object_id(**kwargs: Any) -> serializers.IntegerField:
    """An integer primary key as input: whole numbers only (no 1.5, no "1e3"), in range."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
