"""The exact text of an outbound payload, for the audit log's hash and (optionally) its copy.

Canonical JSON (sorted keys, no whitespace, UTF-8 kept) of the messages in the OpenAI wire shape,
so that the same payload always hashes the same and an auditor can recompute the hash from a
stored copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from assistant.llm.types import Message


def canonical_payload(messages: Sequence[Message]) -> str:
    return json.dumps(
        [message.to_openai() for message in messages],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def payload_sha256(messages: Sequence[Message]) -> str:
    return hashlib.sha256(canonical_payload(messages).encode("utf-8")).hexdigest()
