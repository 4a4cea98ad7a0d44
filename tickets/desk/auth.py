"""Sign-in with rate limiting: a guessing attacker gets a few tries per minute, not thousands."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from assistant.chat import ratelimit

LOGIN_ATTEMPTS = ratelimit.Limit("login", 10, 300)  # per IP and per username, five minutes


class RateLimitedLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = (request.POST.get("username") or "").strip().lower()[:150]
        ip = request.META.get("REMOTE_ADDR", "unknown")
        verdict = ratelimit.hit(
            [(LOGIN_ATTEMPTS, f"ip:{ip}"), (LOGIN_ATTEMPTS, f"user:{username}")]
        )
        if not verdict.allowed:
            form = self.get_form()
            form.add_error(None, _("Too many sign-in attempts. Try again in a few minutes."))
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(verdict.retry_after)
            return response
        return super().post(request, *args, **kwargs)
