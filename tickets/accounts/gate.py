"""Who may act as a signed-in staff member: the one rule shared by every session edge (pages,
the API's session-authenticated endpoints, the admin, the desk WebSocket). API tokens never go
through it: a token is its own credential, issued by an admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from tickets.accounts import two_factor


def session_passes(user: AbstractBaseUser, session: Any) -> bool:
    """True when this session may act as its user: no second factor is required of them, or
    the session shows one of their confirmed devices."""
    if not two_factor.two_factor_required(user):
        return True
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.confirmed and device.user_id == user.pk


# The pages a half-signed-in person needs: finishing the sign-in, setting up the authenticator,
# signing out, resetting the password. Everything else waits for the second factor.
_OPEN_PATHS = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password-reset/",
    "/accounts/reset/",
    "/accounts/two-factor/verify/",
    "/accounts/two-factor/setup/",
    "/static/",
    "/healthz",
    "/readyz",
)


class TwoFactorGate:
    """Keeps a session that has not shown a required second factor out of everything but the
    sign-in pages: pages redirect to the code (or the set-up) page, the API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(_OPEN_PATHS)
            or session_passes(user, request.session)
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "error": "two_factor_required",
                    "message": _("Finish signing in with your one-time code first."),
                },
                status=403,
            )
        page = "accounts-verify" if two_factor.has_two_factor(user) else "accounts-setup"
        return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
