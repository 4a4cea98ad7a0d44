"""Where a customer stands when they wait for a person, asked of the human side through a hook.

Teams, business hours and who is at the desk belong to `tickets`, which `chat` must not import
(a handoff is a state change and a signal). So `tickets` registers a provider at start-up
(tickets/apps.py), as it registers its personal-data holder, and chat asks it for a
`TeamStatus`. The customer-facing sentences about the wait are written here, once, and used by
the widget's header, the handoff notice (tickets/escalation.py) and the acknowledgements of
messages written while the assistant stays quiet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import to_locale

from assistant.chat.languages import from_browser


@dataclass(frozen=True)
class TeamStatus:
    """The team behind an inbox, now. The default (no provider, no team) promises nothing."""

    # Public names of the team's people, for the widget (first names, or initials there).
    members: tuple[str, ...] = ()
    # Within the team's business hours (and not a holiday).
    open_now: bool = True
    # At least one of the team's agents has a desk tab connected and is available.
    someone_online: bool = False
    # The usual wait for a person's first reply, when someone is there to give it.
    wait_minutes: int = 5
    # When the team is back, outside business hours.
    back_at: datetime | None = None
    # The team's own time zone: the fallback for a customer whose zone is unknown.
    time_zone: str = "UTC"
    # The moment this status describes (None: now), from which "back Tuesday" is counted.
    as_of: datetime | None = None

    @property
    def answering_now(self) -> bool:
        """Only then may the customer be told that a person will reply shortly."""
        return self.open_now and self.someone_online


StatusProvider = Callable[[int], TeamStatus]
_provider: StatusProvider | None = None


def register(provider: StatusProvider) -> None:
    global _provider
    _provider = provider


def team_status(inbox_id: int) -> TeamStatus:
    return _provider(inbox_id) if _provider is not None else TeamStatus()


def _zone(name: str, fallback: str) -> ZoneInfo:
    for candidate in (name, fallback, "UTC"):
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    raise AssertionError("unreachable: UTC always exists")


# Within this many days the weekday alone says which day is meant ("back Tuesday"); further
# away (a holiday week) the date is named too.
WEEKDAY_ONLY_DAYS = 6


def back_text(status: TeamStatus, *, language: str, time_zone: str) -> str:
    """When the team is back, in the customer's time zone, written as their language writes a
    weekday and a time (Babel's CLDR data: "Dienstag, 09:00", "mardi 09:00", "火曜日 9:00",
    "Tuesday, 9:00 AM"); with the date when it is more than a few days away."""
    if status.back_at is None:
        return ""
    zone = _zone(time_zone, status.time_zone)
    local = status.back_at.astimezone(zone)
    # Babel knows every locale the product speaks, not every tag a browser may send.
    locale = to_locale(from_browser(language))
    days_away = (local.date() - (status.as_of or datetime.now(zone)).astimezone(zone).date()).days
    if days_away > WEEKDAY_ONLY_DAYS:
        day = format_skeleton("MMMMEEEEd", local, locale=locale)
    else:
        day = format_date(local, "EEEE", locale=locale)
    time = format_time(local, "short", tzinfo=zone, locale=locale)
    # The locale's own way of joining a date and a time ("{1}, {0}" in English and German).
    joined = get_datetime_format("short", locale=locale).replace("'", "")
    return joined.replace("{1}", day).replace("{0}", time)


def wait_text(
    status: TeamStatus,
    *,
    language: str,
    time_zone: str,
    email: str = "",
    assignee: str | None = None,
    by_email: bool = False,
) -> str:
    """What the customer is told about the wait for a person: "shortly" only when someone is
    at the desk within business hours; otherwise when the team is back, and the offer to get
    the answer by email (never required).

    `by_email`: the conversation is an e-mail thread. The customer reads this in their mailbox,
    so the reply comes to this e-mail, and there is no address to offer or to confirm."""
    with translation.override(language):
        if status.answering_now:
            if by_email:
                return _("A person from our team will reply to this e-mail shortly.")
            if assignee:
                return _("%(name)s from our team will reply here shortly.") % {"name": assignee}
            return _(
                "A person from our team will reply here. The wait is usually about "
                "%(minutes)d minutes."
            ) % {"minutes": status.wait_minutes}
        if not status.open_now:
            away = _("Our team is away right now and back %(when)s (your time).") % {
                "when": back_text(status, language=language, time_zone=time_zone)
            }
        elif by_email:
            away = _("Nobody from our team is online right now.")
        else:
            away = _("Nobody from our team is online right now. We'll reply as soon as someone is.")
        if by_email:
            follow_up = _("A person will reply to this e-mail as soon as they can.")
        elif email:
            follow_up = _("We'll also send the answer to %(email)s.") % {"email": email}
        else:
            follow_up = _("You can leave your email address below to get the answer by email.")
        return f"{away} {follow_up}"


def widget_payload(status: TeamStatus, *, language: str, time_zone: str) -> dict[str, Any]:
    """The team and the expected reply time, for the widget's header (docs/widget-protocol.md)."""
    with translation.override(language):
        if status.answering_now:
            reply_time = _("Usually replies in about %(minutes)d minutes") % {
                "minutes": status.wait_minutes
            }
        elif not status.open_now and status.back_at is not None:
            when = back_text(status, language=language, time_zone=time_zone)
            reply_time = _("Back %(when)s") % {"when": when}
        else:
            reply_time = _("Nobody from our team is online right now")
    return {
        "members": list(status.members),
        "answering_now": status.answering_now,
        "reply_time": reply_time,
        "ask_email": not status.answering_now,
    }
