"""JSON bodies, with a size limit.

DRF reads the request stream itself, which bypasses Django's DATA_UPLOAD_MAX_MEMORY_SIZE, so
without this a desk user's client could make a web process hold any amount of JSON in memory.
"""

from __future__ import annotations

import io
from typing import Any

from rest_framework.parsers import JSONParser

from tickets.api.errors import PayloadTooLarge

# The largest valid body (a 10,000-character note in 4-byte characters) fits many times over.
MAX_BODY_BYTES = 256 * 1024


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body = stream.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        return super().parse(io.BytesIO(body), media_type, parser_context)
