"""What every settings view shares: who may open the area, and how a refusal reaches the page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from tickets import access
from tickets.desk.decorators import desk_required
from tickets.desk.views import shell
from tickets.workspace.permissions import SettingsRefused


def managers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Settings are for managers and admins (as the API's settings endpoints): anonymous users
    sign in, agents and outsiders get 403."""

    @desk_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.is_manager(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def admins_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @desk_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.is_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def page_context(request: HttpRequest) -> dict[str, Any]:
    """The desk's frame plus what the settings navigation needs."""
    return {**shell(request), "is_admin": access.is_admin(request.user)}


def attempt(request: HttpRequest, change: Callable[[], Any], done: str) -> bool:
    """Run a service; its refusal becomes a message on the page (a forbidden change, 403).
    Returns whether the change was made."""
    try:
        change()
    except SettingsRefused as refusal:
        if refusal.status == 403:
            raise PermissionDenied from refusal
        messages.error(request, refusal.message)
        return False
    messages.success(request, done)
    return True


def submit(
    request: HttpRequest, form: Any, change: Callable[[dict[str, Any]], Any], done: str
) -> bool:
    """Validate a form, then run the service with its cleaned data: invalid fields and the
    service's refusal each become a message on the page. Returns whether the change was made."""
    if not form.is_valid():
        form_errors(request, form)
        return False
    return attempt(request, lambda: change(form.cleaned_data), done)


def form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
