"""The relay endpoint: a mail relay posts one raw message per request (docs/email.md).

``POST /mail/inbound/<address or id>/`` with the raw MIME as the body (``message/rfc822`` or
``application/octet-stream``) and ``Authorization: Bearer <relay key>``. 202: stored (processing
follows); 200: stored before (a relay's retry, or the same mail fetched by IMAP); 400 empty body;
401 missing or wrong key; 404 no such enabled address; 413 larger than MAIL_MAX_MESSAGE_BYTES
(nothing stored: the relay tells its sender); 415 another content type; 429 too many posts.
Errors are JSON ``{"error": code, "message": text}``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from assistant.chat import ratelimit
from assistant.mail import credentials
from assistant.mail.intake import store_raw
from assistant.mail.models import InboundMail, MailAccount

ACCEPTED_TYPES = frozenset({"message/rfc822", "application/octet-stream"})


def _error(code: str, message: str, status: int, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def _account(target: str) -> MailAccount | None:
    accounts = MailAccount.objects.filter(enabled=True)
    if target.isdigit():
        return accounts.filter(pk=int(target)).first()
    return accounts.filter(address__iexact=target).first()


def _bearer(request: HttpRequest) -> str:
    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _too_large() -> JsonResponse:
    return _error(
        "too_large",
        _("The message is larger than %(n)d bytes.") % {"n": settings.MAIL_MAX_MESSAGE_BYTES},
        413,
    )


@csrf_exempt  # a relay posts with a bearer key, never with a browser's cookies
@require_POST
def relay_inbound(request: HttpRequest, target: str) -> HttpResponse:
    # Counted before the key is checked, so guessing keys is as limited as posting mail.
    limit = ratelimit.Limit("mail_relay", settings.MAIL_RELAY_PER_MINUTE, 60)
    verdict = ratelimit.hit([(limit, f"{target.lower()}:{request.META.get('REMOTE_ADDR', '')}")])
    if not verdict.allowed:
        return _error(
            "rate_limited",
            _("Too many messages; try again shortly."),
            429,
            **{"Retry-After": str(verdict.retry_after)},
        )
    account = _account(target)
    if account is None:
        return _error("not_found", _("No enabled e-mail address by that name."), 404)
    if not credentials.relay_key_matches(account, _bearer(request)):
        return _error("unauthorized", _("A valid relay key is required."), 401)
    content_type = request.content_type.lower()
    if content_type not in ACCEPTED_TYPES:
        return _error(
            "unsupported_media_type",
            _("Send the raw message as message/rfc822 or application/octet-stream."),
            415,
        )
    limit_bytes = settings.MAIL_MAX_MESSAGE_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit_bytes:
        return _too_large()
    # Read past the limit by one byte only: a body without an honest length stops there.
    raw = request.read(limit_bytes + 1)
    if len(raw) > limit_bytes:
        return _too_large()
    if not raw.strip():
        return _error("empty", _("The body is empty; send the raw message."), 400)
    inbound, created = store_raw(account=account, raw=raw, source=InboundMail.Source.RELAY)
    body = {"status": "stored" if created else "duplicate", "id": inbound.pk}
    return JsonResponse(body, status=202 if created else 200)
