"""An inbox's avatar for the widget's header: public (the widget shows it on the company's
site), immutable under its versioned URL, and only ever the PNG this server encoded."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from assistant.chat.models import Inbox

ONE_YEAR = 365 * 24 * 3600


def avatar_path(inbox: Inbox) -> str:
    """The avatar's URL path, or "" when the inbox has none (the widget shows initials)."""
    if not inbox.avatar_version:
        return ""
    return reverse(
        "widget-avatar", kwargs={"inbox_key": inbox.public_key, "version": inbox.avatar_version}
    )


@require_GET
def widget_avatar(request: HttpRequest, inbox_key: str, version: str) -> HttpResponse:
    row = (
        Inbox.objects.filter(public_key=inbox_key, avatar_version=version)
        .values_list("avatar_png", flat=True)
        .first()
    )
    if not row or not version:
        raise Http404
    response = HttpResponse(bytes(row), content_type="image/png")
    # A new avatar gets a new version, so this URL's content never changes.
    response["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    # Loaded by the widget on the company's own site, another origin.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
