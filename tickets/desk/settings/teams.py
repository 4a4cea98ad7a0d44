"""Teams: the list, one team's page, and the changes made from it."""

from __future__ import annotations

import zoneinfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tickets.desk.settings import forms
from tickets.desk.settings.changes import readable
from tickets.desk.settings.common import attempt, form_errors, managers_only, page_context, submit
from tickets.models import SettingsChange, SLAPolicy, Team
from tickets.workspace import permissions
from tickets.workspace import teams as services


def _team(request: HttpRequest, team_id: int) -> Team:
    """A team this person may manage; any other is 404, as a foreign ticket is."""
    team = permissions.manageable_teams(request.user).filter(pk=team_id).first()
    if team is None:
        raise Http404
    return team


@require_http_methods(["GET", "POST"])
@managers_only
def team_list(request: HttpRequest) -> HttpResponse:
    form = forms.TeamCreateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            created: list[Team] = []
            if attempt(
                request,
                lambda: created.append(
                    services.team_create(name=form.cleaned_data["name"], by=request.user)
                ),
                _("Team created."),
            ):
                return redirect("desk-settings-team", team_id=created[0].pk)
        else:
            form_errors(request, form)
        return redirect("desk-settings-teams")
    teams = permissions.manageable_teams(request.user).prefetch_related("members", "inboxes")
    context = {
        "teams": teams,
        "form": form,
        "can_create": permissions.access.is_admin(request.user),
    }
    return render(request, "desk/settings/teams.html", {**page_context(request), **context})


@require_GET
@managers_only
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    calendar = services.calendar_of(team)
    context = {
        "team": team,
        "team_form": forms.TeamForm(
            initial={
                "name": team.name,
                "members": team.members.all(),
                "inboxes": team.inboxes.all(),
            }
        ),
        "can_change_inboxes": permissions.access.is_admin(request.user),
        # Several forms share a page: each its own element ids.
        "hours_form": forms.HoursForm(
            initial=forms.HoursForm.initial_for(calendar.time_zone, calendar.weekly_hours),
            auto_id="hours-%s",
        ),
        "time_zones": sorted(zoneinfo.available_timezones()),
        "holidays": calendar.holidays.all(),
        "holiday_form": forms.HolidayForm(auto_id="holiday-%s"),
        "public_form": forms.PublicHolidaysForm(
            initial={"year": timezone.now().year}, auto_id="public-%s"
        ),
        "policies": SLAPolicy.objects.filter(team=team).order_by("-priority"),
        "sla_form": forms.SLAForm(auto_id="sla-%s"),
        "changes": readable(
            SettingsChange.objects.filter(subject_kind="team", subject_id=str(team.pk))[:20]
        ),
    }
    return render(request, "desk/settings/team.html", {**page_context(request), **context})


def _back(team: Team) -> HttpResponse:
    return redirect("desk-settings-team", team_id=team.pk)


@require_POST
@managers_only
def team_update(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    form = forms.TeamForm(request.POST)
    if not permissions.access.is_admin(request.user):
        # Managers do not see the inbox boxes; their team keeps the inboxes it has.
        form.fields["inboxes"].required = False
    if form.is_valid():
        inboxes = (
            form.cleaned_data["inboxes"]
            if permissions.access.is_admin(request.user)
            else team.inboxes.all()
        )
        attempt(
            request,
            lambda: services.team_update(
                team=team,
                by=request.user,
                name=form.cleaned_data["name"],
                members=list(form.cleaned_data["members"]),
                inboxes=list(inboxes),
            ),
            _("Team saved."),
        )
    else:
        form_errors(request, form)
    return _back(team)


@require_POST
@managers_only
def team_hours(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    form = forms.HoursForm(request.POST)
    submit(
        request,
        form,
        lambda data: services.team_set_hours(
            team=team,
            by=request.user,
            time_zone=data["time_zone"],
            weekly_hours=form.weekly_hours(),
        ),
        _("Opening hours saved."),
    )
    return _back(team)


@require_POST
@managers_only
def team_holiday_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    submit(
        request,
        forms.HolidayForm(request.POST),
        lambda data: services.holiday_add(team=team, by=request.user, **data),
        _("Holiday added."),
    )
    return _back(team)


@require_POST
@managers_only
def team_holiday_remove(request: HttpRequest, team_id: int, holiday_id: int) -> HttpResponse:
    team = _team(request, team_id)
    attempt(
        request,
        lambda: services.holiday_remove(team=team, by=request.user, holiday_id=holiday_id),
        _("Holiday removed."),
    )
    return _back(team)


@require_POST
@managers_only
def team_public_holidays(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    submit(
        request,
        forms.PublicHolidaysForm(request.POST),
        lambda data: services.public_holidays_add(team=team, by=request.user, **data),
        _("Public holidays added."),
    )
    return _back(team)


@require_POST
@managers_only
def team_sla(request: HttpRequest, team_id: int) -> HttpResponse:
    team = _team(request, team_id)
    submit(
        request,
        forms.SLAForm(request.POST),
        lambda data: services.sla_policy_set(team=team, by=request.user, **data),
        _("SLA targets saved."),
    )
    return _back(team)
