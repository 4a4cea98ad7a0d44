"""The rules an action's definition must follow, as field validators: the desk's form and the
API's serializer both run them through the model, so both refuse the same things."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The reply turn's own tool (assistant/chat/reply.py HANDOFF_TOOL): no action may take its name.
RESERVED_NAMES = frozenset({"handoff"})
# What the widget's verified identity can send (models.IdentityField; execution.IDENTITY_HEADERS).
IDENTITY_FIELD_NAMES = ("customer_id", "email", "name")


def validate_tool_name(name: str) -> None:
    if name in RESERVED_NAMES:
        raise ValidationError(_("This name is the assistant's own; choose another."))


def validate_action_url(url: str) -> None:
    """HTTPS only; plain HTTP only where the test allowance lets actions reach this machine
    (tests and the local demo: WEBHOOK_ALLOW_PRIVATE_TARGETS)."""
    if urlsplit(url.strip()).scheme.lower() != "https" and not (
        settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    ):
        raise ValidationError(_("Actions are called over HTTPS only."))


def validate_identity_fields(value: object) -> None:
    if not isinstance(value, list) or any(item not in IDENTITY_FIELD_NAMES for item in value):
        raise ValidationError(
            _("Choose among: %(names)s."), params={"names": ", ".join(IDENTITY_FIELD_NAMES)}
        )
