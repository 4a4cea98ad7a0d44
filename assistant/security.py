"""A strict Content-Security-Policy for the staff pages (desk, analytics, sign-in).

No inline script and no inline style attributes: customer and model text shown to agents can
then never run as code, even if an escaping bug let markup through. The pages load their
scripts and styles from our own static files only (htmx and Chart.js are vendored).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

STAFF_PREFIXES = ("/desk/", "/analytics/", "/accounts/")

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class StaffContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(STAFF_PREFIXES):
            response.setdefault("Content-Security-Policy", POLICY)
        return response
