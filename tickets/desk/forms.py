"""The desk's forms. Every text field applies the shared text rules (assistant/formfields.py):
NUL, other control characters and lone surrogates are a form error, never a database error."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assistant.chat.services import MAX_MESSAGE_CHARS
from assistant.formfields import TextField, validate_line
from tickets.models import Team, Ticket

# PostgreSQL bigint: a larger id is not an id.
MAX_ID = 2**63 - 1


class ReplyForm(forms.Form):
    text = TextField(max_length=MAX_MESSAGE_CHARS, strip=True)


class NoteForm(forms.Form):
    text = TextField(max_length=10_000, strip=True)


class QueueFilterForm(forms.Form):
    """A queue's filter bar (query parameters), every field optional."""

    inbox = forms.IntegerField(label=_("Inbox"), required=False, min_value=1, max_value=MAX_ID)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", ""), *Ticket.Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
        # Django's message quotes the value, which in a hand-edited link may be invisible
        # (a control character) or long: name the choices instead.
        error_messages={"invalid_choice": _("Choose one of the priorities in the list.")},
    )
    q = TextField(label=_("Search"), single_line=True, required=False, max_length=200)


class TicketFieldsForm(forms.Form):
    """The ticket panel: every field optional, so one select can be changed at a time."""

    status = forms.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices, coerce=int, required=False, empty_value=None
    )
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    tags = TextField(
        single_line=True, required=False, max_length=500, help_text=_("Comma-separated")
    )

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
    contact_name = TextField(single_line=True, max_length=200)
    contact_email = forms.EmailField(validators=[validate_line])
    subject = TextField(single_line=True, max_length=250)
    description = TextField(widget=forms.Textarea, required=False, max_length=10_000)
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices, coerce=int, initial=Ticket.Priority.NORMAL
    )

    def __init__(self, *args: object, inboxes: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inbox"].queryset = inboxes
