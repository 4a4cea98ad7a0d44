"""The assistant's actions, defined in the desk's settings by managers (for the inboxes of their
teams) and admins (for every inbox). Each change is in the settings audit log, with the secret
header's value never in it: only whether one is set.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from assistant.actions import execution
from assistant.actions.models import Action
from assistant.actions.services import call_audit, secret_set
from assistant.actions.spec import ActionSpec
from assistant.privacy.outbound import CallScope
from assistant.privacy.services import privacy_settings_for
from tickets import access
from tickets.workspace.audit import record_change
from tickets.workspace.permissions import SettingsRefused

# What the audit log keeps of an action (the secret's value is not a field here).
AUDITED = (
    "inbox_id", "name", "description", "parameters", "method", "url", "secret_header_name",
    "identity_fields", "changes_data", "confirmation_text", "timeout_seconds", "enabled",
)  # fmt: skip


def manageable_actions(user: access.User) -> QuerySet[Action]:
    """The actions of the inboxes this person may configure (none for agents)."""
    if not access.is_manager(user):
        return Action.objects.none()
    return Action.objects.filter(inbox__in=access.visible_inboxes(user)).select_related("inbox")


def _require_manager(user: AbstractBaseUser, inbox_id: int) -> None:
    if not access.is_manager(user) or not access.visible_inboxes(user).filter(pk=inbox_id).exists():
        raise SettingsRefused("forbidden", "Not an inbox you manage.", status=403)


def _audited(action: Action) -> dict[str, Any]:
    shown = {field: getattr(action, field) for field in AUDITED}
    shown["secret_header"] = "set" if action.has_secret else "none"
    return shown


@transaction.atomic
def action_save(
    *, action: Action, by: AbstractBaseUser, secret_value: str = "", clear_secret: bool = False
) -> Action:
    """Create or change an action (validated by the caller's form: name, URL, schema). A new
    ``secret_value`` replaces the stored one; none keeps it, unless ``clear_secret``."""
    _require_manager(by, action.inbox_id)
    creating = action.pk is None
    before = None if creating else _audited(Action.objects.get(pk=action.pk))
    if clear_secret:
        action.secret_header_value = ""
    secret_set(action=action, value=secret_value)
    action.save()
    after = _audited(action)
    if secret_value and not creating:
        after["secret_header"] = "changed"
    if before != after:
        record_change(
            actor=by,
            subject=action,
            action="action_created" if creating else "action_updated",
            before=before,
            after=after,
        )
    return action


@transaction.atomic
def action_delete(*, action: Action, by: AbstractBaseUser) -> None:
    _require_manager(by, action.inbox_id)
    record_change(actor=by, subject=action, action="action_deleted", before=_audited(action))
    action.delete()


def action_try(
    *, action: Action, by: AbstractBaseUser, arguments: dict[str, Any], customer_id: str
) -> execution.Executed:
    """The settings' test button: one sample request, with the customer id the person typed
    (they are staff; no customer's session is involved), audited like any call."""
    _require_manager(by, action.inbox_id)
    identity = {"customer_id": customer_id} if customer_id else {}
    executed = async_to_sync(execution.execute)(ActionSpec.of(action), arguments, identity)
    scope = CallScope(action.inbox_id, None, privacy_settings_for(action.inbox_id))
    call_audit(scope=scope, action_name=action.name, executed=executed, tool_call_id="test")
    return executed
