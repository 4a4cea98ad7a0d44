"""The widget's attachment endpoints (docs/widget-protocol.md, "Attachments").

Both authenticate like the widget socket: the session token, here in an
``Authorization: Bearer`` header (never in the URL, which logs and referrers keep). Every refusal
of a download is the same bare 404, so a link to someone else's file, a forged, altered or
expired link and a deleted file cannot be told apart.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from assistant.chat import ratelimit, services, tokens
from assistant.chat.attachment_links import InvalidLink, attachment_id_from, attachment_payload
from assistant.chat.attachment_serving import attachment_response
from assistant.chat.models import Attachment, Contact
from assistant.chat.views import widget_cors

# Room for the multipart envelope around a file of the largest allowed size.
_ENVELOPE_BYTES = 64 * 1024
_CORS = {"methods": "GET, POST, OPTIONS", "headers": "Authorization"}


def _cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    return widget_cors(response, origin, **_CORS)


def _contact(request: HttpRequest) -> Contact | None:
    """The widget session's contact, from ``Authorization: Bearer <session token>``."""
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        claims = tokens.read_session_token(token.strip())
    except tokens.InvalidToken:
        return None
    return Contact.objects.filter(pk=claims.contact_id, inbox_id=claims.inbox_id).first()


def _refusal(
    code: str, message: str, status: int, origin: str | None, retry_after: int | None = None
) -> HttpResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return _cors(response, origin)


@csrf_exempt  # no cookies: the bearer token is the credential (like the session endpoint)
@require_http_methods(["POST", "OPTIONS"])
def widget_upload(request: HttpRequest) -> HttpResponse:
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), origin)
    contact = _contact(request)
    if contact is None:
        return _refusal("unauthorized", "A valid session token is required.", 401, origin)
    with translation.override(contact.language or None):
        return _upload(request, contact, origin)


def _upload(request: HttpRequest, contact: Contact, origin: str | None) -> HttpResponse:
    ip = request.META.get("REMOTE_ADDR", "unknown")
    verdict = ratelimit.hit(
        [
            (ratelimit.per_minute("upload"), str(contact.pk)),
            (ratelimit.per_minute("upload"), f"ip:{ip}"),
        ]
    )
    if not verdict.allowed:
        message = _("Too many files at once; please wait a moment.")
        return _refusal("rate_limited", message, 429, origin, retry_after=verdict.retry_after)
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.ATTACHMENT_MAX_BYTES + _ENVELOPE_BYTES:
        # Refused before the body is read or spooled to disk.
        limit = f"{settings.ATTACHMENT_MAX_BYTES / (1024 * 1024):g}"
        message = _("The file is too large (the limit is %(size)s MB).") % {"size": limit}
        return _refusal("too_large", message, 413, origin)
    upload = request.FILES.get("file")
    if upload is None:
        return _refusal("bad_request", _("Send the file in a field named 'file'."), 400, origin)
    try:
        attachment = services.customer_upload(
            contact_id=contact.pk, name=upload.name or "", data=upload.read()
        )
    except services.ChatError as refusal:
        return _refusal(refusal.code, refusal.message, refusal.status, origin)
    return _cors(JsonResponse(attachment_payload(attachment), status=201), origin)


@csrf_exempt
@require_http_methods(["GET", "OPTIONS"])
def widget_download(request: HttpRequest, token: str) -> HttpResponse:
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), origin)
    contact = _contact(request)
    attachment = _own_attachment(contact, token) if contact is not None else None
    if attachment is None:
        return _cors(HttpResponse(status=404), origin)
    return _cors(attachment_response(attachment), origin)


def _own_attachment(contact: Contact, token: str) -> Attachment | None:
    try:
        attachment_id: uuid.UUID = attachment_id_from(
            token, max_age=settings.ATTACHMENT_URL_MAX_AGE_CUSTOMER
        )
    except InvalidLink:
        return None
    return Attachment.objects.filter(
        pk=attachment_id, conversation__contact=contact, conversation__inbox_id=contact.inbox_id
    ).first()
