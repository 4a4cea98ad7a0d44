"""An inbox's data-protection settings, and the log of everything sent to a model provider."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .detectors import (
    DEFAULT_NATIONAL_ID_COUNTRIES,
    DEFAULT_PHONE_REGIONS,
    CustomPattern,
    DetectorConfig,
)
from .policy import DATA_PURPOSES, PrivacySettings, residency_problems


def default_phone_regions() -> list[str]:
    return list(DEFAULT_PHONE_REGIONS)


def default_national_id_countries() -> list[str]:
    return list(DEFAULT_NATIONAL_ID_COUNTRIES)


def validate_string_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError(_("Enter a list of non-empty strings."))


def validate_custom_patterns(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationError(_('Enter a list of {"name": ..., "regex": ...} objects.'))
    try:
        DetectorConfig(custom_patterns=tuple(CustomPattern.from_dict(v) for v in value))
    except ValueError as error:
        raise ValidationError(str(error)) from error


def inbox_residency_problems(route: str, allowed: Sequence[str]) -> list[str]:
    """Problems of the current model configuration for an inbox's route and allowed list."""
    if not allowed:
        return []
    config = settings.LLM
    return residency_problems(
        config.providers, config.routes, allowed, purposes=(route or "reply", *DATA_PURPOSES)
    )


class RetentionAction(models.TextChoices):
    # Anonymising keeps the rows that analytics counts (states, times, ratings, model calls)
    # and removes every text and identifier; deleting removes the rows too. Either way the
    # analytics facts survive, because they hold no personal data and no foreign keys.
    ANONYMISE = "anonymise", _("Anonymise (keep the numbers, remove texts and identities)")
    DELETE = "delete", _("Delete the conversation and its ticket")


