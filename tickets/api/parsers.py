"""JSON bodies, with a size limit and a nesting limit.

DRF reads the request stream itself, which bypasses Django's DATA_UPLOAD_MAX_MEMORY_SIZE, so
without this a desk user's client could make a web process hold any amount of JSON in memory.
Python's JSON parser recurses once per nesting level and raises RecursionError (not the
ValueError DRF's parser expects) on a body nested about a thousand levels deep: that is a
parse error here, as is any nesting deeper than assistant.validation.MAX_JSON_DEPTH.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from assistant.validation import MAX_JSON_DEPTH, nesting_depth
from tickets.api.errors import PayloadTooLarge

# The largest valid body (a 10,000-character note in 4-byte characters) fits many times over.
MAX_BODY_BYTES = 256 * 1024


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body = stream.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        # DRF's own parse keeps its decoding and its refusal of NaN and Infinity; the depth
        # bound is checked on what it returns, without recursion (nesting_depth is iterative).
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as error:
            raise ParseError(self._too_deep()) from error
        if nesting_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep() -> str:
        return _("JSON parse error - the body nests more than %(depth)d levels deep.") % {
            "depth": MAX_JSON_DEPTH
        }
