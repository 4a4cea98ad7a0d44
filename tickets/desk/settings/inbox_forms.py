"""The inbox settings page's forms, one per section. They only parse what was sent; the rules
(colour contrast, origins, routes, residency) are the services' (tickets/workspace/inboxes.py),
so the page and any other caller are refused alike."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assistant.chat.models import Inbox
from assistant.formfields import TextField
from assistant.privacy.models import RetentionAction
from tickets.workspace.inboxes import (
    MAX_IDLE_MINUTES,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_TOKEN_BUDGET,
    MIN_TOKEN_BUDGET,
    REPLY_ROUTES,
)


def _lines(values: list[str] | None) -> str:
    return "\n".join(values or [])


class InboxCreateForm(forms.Form):
    name = TextField(label=_("Inbox name"), max_length=MAX_NAME_CHARS, single_line=True, strip=True)


class SectionForm(forms.Form):
    """A section of the page: its fields are inbox fields of the same names."""

    @classmethod
    def for_inbox(cls, inbox: Inbox, **kwargs: Any) -> SectionForm:
        initial = {name: getattr(inbox, name) for name in cls.base_fields}
        for name in cls.list_fields:
            initial[name] = _lines(initial[name])
        return cls(initial=initial, **kwargs)

    list_fields: tuple[str, ...] = ()


class WidgetForm(SectionForm):
    name = TextField(
        label=_("Internal name"),
        max_length=MAX_NAME_CHARS,
        single_line=True,
        help_text=_("What colleagues see in the desk."),
    )
    display_name = TextField(
        label=_("Public display name"),
        max_length=MAX_NAME_CHARS,
        single_line=True,
        required=False,
        help_text=_("The widget's title. Empty: the internal name."),
    )
    color = TextField(
        label=_("Colour"),
        max_length=7,
        single_line=True,
        required=False,
        help_text=_("A hex code such as #2457d6. Empty: the widget's own blue."),
    )
    greeting = TextField(
        label=_("Greeting"),
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown to visitors who speak the greeting's language; everyone else sees the "
            "widget's default greeting in their own language. Empty: the default greeting."
        ),
    )
    default_language = forms.ChoiceField(
        label=_("Language of the greeting"),
        choices=settings.LANGUAGES,
        help_text=_("Also the language of visitors whose browser language is not known."),
    )
    allowed_origins = TextField(
        label=_("Allowed origins"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line, e.g. https://www.example.com. The widget works only on these sites."
        ),
    )
    list_fields = ("allowed_origins",)


class AssistantForm(SectionForm):
    instructions = TextField(
        label=_("Instructions"),
        max_length=MAX_TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the assistant should know about your company and how to answer."),
    )
    tone = forms.ChoiceField(label=_("Tone"), choices=Inbox.Tone.choices)
    answer_while_waiting = forms.BooleanField(
        label=_("Keep answering while the customer waits for a person"), required=False
    )
    token_budget = forms.IntegerField(
        label=_("Token budget per conversation"),
        min_value=MIN_TOKEN_BUDGET,
        max_value=MAX_TOKEN_BUDGET,
        help_text=_("Model tokens one conversation may use before a person takes over."),
    )
    idle_resolve_minutes = forms.IntegerField(
        label=_("Resolve idle conversations after (minutes)"),
        min_value=0,
        max_value=MAX_IDLE_MINUTES,
        help_text=_("0 keeps idle conversations open."),
    )


class HandoffForm(SectionForm):
    handoff_keywords = TextField(
        label=_("Handoff keywords"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, any language: a message containing one goes to a person."),
    )
    vip_to_person = forms.BooleanField(
        label=_("VIP customers go straight to a person"), required=False
    )
    list_fields = ("handoff_keywords",)


class RouteForm(SectionForm):
    model_route = forms.ChoiceField(
        label=_("Reply route"),
        choices=[(route, route) for route in REPLY_ROUTES],
        help_text=_(
            "The model chain that answers this inbox (LLM_ROUTE_REPLY or LLM_ROUTE_REPLY_B)."
        ),
    )
    model_split_percent = forms.IntegerField(
        label=_("Comparison share (%)"),
        min_value=0,
        max_value=100,
        help_text=_("New conversations answered by the other reply route, to compare the two."),
    )


SECTIONS: dict[str, type[SectionForm]] = {
    "widget": WidgetForm,
    "assistant": AssistantForm,
    "handoff": HandoffForm,
    "model": RouteForm,
}


class AvatarForm(forms.Form):
    avatar = forms.FileField(label=_("Avatar image"))


class PrivacyForm(forms.Form):
    allowed_jurisdictions = TextField(
        label=_("Allowed jurisdictions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line, e.g. Singapore. The inbox's data is sent only to providers there. "
            "Empty: anywhere. Self-hosted models always pass."
        ),
    )
    redact_internal = forms.BooleanField(
        label=_("Pseudonymise for self-hosted models too"), required=False
    )
    retention_days = forms.IntegerField(
        label=_("Keep closed conversations for (days)"),
        min_value=0,
        required=False,
        help_text=_("Empty or 0: keep forever."),
    )
    retention_action = forms.ChoiceField(
        label=_("When the period ends"), choices=RetentionAction.choices
    )

    @classmethod
    def for_privacy(cls, row: Any) -> PrivacyForm:
        return cls(
            initial={
                "allowed_jurisdictions": _lines(row.allowed_jurisdictions),
                "redact_internal": row.redact_internal,
                "retention_days": row.retention_days,
                "retention_action": row.retention_action,
            },
            auto_id="privacy-%s",
        )
