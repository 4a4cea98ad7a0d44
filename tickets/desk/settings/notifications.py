"""The agent's own notifications: which alerts they get, and how (tickets.alerts)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tickets.alerts.forms import AlertPreferencesForm
from tickets.alerts.preferences import preferences_of, preferences_update
from tickets.desk.decorators import desk_required
from tickets.desk.settings.common import attempt, form_errors, page_context


@require_http_methods(["GET", "POST"])
@desk_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = AlertPreferencesForm(request.POST)
        if form.is_valid():
            attempt(
                request,
                lambda: preferences_update(user=request.user, **form.cleaned_data),
                _("Notification settings saved."),
            )
        else:
            form_errors(request, form)
        return redirect("desk-settings-notifications")
    form = AlertPreferencesForm(instance=preferences_of(request.user.pk))
    context = {
        "form": form,
        "kinds": [form[name] for name in form.kinds],
        "ways": [form[name] for name in form.ways],
    }
    return render(request, "desk/settings/notifications.html", {**page_context(request), **context})
