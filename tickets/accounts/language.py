"""The staff side in each person's own language.

LocaleMiddleware has already picked a language from the browser's Accept-Language; a signed-in
person who chose one on their profile (the desk's Language settings) gets theirs instead, on every
page, form message and e-mail rendered for the request. The widget is untouched: it speaks the
conversation's language over its own socket, and a visitor has no profile.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from tickets.models import AgentProfile


def chosen_language(request: HttpRequest) -> str:
    """The language the signed-in person chose, or "" for the browser's."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    chosen = AgentProfile.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen or ""


class AgentLanguage:
    """Activates the signed-in person's language (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return self.get_response(request)
