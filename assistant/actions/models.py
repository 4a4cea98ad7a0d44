"""An action the assistant may call for an inbox, and the record of every call it made."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assistant.actions.schema import validate_parameters_schema
from assistant.actions.validators import (
    validate_action_url,
    validate_identity_fields,
    validate_tool_name,
)
from assistant.netguard import validate_url_shape

# The tool name the model sees: what the OpenAI-compatible tools API accepts, in lower case.
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class IdentityField(models.TextChoices):
    """What the widget's verified identity (HMAC) says about the customer, sent as headers."""

    CUSTOMER_ID = "customer_id", _("Customer id (signed by your site)")
    EMAIL = "email", _("E-mail (sent with the signed id)")
    NAME = "name", _("Name (sent with the signed id)")


class Action(models.Model):
    """An HTTPS endpoint of the company's own systems, offered to the reply model as a tool."""

    class Method(models.TextChoices):
        GET = "GET", "GET"
        POST = "POST", "POST"
        PUT = "PUT", "PUT"
        PATCH = "PATCH", "PATCH"
        DELETE = "DELETE", "DELETE"

    inbox = models.ForeignKey("chat.Inbox", on_delete=models.CASCADE, related_name="actions")
    name = models.CharField(
        _("name"),
        max_length=64,
        validators=[
            RegexValidator(
                NAME_PATTERN,
                _("Lower-case letters, digits and underscores, starting with a letter."),
            ),
            validate_tool_name,
        ],
        help_text=_("The tool name the model sees, such as order_status."),
    )
    description = models.TextField(
        _("description for the model"),
        help_text=_("When to use it and what it returns; the model reads this."),
    )
    parameters = models.JSONField(
        _("parameters (JSON Schema)"),
        default=dict,
        blank=True,
        validators=[validate_parameters_schema],
        help_text=_("A JSON Schema object describing the arguments the model fills in."),
    )
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default="GET")
    url = models.CharField(
        _("endpoint URL"),
        max_length=2000,
        validators=[validate_url_shape, validate_action_url],
        help_text=_("HTTPS. {name} in the path is filled with that argument."),
    )
    secret_header_name = models.CharField(
        _("secret header name"), max_length=100, blank=True, default=""
    )
    # Encrypted (assistant/actions/secrets.py); never rendered, logged or returned by the API.
    secret_header_value = models.TextField(blank=True, default="", editable=False)
    identity_fields = models.JSONField(
        _("identity sent"),
        default=list,
        blank=True,
        validators=[validate_identity_fields],
        help_text=_("Verified identity sent as X-Customer-* headers, never chosen by the model."),
    )
    changes_data = models.BooleanField(
        _("changes data"),
        default=False,
        help_text=_("The customer confirms each call in the chat before it runs."),
    )
    confirmation_text = models.CharField(
        _("confirmation text"),
        max_length=300,
        blank=True,
        default="",
        help_text=_(
            "What the customer is asked to confirm; {argument} is filled in, e.g. "
            "“Change the delivery address of order {order_id} to {address}?”"
        ),
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["inbox", "name"]
        constraints = [
            models.UniqueConstraint(fields=["inbox", "name"], name="action_unique_name_per_inbox")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_header_name and self.secret_header_value)

    @property
    def needs_identity(self) -> bool:
        """An action that sends who the customer is reads or changes their data: it runs only
        for a customer identified by a valid HMAC identity."""
        return bool(self.identity_fields) or self.changes_data


class ActionCall(models.Model):
    """One call the model asked for: what, with which arguments, how it ended, who confirmed."""

    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting", _("Waiting for the customer's confirmation")
        CONFIRMED = "confirmed", _("Confirmed, running")
        CANCELLED = "cancelled", _("Cancelled by the customer")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.ForeignKey(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    # Kept as it was: the record outlives a renamed or deleted action.
    action_name = models.CharField(_("action"), max_length=64)
    inbox = models.ForeignKey("chat.Inbox", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.CASCADE, related_name="action_calls"
    )
    contact = models.ForeignKey("chat.Contact", on_delete=models.CASCADE, related_name="+")
    tool_call_id = models.CharField(max_length=128, blank=True, default="")
    # The arguments as sent to the endpoint (placeholders restored): the customer's case, kept
    # with their conversation and erased with it.
    arguments = models.JSONField(_("arguments"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # Why it failed or was refused, as a code (timeout, http_500, too_large, not_signed_in...).
    outcome = models.CharField(_("outcome"), max_length=32, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # What the customer was asked to confirm (the card's text), and the message that asked.
    summary = models.CharField(_("summary"), max_length=500, blank=True, default="")
    message_seq = models.PositiveIntegerField(null=True, blank=True)
    # The endpoint's answer as the model received it (pseudonymised, capped).
    result = models.TextField(_("result"), blank=True, default="")
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("action call")
        verbose_name_plural = _("action calls")
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="actioncall_conversation"),
            models.Index(fields=["action_name", "status"], name="actioncall_name_status"),
            # Analytics reads the calls of a range.
            models.Index(fields=["created_at"], name="actioncall_created"),
        ]

    def __str__(self) -> str:
        return f"{self.action_name} ({self.status})"
