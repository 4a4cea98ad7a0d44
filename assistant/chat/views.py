"""HTTP side of the widget: the session endpoint (docs/widget-protocol.md, part 1)."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from pydantic import BaseModel, Field, StrictStr, ValidationError

from assistant.chat import availability, ratelimit, services, tokens
from assistant.chat.avatars import avatar_path
from assistant.validation import InvalidInput, Line, first_error, parse_json

MAX_BODY_BYTES = 8192


def widget_cors(
    response: HttpResponse,
    origin: str | None,
    *,
    methods: str = "POST, OPTIONS",
    headers: str = "Content-Type",
) -> HttpResponse:
    # The caller's own origin, never "*", and never with credentials: the endpoint uses no
    # cookies, so letting any page *send* a request grants nothing. What protects an inbox is
    # the allowlist check on the request itself; a refused page may read why it was refused,
    # so its widget can stop instead of retrying.
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = methods
        response["Access-Control-Allow-Headers"] = headers
        response["Access-Control-Expose-Headers"] = "Retry-After"
        response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


def _error(
    code: str, message: str, status: int, origin: str | None, retry_after: int | None = None
) -> HttpResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return widget_cors(response, origin)


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


class _Identity(BaseModel):
    """A customer logged in on the company's site, vouched for by ``hash`` (docs/widget.md)."""

    id: Annotated[Line, Field(min_length=1, max_length=200)]
    hash: Annotated[StrictStr, Field(pattern=r"^[0-9a-fA-F]{64}$")]
    name: Annotated[Line, Field(max_length=200)] | None = None
    email: Annotated[Line, Field(max_length=254)] | None = None


class _SessionRequest(BaseModel):
    """The session endpoint's body (docs/widget-protocol.md, part 1). Unknown keys are ignored,
    so an older server accepts a newer widget's request."""

    inbox: Annotated[Line, Field(min_length=1, max_length=64)]
    visitor: Annotated[Line, Field(max_length=128)] | None = None
    identity: _Identity | None = None
    language: Annotated[Line, Field(max_length=64)] | None = None
    # The visitor's IANA time zone (Intl.DateTimeFormat().resolvedOptions().timeZone).
    time_zone: Annotated[Line, Field(max_length=64)] | None = None


def _parse_body(request: HttpRequest) -> _SessionRequest:
    """The validated body, or InvalidInput with the reason."""
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidInput(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    body = parse_json(request.body)
    if not isinstance(body, dict):
        raise InvalidInput("Send a JSON object with an 'inbox' key.")
    try:
        return _SessionRequest.model_validate(body)
    except ValidationError as error:
        raise InvalidInput(first_error(error)) from error


@csrf_exempt  # cross-origin JSON without cookies; authorised by the inbox's origin allowlist
@require_http_methods(["POST", "OPTIONS"])
def widget_session(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        # Preflight carries no body, so no inbox key to check against; the POST is checked.
        return widget_cors(HttpResponse(status=204), origin)

    verdict = ratelimit.hit([(ratelimit.per_minute("session_ip"), _client_ip(request))])
    if not verdict.allowed:
        message = "Too many sessions; try again shortly."
        return _error("rate_limited", message, 429, origin, retry_after=verdict.retry_after)
    try:
        body = _parse_body(request)
    except InvalidInput as refusal:
        return _error("bad_request", str(refusal), 400, origin)
    identity = body.identity.model_dump(exclude_none=True) if body.identity else None
    try:
        session = services.session_start(
            inbox_key=body.inbox,
            origin=origin,
            visitor_secret=body.visitor or None,
            identity=identity,
            language=body.language,
            time_zone=body.time_zone,
        )
    except services.ChatError as error:
        return _error(error.code, error.message, error.status, origin)
    payload = {
        "token": session.token,
        "expires_in": tokens.SESSION_TOKEN_MAX_AGE,
        "visitor": session.visitor_secret,
        "ws_url": "/ws/widget/",
        "language": session.language,
        "inbox": {
            "name": session.inbox.public_name,
            "greeting": session.greeting,
            "bot_enabled": session.inbox.bot_enabled,
            "color": session.inbox.color,
            # Relative to this server, as ws_url is.
            "avatar_url": avatar_path(session.inbox),
        },
        "contact": {"name": session.contact.name, "email": session.contact.email},
        # The team and the expected reply time, for the widget's header.
        "team": availability.widget_payload(
            availability.team_status(session.inbox.pk),
            language=session.language,
            time_zone=session.contact.time_zone,
        ),
    }
    return widget_cors(JsonResponse(payload), origin)
