"""The desk's forms. Every text field applies the shared text rules (assistant/formfields.py):
NUL, other control characters and lone surrogates are a form error, never a database error."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from assistant.chat.models import Conversation
from assistant.chat.services import MAX_MESSAGE_CHARS
from assistant.formfields import TextField, validate_line
from assistant.people import staff_name
from tickets.models import Team, Ticket

# PostgreSQL bigint: a larger id is not an id.
MAX_ID = 2**63 - 1


class _MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True


class _FilesField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked on its
    content by attachment_store, not here."""

    widget = _MultipleFiles

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(_FilesField, self).clean(item, initial) for item in files]


class ReplyForm(forms.Form):
    text = TextField(max_length=MAX_MESSAGE_CHARS, strip=True, required=False)
    files = _FilesField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("text") and not cleaned.get("files"):
            raise forms.ValidationError(_("Write a reply or attach a file."), code="empty")
        return cleaned


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
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("", ""), *Conversation.Channel.choices],
        required=False,
        error_messages={"invalid_choice": _("Choose one of the channels in the list.")},
    )
    q = TextField(label=_("Search"), single_line=True, required=False, max_length=200)


class StaffChoiceField(forms.ModelChoiceField):
    """People as colleagues know them (their full names), not by their usernames."""

    def label_from_instance(self, obj: object) -> str:
        return staff_name(obj)


class TicketFieldsForm(forms.Form):
    """The ticket panel: every field optional, so one select can be changed at a time."""

    status = forms.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices, coerce=int, required=False, empty_value=None
    )
    assignee = StaffChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label=_("Unassigned")
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label=_("No team")
    )
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


class BulkActionForm(forms.Form):
    """A queue's action bar: what to do with the checked rows. The rows' ids are parsed here;
    which of them the agent may see is the view's to decide (through tickets.access)."""

    ACTIONS = (("resolve", _("Resolve")), ("assign", _("Assign")), ("tag", _("Tag")))
    UNASSIGN = "none"
    MAX_ITEMS = 200

    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.CharField(required=False, max_length=20)
    tags = TextField(single_line=True, required=False, max_length=500)

    def __init__(self, *args: object, kind: str, people: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.people = people

    def clean_assignee(self) -> object:
        value = self.cleaned_data["assignee"]
        if value in ("", self.UNASSIGN):
            return None
        try:
            return self.people.get(pk=int(value))
        except (ValueError, ObjectDoesNotExist):
            raise forms.ValidationError(_("Choose a person from the list.")) from None

    def clean(self) -> dict[str, object]:
        data = super().clean()
        action = data.get("action")
        if action == "assign" and self.data.get("assignee", "") == "":
            self.add_error("assignee", _("Choose whom to assign them to."))
        if action == "tag":
            data["tags"] = [t.strip() for t in (data.get("tags") or "").split(",") if t.strip()]
            if not data["tags"]:
                self.add_error("tags", _("Give at least one tag."))
        data["items"] = self._items()
        if not data["items"]:
            raise forms.ValidationError(_("Select at least one row."))
        return data

    def _items(self) -> list[object]:
        """The checked rows' ids that are ids at all (anything else cannot be a visible row)."""
        parse = int if self.kind == "tickets" else uuid.UUID
        ids = []
        for raw in self.data.getlist("item")[: self.MAX_ITEMS]:
            try:
                value = parse(raw)
            except ValueError:
                continue
            if isinstance(value, uuid.UUID) or 0 < value <= MAX_ID:
                ids.append(value)
        return ids
