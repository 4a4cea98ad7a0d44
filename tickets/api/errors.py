"""One error body for the whole API: ``{"error": code, "message": text}``, plus ``errors`` (the
field messages) for validation failures. The same shape as the widget's endpoints."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text=_("A stable code, e.g. not_found, throttled."))
    message = serializers.CharField(help_text=_("A sentence for people."))


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        required=False,
        help_text=_(
            "Messages by field name (non_field_errors for the request as a whole). Absent "
            "when the body could not be read at all (error: parse_error)."
        ),
    )


class Conflict(exceptions.APIException):
    """The request is valid but the object's state forbids it (e.g. already resolved)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The object's current state does not allow this.")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _encodable(detail: Any) -> Any:
    """Error messages with lone surrogates replaced by U+FFFD.

    Some of DRF's messages quote the input ('"x" is not a valid choice.'); a lone surrogate in
    it cannot be encoded as UTF-8, and the refusal itself would become a 500.
    """
    if isinstance(detail, str):
        return _SURROGATE.sub("\ufffd", detail) if _SURROGATE.search(detail) else detail
    if isinstance(detail, dict):
        return {_encodable(key): _encodable(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_encodable(item) for item in detail]
    return detail


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Every 404 reads the same, whatever was not found and whether it exists elsewhere.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's own handling (a logged 500)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "error": "invalid",
            "message": str(_("The request is not valid; see errors.")),
            "errors": _encodable(_field_errors(exc.detail)),
        }
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes()
        detail = exc.detail
        response.data = {
            "error": code if isinstance(code, str) else exc.default_code,
            "message": _encodable(
                str(detail) if isinstance(detail, str) else str(exc.default_detail)
            ),
        }
    return response
