"""The desk's Language page: each person picks the language of their own desk, settings and
analytics (or follows their browser). Every desk user may open it, for themselves only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tickets.desk.decorators import desk_required
from tickets.desk.settings.common import form_errors, page_context
from tickets.models import AgentProfile
from tickets.workspace.preferences import agent_language_set


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of your desk"),
        choices=AgentProfile._meta.get_field("language").choices,
        required=False,
        widget=forms.RadioSelect,
    )


@require_http_methods(["GET", "POST"])
@desk_required
def language_settings(request: HttpRequest) -> HttpResponse:
    profile = AgentProfile.objects.filter(user=request.user).first()
    current = profile.language if profile else ""
    if request.method == "POST":
        form = LanguageForm(request.POST)
        if form.is_valid():
            language = form.cleaned_data["language"]
            agent_language_set(user=request.user, language=language)
            # The confirmation is read on the next page, which is already in the new language.
            with translation.override(language or translation.get_language_from_request(request)):
                messages.success(request, _("Your desk's language is saved."))
            return redirect("desk-settings-language")
        form_errors(request, form)
    context = {"form": LanguageForm(initial={"language": current}), "current": current}
    return render(request, "desk/settings/language.html", {**page_context(request), **context})
