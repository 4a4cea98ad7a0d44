"""The audit log as people read it: a sentence per action and only the values that changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from tickets.models import SettingsChange

ACTIONS = {
    "created": _("created"),
    "updated": _("changed"),
    "hours_set": _("opening hours changed"),
    "holiday_added": _("holiday added"),
    "holiday_removed": _("holiday removed"),
    "public_holidays_added": _("public holidays added"),
    "sla_policy_set": _("SLA targets set"),
    "invited": _("invited"),
    "deactivated": _("deactivated"),
    "reactivated": _("reactivated"),
    "canned_reply_created": _("saved reply created"),
    "canned_reply_updated": _("saved reply changed"),
    "canned_reply_deleted": _("saved reply deleted"),
    "api_token_created": _("API token created"),
    "api_token_revoked": _("API token revoked"),
    "webhook_created": _("webhook created"),
    "webhook_updated": _("webhook changed"),
    "webhook_secret_rotated": _("webhook signing secret rotated"),
    "webhook_deleted": _("webhook deleted"),
    "webhook_redelivered": _("webhook delivery sent again"),
    "identity_secret_rotated": _("identity secret rotated"),
    "avatar_changed": _("avatar changed"),
    "avatar_removed": _("avatar removed"),
    "privacy_changed": _("privacy and retention changed"),
    "action_created": _("action created"),
    "action_updated": _("action changed"),
    "action_deleted": _("action deleted"),
    "relay_key_created": _("e-mail relay key created"),
    "relay_key_rotated": _("e-mail relay key replaced"),
}
# Long lists (a year of public holidays) are summed up rather than printed in full.
MAX_LIST_ITEMS = 4


@dataclass(frozen=True)
class ReadableChange:
    change: SettingsChange
    action: str
    details: list[str]


def _show(value: Any) -> str:
    if isinstance(value, list) and len(value) > MAX_LIST_ITEMS:
        shown = ", ".join(_show(item) for item in value[:MAX_LIST_ITEMS])
        return f"{shown} … (+{len(value) - MAX_LIST_ITEMS})"
    if isinstance(value, list):
        return ", ".join(_show(item) for item in value) or "-"
    if isinstance(value, dict):
        return "; ".join(f"{key} {_show(item)}" for key, item in value.items())
    return "-" if value in (None, "") else str(value)


def _details(before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) and not isinstance(after, dict):
        return [] if before is None and after is None else [f"{_show(before)} → {_show(after)}"]
    before, after = before or {}, after or {}
    lines = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        if key in before and key in after:
            lines.append(f"{key}: {_show(old)} → {_show(new)}")
        else:
            lines.append(f"{key}: {_show(new if key in after else old)}")
    return lines


def readable(changes: Iterable[SettingsChange]) -> list[ReadableChange]:
    return [
        ReadableChange(
            change=change,
            action=str(ACTIONS.get(change.action, change.action)),
            details=_details(change.before, change.after),
        )
        for change in changes
    ]
