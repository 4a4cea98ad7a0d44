"""The published OpenAPI schema: only /api/v1/, and every operation documents its errors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from tickets.api.errors import ErrorSerializer, ValidationErrorSerializer

_ERROR = OpenApiResponse(ErrorSerializer, description="See docs/api.md, 'Errors'.")
_COMMON_ERRORS: dict[str, OpenApiResponse] = {
    "401": OpenApiResponse(ErrorSerializer, description="No or invalid credentials."),
    "403": OpenApiResponse(ErrorSerializer, description="The account has no role on the desk."),
    "404": OpenApiResponse(
        ErrorSerializer, description="Not found, or not visible to you (the same answer)."
    ),
    "406": _ERROR,
    "429": OpenApiResponse(ErrorSerializer, description="Rate limited; see Retry-After."),
}


class ApiSchema(AutoSchema):
    """Adds the error responses every endpoint can give, so clients and the fuzzer know them."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = dict(_COMMON_ERRORS)
        if self.method in ("POST", "PATCH", "PUT"):
            errors["400"] = OpenApiResponse(
                ValidationErrorSerializer, description="Invalid body or JSON."
            )
            errors["413"] = _ERROR
            errors["415"] = _ERROR
        elif self.method == "GET" and self._is_list_view():
            errors["400"] = OpenApiResponse(
                ValidationErrorSerializer, description="Invalid query parameter."
            )
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses


def only_api_v1(endpoints: list[tuple[str, str, str, Any]], **kwargs: Any) -> list[Any]:
    """Preprocessing hook: publish the versioned API only, whatever else uses DRF."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
