"""Inboxes: how the widget looks and greets, where it may be embedded, how the assistant behaves,
and where the inbox's data may go. Admins change them; a manager of a team serving the inbox may
only switch the assistant on or off (as on the "Inboxes & data" page). Every change writes one
audit row in its own transaction."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assistant.chat import services as chat
from assistant.chat.models import Inbox, new_identity_secret
from assistant.formfields import text_error
from assistant.privacy.models import InboxPrivacy, RetentionAction, inbox_residency_problems
from tickets import access
from tickets.workspace import inbox_rules
from tickets.workspace.audit import record_change
from tickets.workspace.avatars import reencoded_avatar
from tickets.workspace.permissions import SettingsRefused, require_admin

REPLY_ROUTES = chat.REPLY_ROUTES
LANGUAGES = {code for code, _name in settings.LANGUAGES}
MAX_NAME_CHARS = 80
MAX_TEXT_CHARS = 4000
MAX_RETENTION_DAYS = 36_500
# A budget below one short answer's prompt would hand every conversation over at once.
MIN_TOKEN_BUDGET = 2_000
MAX_TOKEN_BUDGET = 2_000_000
MAX_IDLE_MINUTES = 30 * 24 * 60


def _line(value: Any, *, label: str, required: bool = False) -> str:
    text = str(value or "").strip()
    if error := text_error(text, single_line=True):
        raise SettingsRefused("invalid", f"{label}: {error}")
    if required and not text:
        raise SettingsRefused("invalid", _("%(field)s cannot be empty.") % {"field": label})
    if len(text) > MAX_NAME_CHARS:
        raise SettingsRefused(
            "invalid",
            _("%(field)s: at most %(count)d characters.")
            % {"field": label, "count": MAX_NAME_CHARS},
        )
    return text


def _text(value: Any, *, label: str) -> str:
    text = str(value or "").strip()
    if error := text_error(text):
        raise SettingsRefused("invalid", f"{label}: {error}")
    if len(text) > MAX_TEXT_CHARS:
        raise SettingsRefused(
            "invalid",
            _("%(field)s: at most %(count)d characters.")
            % {"field": label, "count": MAX_TEXT_CHARS},
        )
    return text


def _lines(value: Any) -> list[str]:
    return str(value or "").splitlines() if isinstance(value, str) else [str(v) for v in value]


def _checked(field: str, value: Any) -> Any:
    """One field's value under its rule; the rule for every field an admin may change."""
    match field:
        case "name":
            return _line(value, label=_("Internal name"), required=True)
        case "display_name":
            return _line(value, label=_("Public display name"))
        case "color":
            return inbox_rules.checked_color(str(value or ""))
        case "greeting":
            return _text(value, label=_("Greeting"))
        case "default_language":
            if value not in LANGUAGES:
                raise SettingsRefused("invalid", _("Choose one of the product's languages."))
            return value
        case "allowed_origins":
            return inbox_rules.checked_origins(_lines(value))
        case "instructions":
            return _text(value, label=_("Instructions"))
        case "tone":
            if value not in Inbox.Tone.values:
                raise SettingsRefused("invalid", _("Choose one of the tones."))
            return value
        case "handoff_keywords":
            return inbox_rules.checked_keywords(_lines(value))
        case "vip_to_person" | "answer_while_waiting":
            return bool(value)
        case "model_route":
            if value not in REPLY_ROUTES:
                raise SettingsRefused("invalid", _("Choose one of the reply routes."))
            return value
        case "model_split_percent":
            return _whole_number(value, low=0, high=100, label=_("Comparison share"))
        case "token_budget":
            return _whole_number(
                value, low=MIN_TOKEN_BUDGET, high=MAX_TOKEN_BUDGET, label=_("Token budget")
            )
        case "idle_resolve_minutes":
            return _whole_number(
                value, low=0, high=MAX_IDLE_MINUTES, label=_("Resolve idle conversations after")
            )
        case _:
            raise SettingsRefused("invalid", f"{field} is not an inbox setting.")


