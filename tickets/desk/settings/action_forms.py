"""The forms of the actions' settings page (assistant/actions): what an action calls, what the
model is told, and the test button's sample."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assistant.actions.models import Action, IdentityField
from assistant.chat.models import Inbox
from assistant.formfields import TextField


class JSONObjectField(forms.CharField):
    """A JSON object typed in a text area."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, dict):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return super().prepare_value(value)

    def to_python(self, value: Any) -> dict[str, Any]:
        text = super().to_python(value).strip()
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValidationError(_("This is not valid JSON: %(e)s"), params={"e": error}) from None
        if not isinstance(data, dict):
            raise ValidationError(_("Write a JSON object, in braces."))
        return data


class ActionForm(forms.ModelForm):
    """An action; its secret header's value is write-only: typed here, never shown again."""

    parameters = JSONObjectField(
        label=_("Parameters (JSON Schema)"),
        required=False,
        help_text=Action._meta.get_field("parameters").help_text,
    )
    identity_fields = forms.MultipleChoiceField(
        label=_("Verified identity sent"),
        choices=IdentityField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Sent as X-Customer-Id / -Email / -Name headers from the widget's HMAC identity; "
            "the model never chooses them. An action that sends any runs only for signed-in "
            "customers."
        ),
    )
    secret_value = forms.CharField(
        label=_("Secret header value"),
        required=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Write-only: stored encrypted, never shown again. Leave empty to keep it."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)

    class Meta:
        model = Action
        fields = [
            "inbox", "name", "description", "parameters", "method", "url", "secret_header_name",
            "identity_fields", "changes_data", "confirmation_text", "timeout_seconds", "enabled",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, inboxes: QuerySet[Inbox], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].queryset = inboxes
        self.fields["inbox"].empty_label = None


class ActionTestForm(forms.Form):
    """The test button: sample arguments and a sample customer id."""

    arguments = JSONObjectField(label=_("Sample arguments (JSON)"), required=False)
    customer_id = TextField(
        label=_("Sample customer id"), max_length=200, single_line=True, strip=True, required=False
    )


class OpenAPIImportForm(forms.Form):
    """One operation of a pasted OpenAPI document, to fill in a new action."""

    document = forms.CharField(
        label=_("OpenAPI document (JSON or YAML)"),
        max_length=500_000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    operation = TextField(
        label=_("Operation"),
        max_length=300,
        single_line=True,
        strip=True,
        help_text=_("Its operationId, or the method and path, such as GET /orders/{id}."),
    )
    base_url = TextField(
        label=_("Base URL"),
        max_length=2000,
        single_line=True,
        strip=True,
        required=False,
        help_text=_("Leave empty to use the document's first server."),
    )
