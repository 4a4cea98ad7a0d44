"""The page a verification link opens: it asks, and a button confirms (see verification.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from assistant.mail import verification


@require_http_methods(["GET", "POST"])
def verify_address(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        result = verification.email_verify(token)
    else:
        result = verification.claim_read(token)
    if isinstance(result, verification.Problem):
        # No contact to speak for: the browser's language (LocaleMiddleware) is the best guess.
        return render(request, "mail/verify.html", {"outcome": result.value}, status=400)
    contact = result.contact
    context = {
        "outcome": "verified" if request.method == "POST" else "confirm",
        "email": result.email,
        "inbox_name": contact.inbox.public_name,
    }
    # The language the visitor chatted in, which the mail that brought them here was written in.
    with translation.override(contact.language or contact.inbox.default_language):
        response = render(request, "mail/verify.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
