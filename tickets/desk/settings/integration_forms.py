"""Forms of the integrations pages (API tokens, webhooks). They only parse; the workspace
services check the rules (the SSRF policy, who may own a token)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assistant.formfields import TextField
from tickets.apitokens.models import ApiToken
from tickets.webhooks.models import Event
from tickets.workspace.api_tokens import MAX_NAME
from tickets.workspace.webhooks import MAX_DESCRIPTION, MAX_URL


class PersonChoiceField(forms.ModelChoiceField):
    """People by the name colleagues know them by, with their username to tell twins apart."""

    def label_from_instance(self, obj: Any) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class ApiTokenForm(forms.Form):
    name = TextField(
        label=_("Name"),
        max_length=MAX_NAME,
        single_line=True,
        strip=True,
        help_text=_("What the token is for, e.g. “CRM sync”."),
    )
    owner = PersonChoiceField(
        label=_("Acts as"),
        queryset=get_user_model()
        .objects.filter(is_active=True, profile__isnull=False)
        .order_by("first_name", "username"),
        help_text=_("The token sees and does what this person may at the desk."),
    )
    scope = forms.ChoiceField(label=_("Access"), choices=ApiToken.Scope.choices)


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=MAX_URL,
        assume_scheme="https",
        help_text=_("A public HTTPS address of yours; events are POSTed there as JSON."),
    )
    description = TextField(
        label=_("Description"),
        max_length=MAX_DESCRIPTION,
        single_line=True,
        strip=True,
        required=False,
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("On"), required=False, initial=True)
