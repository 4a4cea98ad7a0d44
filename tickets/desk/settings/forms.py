"""Settings forms. Text fields apply the shared text rules (assistant/formfields.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assistant.chat.models import Inbox
from assistant.formfields import TextField
from tickets.business_hours import DAY_KEYS
from tickets.models import Role, Team, Ticket
from tickets.workspace.agents import MAX_CAPACITY
from tickets.workspace.teams import countries

DAY_NAMES = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}


class StaffChoiceField(forms.ModelMultipleChoiceField):
    """People by the name colleagues know them by, not their username."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class TeamCreateForm(forms.Form):
    name = TextField(label=_("Team name"), max_length=120, single_line=True, strip=True)


class TeamForm(forms.Form):
    name = TextField(label=_("Team name"), max_length=120, single_line=True, strip=True)
    members = StaffChoiceField(
        label=_("Members"),
        queryset=get_user_model().objects.filter(profile__isnull=False, is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    inboxes = forms.ModelMultipleChoiceField(
        label=_("Inboxes served"),
        queryset=Inbox.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class HoursForm(forms.Form):
    """One row per weekday: open or closed, from, to."""

    time_zone = TextField(label=_("Time zone"), max_length=64, single_line=True, strip=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in DAY_KEYS:
            self.fields[f"{day}_open"] = forms.BooleanField(label=DAY_NAMES[day], required=False)
            self.fields[f"{day}_start"] = forms.TimeField(label=_("from"), required=False)
            self.fields[f"{day}_end"] = forms.TimeField(label=_("to"), required=False)

    @staticmethod
    def initial_for(time_zone: str, weekly_hours: dict[str, list[list[str]]]) -> dict[str, Any]:
        initial: dict[str, Any] = {"time_zone": time_zone}
        for day in DAY_KEYS:
            intervals = weekly_hours.get(day) or []
            initial[f"{day}_open"] = bool(intervals)
            start, end = intervals[0] if intervals else ("09:00", "17:00")
            initial[f"{day}_start"], initial[f"{day}_end"] = start, end
        return initial

    def days(self) -> list[tuple[str, Any, Any, Any]]:
        return [
            (DAY_NAMES[d], self[f"{d}_open"], self[f"{d}_start"], self[f"{d}_end"])
            for d in DAY_KEYS
        ]

    def weekly_hours(self) -> dict[str, list[list[str]]]:
        """The open days as the calendar stores them ({"mon": [["09:00", "17:00"]]})."""
        hours: dict[str, list[list[str]]] = {}
        for day in DAY_KEYS:
            if not self.cleaned_data.get(f"{day}_open"):
                continue
            start: datetime.time | None = self.cleaned_data.get(f"{day}_start")
            end: datetime.time | None = self.cleaned_data.get(f"{day}_end")
            if start is None or end is None:
                continue
            hours[day] = [[start.strftime("%H:%M"), end.strftime("%H:%M")]]
        return hours

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for day in DAY_KEYS:
            if data.get(f"{day}_open") and not (
                data.get(f"{day}_start") and data.get(f"{day}_end")
            ):
                self.add_error(f"{day}_start", _("Give the opening and closing time."))
        return data


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = TextField(label=_("Name"), max_length=120, single_line=True, strip=True, required=False)


class PublicHolidaysForm(forms.Form):
    country = forms.ChoiceField(
        label=_("Country"), choices=lambda: [("", _("Choose a country")), *countries()]
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class SLAForm(forms.Form):
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Ticket.Priority.choices, coerce=int
    )
    first_response_minutes = forms.IntegerField(
        label=_("First response (business minutes)"), min_value=1, max_value=525_600
    )
    next_response_minutes = forms.IntegerField(
        label=_("Next response (business minutes)"), min_value=1, max_value=525_600
    )
    resolution_minutes = forms.IntegerField(
        label=_("Resolution (business minutes)"), min_value=1, max_value=525_600
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AgentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    capacity = forms.IntegerField(
        label=_("Capacity (open conversations at once)"), min_value=0, max_value=MAX_CAPACITY
    )


class CannedReplyForm(forms.Form):
    title = TextField(label=_("Title"), max_length=120, single_line=True, strip=True)
    text = TextField(
        label=_("Text"),
        max_length=5_000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Placeholders: {customer_name}, {agent_name}, {agent_full_name}."),
    )


class NewCannedReplyForm(CannedReplyForm):
    """``for``: personal, shared with everybody, or one team's (choices set per person)."""

    audience = forms.ChoiceField(label=_("Who can use it"))

    def __init__(self, *args: Any, teams: Any = (), may_share: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("personal", _("Only me"))]
        choices += [(f"team:{team.pk}", _("Team %(name)s") % {"name": team.name}) for team in teams]
        if may_share:
            choices.append(("shared", _("Everybody")))
        self.fields["audience"].choices = choices
