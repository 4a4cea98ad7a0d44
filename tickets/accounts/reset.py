"""Password reset by e-mail with Django's views, rate-limited per address and per client.

The answer never says whether an account exists: the page is the same for any address, and so
is the work done in the request. Django's view looks the address up and sends the e-mail while
the visitor waits, so a known address answers measurably later (an SMTP round trip); here the
request only queues a Celery task with the address typed (tickets.accounts.tasks), which does
the lookup and the sending. The limits count every address typed, known or not, for the same
reason."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assistant.chat import ratelimit
from tickets.accounts.events import client_ip, event_record
from tickets.accounts.models import StaffEvent
from tickets.accounts.signin import form_refused_for, too_many
from tickets.accounts.tasks import send_password_reset

RESETS_PER_ADDRESS = ratelimit.Limit("password-reset-address", 3, 3600)
RESETS_PER_CLIENT = ratelimit.Limit("password-reset-ip", 10, 3600)


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        address = (request.POST.get("email") or "").strip().lower()[:254]
        ip = client_ip(request) or "unknown"
        wait = too_many([(RESETS_PER_ADDRESS, f"to:{address}"), (RESETS_PER_CLIENT, f"ip:{ip}")])
        if wait:
            return form_refused_for(self, wait, _("Too many reset requests. Try again later."))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        event_record(
            kind=StaffEvent.Kind.PASSWORD_RESET_REQUESTED, request=self.request, username=email
        )
        domain = get_current_site(self.request).domain
        use_https = self.request.is_secure()
        language = get_language()
        # The same for every address: one task queued, no lookup, nothing sent from here. (The
        # task reads nothing this request writes, so it need not wait for a commit.)
        send_password_reset.delay(email, domain, use_https, language)
        return HttpResponseRedirect(self.get_success_url())


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        event_record(kind=StaffEvent.Kind.PASSWORD_RESET, request=self.request, user=form.user)
        return response