EDITABLE_FIELDS = (
    "name",
    "display_name",
    "color",
    "greeting",
    "default_language",
    "allowed_origins",
    "instructions",
    "tone",
    "handoff_keywords",
    "vip_to_person",
    "answer_while_waiting",
    "model_route",
    "model_split_percent",
    "token_budget",
    "idle_resolve_minutes",
)


def _whole_number(value: Any, *, low: int, high: int, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise SettingsRefused(
            "invalid",
            _("%(field)s: a whole number from %(low)d to %(high)d.")
            % {"field": label, "low": low, "high": high},
        )
    return number


@transaction.atomic
def inbox_create(*, name: str, by: AbstractBaseUser) -> Inbox:
    require_admin(by)
    name = _checked("name", name)
    if Inbox.objects.filter(name__iexact=name).exists():
        raise SettingsRefused("duplicate", _("There is already an inbox with this name."))
    inbox = Inbox.objects.create(name=name)
    record_change(actor=by, subject=inbox, action="created", after={"name": name})
    return inbox


@transaction.atomic
def inbox_update(*, inbox: Inbox, by: AbstractBaseUser, changes: Mapping[str, Any]) -> Inbox:
    """Change any of EDITABLE_FIELDS; fields not in ``changes`` keep their value. Nothing is
    saved unless every value passes its rule."""
    require_admin(by)
    # Compared with the row as it is under the lock, not as the caller last read it.
    Inbox.objects.select_for_update().filter(pk=inbox.pk).values_list("pk").get()
    inbox.refresh_from_db()
    cleaned = {field: _checked(field, value) for field, value in changes.items()}
    name = cleaned.get("name")
    if name and Inbox.objects.filter(name__iexact=name).exclude(pk=inbox.pk).exists():
        raise SettingsRefused("duplicate", _("There is already an inbox with this name."))
    changed = {f: v for f, v in cleaned.items() if getattr(inbox, f) != v}
    if not changed:
        return inbox
    if "model_route" in changed or "model_split_percent" in changed:
        _refuse_routes_outside_residency(inbox, changed)
    before = {field: getattr(inbox, field) for field in changed}
    for field, value in changed.items():
        setattr(inbox, field, value)
    inbox.save(update_fields=list(changed))
    record_change(actor=by, subject=inbox, action="updated", before=before, after=changed)
    return inbox


def _refuse_routes_outside_residency(inbox: Inbox, changed: Mapping[str, Any]) -> None:
    """A new reply route must stay within the jurisdictions the inbox allows: the same check the
    privacy settings make when the jurisdictions change."""
    privacy = InboxPrivacy.objects.filter(inbox=inbox).first()
    if privacy is None or not privacy.allowed_jurisdictions:
        return
    route = changed.get("model_route", inbox.model_route)
    split = changed.get("model_split_percent", inbox.model_split_percent)
    routes = {route, *([r for r in REPLY_ROUTES if r != route] if split else [])}
    problems = [
        problem
        for checked in sorted(routes)
        for problem in inbox_residency_problems(checked, privacy.allowed_jurisdictions)
    ]
    if problems:
        raise SettingsRefused("residency", " ".join(dict.fromkeys(problems)))


def inbox_switch_assistant(*, inbox: Inbox, by: AbstractBaseUser, enabled: bool) -> int:
    """The assistant's switch, for admins and the managers of a team serving the inbox. Off
    hands every conversation the assistant holds to the people's queue; returns how many."""
    if not access.is_manager(by) or not access.visible_inboxes(by).filter(pk=inbox.pk).exists():
        raise SettingsRefused("forbidden", _("Only an admin or a manager of this inbox may."), 403)
    with transaction.atomic():
        was = (
            Inbox.objects.select_for_update().values_list("bot_enabled", flat=True).get(pk=inbox.pk)
        )
        handed = chat.inbox_set_assistant(inbox_id=inbox.pk, enabled=enabled)
        if was != enabled:
            record_change(
                actor=by,
                subject=inbox,
                action="updated",
                before={"bot_enabled": was},
                after={"bot_enabled": enabled},
            )
    inbox.bot_enabled = enabled
    return handed


@transaction.atomic
def inbox_rotate_identity_secret(*, inbox: Inbox, by: AbstractBaseUser) -> str:
    """A new identity secret, returned once for the admin to copy: the audit row says that it
    changed, never what it is. Customer ids signed with the old secret stop verifying at once."""
    require_admin(by)
    secret = new_identity_secret()
    Inbox.objects.filter(pk=inbox.pk).update(identity_secret=secret)
    inbox.identity_secret = secret
    record_change(actor=by, subject=inbox, action="identity_secret_rotated")
    return secret


@transaction.atomic
def inbox_set_avatar(*, inbox: Inbox, by: AbstractBaseUser, upload: bytes) -> Inbox:
    require_admin(by)
    png = reencoded_avatar(upload)
    version = secrets.token_hex(4)
    Inbox.objects.filter(pk=inbox.pk).update(avatar_png=png, avatar_version=version)
    inbox.avatar_png, inbox.avatar_version = png, version
    record_change(actor=by, subject=inbox, action="avatar_changed")
    return inbox


@transaction.atomic
def inbox_remove_avatar(*, inbox: Inbox, by: AbstractBaseUser) -> Inbox:
    require_admin(by)
    if not inbox.avatar_version:
        return inbox
    Inbox.objects.filter(pk=inbox.pk).update(avatar_png=None, avatar_version="")
    inbox.avatar_png, inbox.avatar_version = None, ""
    record_change(actor=by, subject=inbox, action="avatar_removed")
    return inbox


def privacy_of(inbox: Inbox) -> InboxPrivacy:
    """The inbox's privacy row, or an unsaved one with the defaults."""
    return InboxPrivacy.objects.filter(inbox=inbox).first() or InboxPrivacy(inbox=inbox)


PRIVACY_FIELDS = ("allowed_jurisdictions", "redact_internal", "retention_days", "retention_action")


@transaction.atomic
def inbox_set_privacy(
    *,
    inbox: Inbox,
    by: AbstractBaseUser,
    allowed_jurisdictions: list[str],
    redact_internal: bool,
    retention_days: int | None,
    retention_action: str,
) -> InboxPrivacy:
    """Residency (where the inbox's data may be processed) and retention (how long closed
    conversations are kept). Jurisdictions the configured model routes would break are refused,
    as the privacy model's own check says."""
    require_admin(by)
    if retention_days is not None:
        retention_days = _whole_number(
            retention_days, low=0, high=MAX_RETENTION_DAYS, label=_("Retention")
        )
    if retention_action not in RetentionAction.values:
        raise SettingsRefused("invalid", _("Choose what happens when the retention period ends."))
    row = privacy_of(inbox)
    before = {field: getattr(row, field) for field in PRIVACY_FIELDS}
    after = {
        "allowed_jurisdictions": list(
            dict.fromkeys(j.strip() for j in allowed_jurisdictions if j.strip())
        ),
        "redact_internal": bool(redact_internal),
        "retention_days": retention_days or None,
        "retention_action": retention_action,
    }
    if after == before and row.pk is not None:
        return row
    for field, value in after.items():
        setattr(row, field, value)
    try:
        row.full_clean()
    except ValidationError as error:
        raise SettingsRefused("invalid", " ".join(error.messages)) from error
    row.save()
    changed = [field for field in PRIVACY_FIELDS if before[field] != after[field]]
    record_change(
        actor=by,
        subject=inbox,
        action="privacy_changed",
        before={f: before[f] for f in changed},
        after={f: after[f] for f in changed},
    )
    return row
