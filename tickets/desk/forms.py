from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assistant.chat.services import MAX_MESSAGE_CHARS
from tickets.models import Team, Ticket


class ReplyForm(forms.Form):
    text = forms.CharField(max_length=MAX_MESSAGE_CHARS, strip=True)


class NoteForm(forms.Form):
    text = forms.CharField(max_length=10_000, strip=True)


class TicketFieldsForm(forms.Form):
    """The ticket panel: every field optional, so one select can be changed at a time."""

    status = forms.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices, coerce=int, required=False, empty_value=None
    )
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    tags = forms.CharField(required=False, max_length=500, help_text=_("Comma-separated"))

    def __init__(self, *args: object, agents: object, teams: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents
        self.fields["team"].queryset = teams

    def changes(self) -> dict[str, object]:
        """Only the fields the request actually sent."""
        data = self.cleaned_data
        sent = set(self.data)
        result: dict[str, object] = {}
        for field in ("status", "priority", "assignee", "team"):
            if field in sent and (
                data.get(field) not in (None, "") or field in ("assignee", "team")
            ):
                result[field] = data.get(field)
        if "tags" in sent:
            result["tags"] = [tag for tag in (t.strip() for t in data["tags"].split(",")) if tag]
        return result


class NewTicketForm(forms.Form):
    inbox = forms.ModelChoiceField(queryset=None)
    contact_name = forms.CharField(max_length=200)
    contact_email = forms.EmailField()
    subject = forms.CharField(max_length=250)
    description = forms.CharField(widget=forms.Textarea, required=False, max_length=10_000)
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices, coerce=int, initial=Ticket.Priority.NORMAL
    )

    def __init__(self, *args: object, inboxes: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].queryset = inboxes
