"""The frames a widget may send, as pydantic models: the socket's one validation layer.

Every frame is parsed here before the consumer acts on it, so a wrong type, a NUL character, a
lone surrogate or a frame nested a thousand levels deep becomes an ``error`` frame with a
documented code (docs/widget-protocol.md), never an exception inside a handler, which would
close the socket abnormally and lose the customer's view of their conversation.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, TypeAdapter, ValidationError

from assistant.validation import InvalidInput, Line, Text, first_error, parse_json

MAX_CLIENT_ID_CHARS = 64
MAX_COMMENT_CHARS = 1000
# A bound on the frame itself; the configured per-message limit is usually lower.
MAX_ATTACHMENT_IDS = 20

Sequence = Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)]
ConversationId = Annotated[Line, Field(max_length=64)]
ClientId = Annotated[Line, Field(min_length=1, max_length=MAX_CLIENT_ID_CHARS)]


class _Frame(BaseModel):
    # Unknown keys are ignored, so that an older server accepts a newer widget's frames.
    model_config = ConfigDict(frozen=True)


class Hello(_Frame):
    type: Literal["hello"]
    # Any value: the token is judged by tokens.read_session_token, which answers 4401 for a
    # token of the wrong type as for a forged one.
    token: Any = None
    last_seq: Sequence = 0
    conversation_id: ConversationId | None = None


class Resume(_Frame):
    type: Literal["resume"]
    last_seq: Sequence = 0
    conversation_id: ConversationId | None = None


class ChatMessage(_Frame):
    type: Literal["message"]
    client_id: ClientId
    # The length limit has its own error code (too_long), checked by the service.
    text: Text = ""
    # Files uploaded first (POST /api/widget/attachments) that the message carries; a message
    # may be only files. The per-message limit (settings) is the service's to enforce.
    attachments: Annotated[tuple[uuid.UUID, ...], Field(max_length=MAX_ATTACHMENT_IDS)] = ()


class Typing(_Frame):
    type: Literal["typing"]
    active: StrictBool


class Handoff(_Frame):
    type: Literal["handoff"]


class Rate(_Frame):
    type: Literal["rate"]
    score: Annotated[int, Field(strict=True, ge=1, le=5)]
    comment: Annotated[Text, Field(max_length=MAX_COMMENT_CHARS)] = ""


class Ping(_Frame):
    type: Literal["ping"]


class Email(_Frame):
    """The address a customer leaves to get the answer by email (never required). Its shape is
    judged by the service (services.contact_email_set), which answers ``invalid_email``."""

    type: Literal["email"]
    email: Annotated[Line, Field(max_length=254)]


class ActionDecision(_Frame):
    """The customer's click on an action's confirmation card (docs/widget-protocol.md)."""

    type: Literal["action_decision"]
    call_id: Annotated[Line, Field(min_length=1, max_length=64)]
    decision: Literal["confirm", "cancel"]


ClientFrame = Hello | Resume | ChatMessage | Typing | Handoff | Rate | Ping | Email | ActionDecision
_frame = TypeAdapter(Annotated[ClientFrame, Field(discriminator="type")])
_client_id = TypeAdapter(ClientId)


class FrameError(Exception):
    """A refused frame: ``code`` is the protocol's error code; ``client_id`` is set when the
    refused frame was a message whose own client_id is valid, so the widget can mark it."""

    def __init__(self, code: str, message: str, client_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id


def parse(text_data: str | None) -> ClientFrame:
    """The frame in ``text_data``, or FrameError: ``bad_json`` for anything that is not a JSON
    object of bounded depth (binary frames included), ``unknown_type`` for a missing or unknown
    ``type``, ``invalid`` for fields of the wrong type or with characters text cannot hold."""
    if text_data is None:
        raise FrameError("bad_json", "Frames must be JSON objects.")
    try:
        raw = parse_json(text_data)
    except InvalidInput as error:
        raise FrameError("bad_json", f"Frames must be JSON objects. {error}") from error
    if not isinstance(raw, dict):
        raise FrameError("bad_json", "Frames must be JSON objects.")
    try:
        return _frame.validate_python(raw)
    except ValidationError as error:
        kinds = {detail["type"] for detail in error.errors(include_url=False)}
        if kinds & {"union_tag_invalid", "union_tag_not_found"}:
            raise FrameError("unknown_type", "Unknown message type.") from error
        raise FrameError("invalid", first_error(error, skip=1), _valid_client_id(raw)) from error


def _valid_client_id(raw: dict[str, Any]) -> str | None:
    """The refused message's own client_id, when it is one (the same rule as ChatMessage's)."""
    if raw.get("type") != "message":
        return None
    try:
        return _client_id.validate_python(raw.get("client_id"))
    except ValidationError:
        return None
