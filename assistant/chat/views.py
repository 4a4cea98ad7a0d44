"""HTTP side of the widget: the session endpoint (docs/widget-protocol.md, part 1)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from assistant.chat import ratelimit, services, tokens
from assistant.chat.models import Inbox

MAX_BODY_BYTES = 8192


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    # Only ever the caller's own origin, and only once it is known to be allowed; no cookies.
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


def _error(
    code: str, message: str, status: int, origin: str | None = None, **headers: str
) -> HttpResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return _cors(response, origin)


def _origin_allowed_anywhere(origin: str | None) -> bool:
    """For preflight, which carries no body and so no inbox key: the POST checks the inbox."""
    if not origin:
        return False
    origin = origin.rstrip("/")
    return Inbox.objects.filter(allowed_origins__contains=[origin]).exists()


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


@csrf_exempt  # cross-origin JSON without cookies; authorised by the inbox's origin allowlist
@require_http_methods(["POST", "OPTIONS"])
def widget_session(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        if _origin_allowed_anywhere(origin):
            return _cors(HttpResponse(status=204), origin)
        return _error("origin_not_allowed", "This website may not use the widget.", 403)

    verdict = ratelimit.hit([(ratelimit.per_minute("session_ip"), _client_ip(request))])
    if not verdict.allowed:
        return _error(
            "rate_limited",
            "Too many sessions; try again shortly.",
            429,
            **{"Retry-After": str(verdict.retry_after)},
        )
    body = _parse_body(request)
    if body is None:
        return _error("bad_request", "Send a JSON object with an 'inbox' key.", 400)
    identity = body.get("identity")
    visitor = body.get("visitor")
    if identity is not None and not isinstance(identity, dict):
        return _error("bad_request", "'identity' must be an object.", 400)
    if visitor is not None and not isinstance(visitor, str):
        return _error("bad_request", "'visitor' must be a string.", 400)
    try:
        session = services.session_start(
            inbox_key=body["inbox"],
            origin=origin,
            visitor_secret=visitor or None,
            identity=identity,
            language=body.get("language"),
        )
    except services.ChatError as error:
        # Until the origin is known to be allowed, errors carry no CORS header: a foreign page
        # learns nothing from them.
        allowed = error.code not in ("origin_not_allowed", "unknown_inbox")
        return _error(error.code, error.message, error.status, origin if allowed else None)
    return _cors(
        JsonResponse(
            {
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
        ),
        origin,
    )


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
