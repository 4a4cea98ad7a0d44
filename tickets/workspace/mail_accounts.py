"""An inbox's e-mail address: its settings, its IMAP password and its relay key. Admins change
them (a manager of a team serving the inbox reads them); every change writes one audit row in
its own transaction, with the password and the key never in it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from assistant.chat.models import Inbox
from assistant.formfields import text_error
from assistant.mail import credentials
from assistant.mail.models import MailAccount
from tickets.workspace.audit import record_change
from tickets.workspace.permissions import SettingsRefused, require_admin

EDITABLE_FIELDS = (
    "address",
    "enabled",
    "assistant_mode",
    "signature",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_folder",
)
MAX_SIGNATURE_CHARS = 2000
MAX_LINE_CHARS = 255
# What the audit row says instead of the password itself.
PASSWORD_CHANGED = "changed"
PASSWORD_REMOVED = "removed"


def account_of(inbox: Inbox) -> MailAccount | None:
    return MailAccount.objects.filter(inbox=inbox).first()


def _line(value: Any, label: str, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if error := text_error(text, single_line=True):
        raise SettingsRefused("invalid", f"{label}: {error}")
    if required and not text:
        raise SettingsRefused("invalid", _("%(field)s cannot be empty.") % {"field": label})
    if len(text) > MAX_LINE_CHARS:
        raise SettingsRefused(
            "invalid",
            _("%(field)s: at most %(count)d characters.")
            % {"field": label, "count": MAX_LINE_CHARS},
        )
    return text


def _checked(field: str, value: Any) -> Any:
    """One field's value under its rule, or SettingsRefused saying why, in the admin's
    language."""
    if field == "address":
        address = _line(value, _("Address"), required=True).lower()
        try:
            validate_email(address)
        except ValidationError as error:
            raise SettingsRefused("invalid", _("Address: enter a valid e-mail address.")) from error
        return address
    if field == "enabled":
        return bool(value)
    if field == "assistant_mode":
        if value not in MailAccount.AssistantMode.values:
            raise SettingsRefused("invalid", _("Choose what the assistant does with e-mail."))
        return value
    if field == "imap_security":
        if value not in MailAccount.Security.values:
            raise SettingsRefused("invalid", _("Choose how the IMAP connection is secured."))
        return value
    if field == "imap_port":
        try:
            port = int(value)
        except (TypeError, ValueError):
            port = 0
        if not 1 <= port <= 65535:
            raise SettingsRefused("invalid", _("IMAP port: a number from 1 to 65535."))
        return port
    if field == "signature":
        text = str(value or "").strip()
        if error := text_error(text):
            raise SettingsRefused("invalid", f"{_('Signature')}: {error}")
        if len(text) > MAX_SIGNATURE_CHARS:
            raise SettingsRefused(
                "invalid",
                _("%(field)s: at most %(count)d characters.")
                % {"field": _("Signature"), "count": MAX_SIGNATURE_CHARS},
            )
        return text
    if field == "imap_folder":
        return _line(value, _("IMAP folder")) or "INBOX"
    if field == "imap_host":
        return _line(value, _("IMAP server")).lower()
    if field == "imap_username":
        return _line(value, _("IMAP user"))
    raise SettingsRefused("invalid", f"{field}: not a setting of the address.")


@transaction.atomic
def mail_account_save(
    *,
    inbox: Inbox,
    by: AbstractBaseUser,
    changes: Mapping[str, Any],
    password: str = "",
    remove_password: bool = False,
) -> MailAccount:
    """Create the inbox's address or change any of EDITABLE_FIELDS; fields not in ``changes``
    keep their value. ``password``: a new IMAP password (empty keeps the saved one). Nothing is
    saved unless every value passes its rule."""
    require_admin(by)
    cleaned = {field: _checked(field, value) for field, value in changes.items()}
    account = MailAccount.objects.select_for_update().filter(inbox=inbox).first()
    creating = account is None
    if account is None:
        if "address" not in cleaned:
            raise SettingsRefused("invalid", _("Address: enter a valid e-mail address."))
        account = MailAccount(inbox=inbox)
    address = cleaned.get("address")
    if address and MailAccount.objects.filter(address=address).exclude(inbox=inbox).exists():
        raise SettingsRefused("duplicate", _("Another inbox already uses this address."))
    changed = {f: v for f, v in cleaned.items() if creating or getattr(account, f) != v}
    before = {} if creating else {field: getattr(account, field) for field in changed}
    for field, value in changed.items():
        setattr(account, field, value)
    if password and (error := text_error(password, single_line=True)):
        raise SettingsRefused("invalid", f"{_('IMAP password')}: {error}")
    if password:
        changed["imap_password"] = PASSWORD_CHANGED
    elif remove_password and account.imap_password_encrypted:
        account.imap_password_encrypted = ""
        changed["imap_password"] = PASSWORD_REMOVED
    if not changed:
        return account
    account.save()
    if password:
        # Encrypted at rest by the one helper the fetcher reads it with.
        credentials.imap_password_set(account=account, password=password)
    record_change(
        actor=by,
        subject=account,
        action="created" if creating else "updated",
        before=before or None,
        after=changed,
    )
    return account


@transaction.atomic
def mail_relay_key_rotate(*, inbox: Inbox, by: AbstractBaseUser) -> str:
    """A new relay key for the inbox's address, returned once (only its hash is kept); the old
    one stops working at once."""
    require_admin(by)
    account = MailAccount.objects.select_for_update().filter(inbox=inbox).first()
    if account is None:
        raise SettingsRefused("invalid", _("Save the inbox's e-mail address first."))
    had_key = bool(account.relay_key_hash)
    key = credentials.relay_key_rotate(account=account, by=by)
    record_change(
        actor=by, subject=account, action="relay_key_rotated" if had_key else "relay_key_created"
    )
    return key
