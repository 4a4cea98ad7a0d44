"""Password reset by e-mail with Django's views, rate-limited per address and per client.

Django's form already answers the same for an unknown address (it sends nothing and shows the
same page), so the answer never says whether an account exists. The limits count every address
typed, known or not, for the same reason."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from assistant.chat import ratelimit
from tickets.accounts.events import client_ip, event_record
from tickets.accounts.models import StaffEvent
from tickets.accounts.signin import form_refused_for, too_many

RESETS_PER_ADDRESS = ratelimit.Limit("password-reset-address", 3, 3600)
RESETS_PER_CLIENT = ratelimit.Limit("password-reset-ip", 10, 3600)


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = (request.POST.get("email") or "").strip().lower()[:254]
        ip = client_ip(request) or "unknown"
        wait = too_many([(RESETS_PER_ADDRESS, f"to:{address}"), (RESETS_PER_CLIENT, f"ip:{ip}")])
        if wait:
            return form_refused_for(self, wait, _("Too many reset requests. Try again later."))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        event_record(
            kind=StaffEvent.Kind.PASSWORD_RESET_REQUESTED,
            request=self.request,
            username=form.cleaned_data["email"],
        )
        return super().form_valid(form)


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        event_record(kind=StaffEvent.Kind.PASSWORD_RESET, request=self.request, user=form.user)
        return response
