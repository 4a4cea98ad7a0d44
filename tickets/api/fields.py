"""Input fields that refuse, with a 400, what PostgreSQL would otherwise refuse with a 500."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# PostgreSQL bigint: a larger id is not an id, it is a validation error.
MAX_ID = 2**63 - 1


class Text(serializers.CharField):
    """A CharField that also refuses lone surrogates, which cannot be encoded for the database.
    (DRF's CharField already refuses NUL characters.)"""

    default_error_messages = {"surrogates": _("The text is not valid Unicode.")}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogates")
        return value


def object_id(**kwargs: Any) -> serializers.IntegerField:
    """An integer primary key as input: whole numbers only (no 1.5, no "1e3"), in range."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
