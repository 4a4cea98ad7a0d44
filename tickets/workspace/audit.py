"""The settings audit log: one row per change, written in the change's own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model

from assistant.people import staff_name
from tickets.models import SettingsChange


def record_change(
    *,
    actor: AbstractBaseUser | None,
    subject: Model,
    action: str,
    before: Any = None,
    after: Any = None,
) -> SettingsChange:
    return SettingsChange.objects.create(
        actor=actor,
        actor_name=staff_name(actor) if actor is not None else "",
        subject_kind=subject._meta.model_name or "",
        subject_id=str(subject.pk),
        subject_label=str(subject)[:200],
        action=action,
        before=before,
        after=after,
    )
