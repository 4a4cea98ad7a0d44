"""Reading and changing an agent's alert preferences."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from tickets.alerts.models import AlertPreferences

CHOICES = (
    "on_assigned",
    "on_customer_message",
    "on_sla_warning",
    "sound",
    "title_count",
    "email_when_away",
)


def preferences_of(user_id: int) -> AlertPreferences:
    """The agent's preferences; the defaults (everything on) for one who never changed them.
    Nothing is written: alerts read this on every event, most agents keep the defaults."""
    return AlertPreferences.objects.filter(user_id=user_id).first() or AlertPreferences(
        user_id=user_id
    )


def preferences_update(*, user: AbstractBaseUser, **choices: Any) -> AlertPreferences:
    unknown = set(choices) - set(CHOICES)
    if unknown:
        raise ValueError(f"Unknown alert preferences: {', '.join(sorted(unknown))}")
    preferences, _created = AlertPreferences.objects.update_or_create(
        user=user, defaults={name: bool(value) for name, value in choices.items()}
    )
    return preferences
