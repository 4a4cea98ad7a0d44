"""HTTP side of the widget: the session endpoint (docs/widget-protocol.md, part 1)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from assistant.chat import ratelimit, services, tokens

MAX_BODY_BYTES = 8192


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    # The caller's own origin, never "*", and never with credentials: the endpoint uses no
    # cookies, so letting any page *send* a request grants nothing. What protects an inbox is
    # the allowlist check on the request itself; a refused page may read why it was refused,
    # so its widget can stop instead of retrying.
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
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
    return _cors(response, origin)


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def _parse_body(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > MAX_BODY_BYTES:
        return None
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("inbox"), str):
        return None
    return body


@csrf_exempt  # cross-origin JSON without cookies; authorised by the inbox's origin allowlist
@require_http_methods(["POST", "OPTIONS"])
def widget_session(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        # Preflight carries no body, so no inbox key to check against; the POST is checked.
        return _cors(HttpResponse(status=204), origin)

    verdict = ratelimit.hit([(ratelimit.per_minute("session_ip"), _client_ip(request))])
    if not verdict.allowed:
        message = "Too many sessions; try again shortly."
        return _error("rate_limited", message, 429, origin, retry_after=verdict.retry_after)
    body = _parse_body(request)
    if body is None:
        return _error("bad_request", "Send a JSON object with an 'inbox' key.", 400, origin)
    identity, visitor = body.get("identity"), body.get("visitor")
    if identity is not None and not isinstance(identity, dict):
        return _error("bad_request", "'identity' must be an object.", 400, origin)
    if visitor is not None and not isinstance(visitor, str):
        return _error("bad_request", "'visitor' must be a string.", 400, origin)
    try:
        session = services.session_start(
            inbox_key=body["inbox"],
            origin=origin,
            visitor_secret=visitor or None,
            identity=identity,
            language=body.get("language"),
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
            "name": session.inbox.name,
            "greeting": session.inbox.greeting,
            "bot_enabled": session.inbox.bot_enabled,
        },
        "contact": {"name": session.contact.name},
    }
    return _cors(JsonResponse(payload), origin)
