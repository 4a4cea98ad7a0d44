"""Signing in: the password, then (for accounts with an authenticator) a one-time code.

The session is only signed in once both are shown: after the password the account's id waits
in the session for a few minutes, and nothing else of the account is reachable meanwhile."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model, login
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from assistant.chat import ratelimit
from tickets.accounts import gate, two_factor
from tickets.accounts.events import client_ip, event_record
from tickets.accounts.models import StaffEvent

LOGIN_ATTEMPTS = ratelimit.Limit("login", 10, 300)  # per IP and per username, five minutes
CODE_ATTEMPTS = ratelimit.Limit("login-code", 10, 300)  # per account and per IP
PENDING_SECONDS = 300
_PENDING = "accounts_pending_sign_in"


def form_refused_for(view: Any, wait: int, message: str) -> HttpResponse:
    """The form again with ``message``, as 429 with Retry-After: what every rate-limited form of
    sign-in and reset answers when a limit is reached."""
    form = view.get_form()
    form.add_error(None, message)
    response = view.form_invalid(form)
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response


def too_many(limits: list[tuple[ratelimit.Limit, str]]) -> int:
    """Count one attempt against each limit; the seconds to wait if one is exceeded, else 0."""
    verdict = ratelimit.hit(limits)
    return 0 if verdict.allowed else max(1, verdict.retry_after)


class PasswordStepView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = (request.POST.get("username") or "").strip().lower()[:150]
        ip = client_ip(request) or "unknown"
        wait = too_many([(LOGIN_ATTEMPTS, f"ip:{ip}"), (LOGIN_ATTEMPTS, f"user:{username}")])
        if wait:
            return form_refused_for(
                self, wait, _("Too many sign-in attempts. Try again in a few minutes.")
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not two_factor.has_two_factor(user):
            # Signed in now; if the team requires a second factor the gate sends them to set one up.
            return super().form_valid(form)
        self.request.session[_PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "until": time.time() + PENDING_SECONDS,
        }
        verify = reverse("accounts-verify")
        return redirect(f"{verify}?{urlencode({'next': self.get_redirect_url() or ''})}")


def _pending_user(request: HttpRequest) -> tuple[AbstractBaseUser | None, str | None]:
    """The account that showed its password here a moment ago, and the backend that accepted it."""
    pending = request.session.get(_PENDING)
    if not pending or pending.get("until", 0) < time.time():
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending.get("backend")


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a printable path on this site: anything else ("a b", a NUL) is not a URL that
    # `redirect` can follow, and would otherwise be looked up as a view name.
    allowed = (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )
    return target if allowed else reverse("desk-home")


def verify_code(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator, or a recovery code."""
    signed_in = request.user.is_authenticated
    user, backend = (request.user, None) if signed_in else _pending_user(request)
    if user is None:
        return redirect("login")
    if signed_in and gate.session_passes(user, request.session):
        return redirect(safe_next(request))
    if signed_in and not two_factor.has_two_factor(user):
        return redirect("accounts-setup")
    error, status = "", 200
    if request.method == "POST":
        ip = client_ip(request) or "unknown"
        wait = too_many([(CODE_ATTEMPTS, f"user:{user.pk}"), (CODE_ATTEMPTS, f"ip:{ip}")])
        device = (
            None
            if wait
            else two_factor.verify(request=request, user=user, code=request.POST.get("code", ""))
        )
        if device is not None:
            if not signed_in:
                request.session.pop(_PENDING, None)
                login(request, user, backend=backend)
            two_factor.mark_verified(request, device)
            return redirect(safe_next(request))
        if wait:
            error, status = _("Too many attempts. Try again in a few minutes."), 429
        else:
            error, status = _("That code is not right."), 200
            event_record(kind=StaffEvent.Kind.SIGN_IN_FAILED, request=request, user=user)
    return render(
        request,
        "accounts/verify.html",
        {"error": error, "next": safe_next(request)},
        status=status,
    )
