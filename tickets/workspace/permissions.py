"""Who may change which settings. Admins change everything; a manager is the lead of the teams
they belong to and changes those teams' hours, holidays, SLA policies and shared replies."""

from __future__ import annotations

from django.db.models import QuerySet

from assistant.errors import Refused
from tickets import access
from tickets.models import Team


class SettingsRefused(Refused):
    """A settings change this person may not make (403), or one that breaks a rule (400)."""


def manageable_teams(user: access.User) -> QuerySet[Team]:
    if access.is_admin(user):
        return Team.objects.all()
    if access.is_manager(user):
        return Team.objects.filter(members=user)
    return Team.objects.none()


def can_manage_team(user: access.User, team: Team) -> bool:
    return manageable_teams(user).filter(pk=team.pk).exists()


def require_admin(user: access.User) -> None:
    if not access.is_admin(user):
        raise SettingsRefused("forbidden", "Only an admin may change this.", status=403)


def require_team_lead(user: access.User, team: Team) -> None:
    if not can_manage_team(user, team):
        raise SettingsRefused("forbidden", "Only an admin or this team's manager may.", status=403)