class InboxPrivacy(models.Model):
    """Data-protection settings of one inbox. An inbox without a row gets the defaults."""

    class PayloadMode(models.TextChoices):
        HASH = "hash", _("Hash only")
        REDACTED = "redacted", _("Redacted payload")

    inbox = models.OneToOneField(
        "chat.Inbox", on_delete=models.CASCADE, related_name="privacy", verbose_name=_("inbox")
    )
    allowed_jurisdictions = models.JSONField(
        _("allowed jurisdictions"),
        default=list,
        blank=True,
        validators=[validate_string_list],
        help_text=_(
            'Where this inbox\'s data may be processed, e.g. ["Singapore"] or ["China"]. '
            "Empty: anywhere. Self-hosted models always pass."
        ),
    )
    redact_internal = models.BooleanField(
        _("redact for self-hosted models too"),
        default=False,
        help_text=_("External providers are always redacted."),
    )
    custom_patterns = models.JSONField(
        _("custom patterns"),
        default=list,
        blank=True,
        validators=[validate_custom_patterns],
        help_text=_(
            'Extra values to pseudonymise, e.g. [{"name": "ORDER", "regex": "NW-\\\\d{5}"}]. '
            "Order numbers are kept unless listed here."
        ),
    )
    audit_payload_mode = models.CharField(
        _("audit log keeps"),
        max_length=16,
        choices=PayloadMode.choices,
        default=PayloadMode.HASH,
    )
    national_id_countries = models.JSONField(
        _("national identifier countries"),
        default=default_national_id_countries,
        blank=True,
        validators=[validate_string_list],
    )
    phone_regions = models.JSONField(
        _("phone number regions"),
        default=default_phone_regions,
        blank=True,
        validators=[validate_string_list],
        help_text=_("Countries whose numbers are recognised without a +country code."),
    )
    link_domains = models.JSONField(
        _("domains the assistant may link to"),
        default=list,
        blank=True,
        validators=[validate_string_list],
        help_text=_("Subdomains included. The widget's allowed origins are always included."),
    )
    retention_days = models.PositiveIntegerField(
        _("keep closed conversations for (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Counted from a conversation's last activity. Empty or 0: keep forever. Open "
            "conversations and open tickets are never touched."
        ),
    )
    retention_action = models.CharField(
        _("when the retention period ends"),
        max_length=16,
        choices=RetentionAction.choices,
        default=RetentionAction.ANONYMISE,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("inbox data protection")
        verbose_name_plural = _("inbox data protection")

    def __str__(self) -> str:
        return str(self.inbox)

    def clean(self) -> None:
        try:
            self.detector_config()
        except ValueError as error:
            raise ValidationError(str(error)) from error
        if self.inbox_id is None:
            return  # the form reports the missing inbox itself
        problems = inbox_residency_problems(self.inbox.model_route, self.allowed_jurisdictions)
        if problems:
            raise ValidationError({"allowed_jurisdictions": problems})

    @property
    def keeps_forever(self) -> bool:
        return not self.retention_days

    def detector_config(self) -> DetectorConfig:
        return DetectorConfig.build(
            phone_regions=self.phone_regions,
            national_id_countries=self.national_id_countries,
            custom_patterns=self.custom_patterns,
        )

    def settings(self) -> PrivacySettings:
        return PrivacySettings(
            allowed_jurisdictions=tuple(self.allowed_jurisdictions),
            redact_internal=self.redact_internal,
            audit_payload_mode=self.audit_payload_mode,  # type: ignore[arg-type]
            detector=self.detector_config(),
            link_domains=tuple(self.link_domains),
        )


class OutboundCallAudit(models.Model):
    """One call that sent conversation data to a model provider: what left, where to.

    Written for every provider actually tried (a fallback chain may send the same payload to two
    providers). Rows outlive their conversation and inbox (SET_NULL): the record of what left
    the system must not disappear with the data.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    inbox = models.ForeignKey(
        "chat.Inbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inbox"),
    )
    conversation = models.ForeignKey(
        "chat.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conversation"),
    )
    provider = models.CharField(_("provider"), max_length=64)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=128, blank=True, default="")
    hosting = models.CharField(_("hosting"), max_length=16, blank=True, default="")
    model = models.CharField(_("model"), max_length=128, blank=True, default="")
    purpose = models.CharField(_("purpose"), max_length=32)
    outcome = models.CharField(_("outcome"), max_length=32, blank=True, default="")
    redacted = models.BooleanField(
        _("redacted"), default=True, help_text=_("False for exempt self-hosted providers.")
    )
    payload_sha256 = models.CharField(_("payload SHA-256"), max_length=64)
    payload_chars = models.PositiveIntegerField(_("payload size (characters)"), default=0)
    # Only when the inbox's mode is "redacted" and the payload was redacted: never raw text.
    redacted_payload = models.TextField(_("redacted payload"), blank=True, default="")
    redaction_counts = models.JSONField(_("redactions by kind"), default=dict, blank=True)

    class Meta:
        verbose_name = _("outbound model call")
        verbose_name_plural = _("outbound model calls")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at"], name="outbound_created"),
            models.Index(fields=["inbox", "-created_at"], name="outbound_inbox_created"),
            models.Index(fields=["provider", "-created_at"], name="outbound_provider_created"),
            models.Index(fields=["conversation"], name="outbound_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} -> {self.provider} ({self.jurisdiction or '?'})"

    @property
    def redaction_total(self) -> int:
        return sum(int(v) for v in (self.redaction_counts or {}).values())


class AnonymisedConversation(models.Model):
    """Marks a conversation whose texts and identities retention has removed, so later runs
    skip it at the cost of an index probe instead of re-reading its messages."""

    conversation = models.OneToOneField(
        "chat.Conversation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="anonymisation",
    )
    anonymised_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("anonymised conversation")
        verbose_name_plural = _("anonymised conversations")

    def __str__(self) -> str:
        return f"{self.conversation_id} @ {self.anonymised_at}"


class RightsRecord(models.Model):
    """One export or erasure of a contact's data: who did it, when, why, and how much.

    It holds no personal data of the contact: the contact is named only by a keyed hash of its
    id (rights.contact_reference), so the record can answer "was contact X erased, and when?"
    for someone who knows the id, and cannot be read back into an identity by anyone else.
    """

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASURE = "erasure", _("Erasure")

    class Channel(models.TextChoices):
        DESK = "desk", _("Desk")
        API = "api", _("API")
        COMMAND = "command", _("Command")

    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The actor's user name as it was, so the record survives the account's deletion.
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True, default="")
    inbox = models.ForeignKey(
        "chat.Inbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inbox"),
    )
    contact_reference = models.CharField(_("contact reference (keyed hash)"), max_length=64)
    reason = models.TextField(_("reason"), blank=True, default="")
    counts = models.JSONField(_("rows by kind"), default=dict, blank=True)

    class Meta:
        verbose_name = _("contact data request")
        verbose_name_plural = _("contact data requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["contact_reference"], name="rights_contact_reference"),
            models.Index(fields=["-created_at"], name="rights_created"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {self.contact_reference[:12]} ({self.created_at:%Y-%m-%d})"
        )
