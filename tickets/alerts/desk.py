"""What every desk page gives desk.js for the alerts: the agent's choices, the count to show
before the socket is up, and the texts of the notifications in the page's language."""

from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from django.utils.translation import gettext as _

from tickets.alerts.preferences import preferences_of
from tickets.alerts.waiting import waiting_count


def alert_strings() -> dict[str, str]:
    """Notification titles by kind; "%s" is the ticket's subject."""
    return {
        "assigned": _("Assigned to you"),
        "customer_message": _("New customer message"),
        "sla_warning": _("Due soon: answer before its target time"),
    }


def page_context(user_id: int) -> dict[str, Any]:
    preferences = preferences_of(user_id)
    return {
        "waiting": waiting_count(user_id),
        "titleCount": preferences.title_count,
        "sound": static("desk/alert.wav") if preferences.sound else "",
        "strings": alert_strings(),
    }
