"""Webhooks: where events go, and the record of every delivery and every attempt."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from assistant.netguard import validate_url_shape


class Event(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    CONVERSATION_HANDED_OFF = "conversation.handed_off", _("Conversation handed off to a human")
    CONVERSATION_RESOLVED = "conversation.resolved", _("Conversation resolved")


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Webhook(models.Model):
    """A URL that receives some events, signed with its own secret."""

    url = models.URLField(_("URL"), max_length=2000, validators=[validate_url_shape])
    # Kept in clear: it is needed to sign every delivery (like Stripe's endpoint secrets).
    secret = models.CharField(_("signing secret"), max_length=128, default=new_webhook_secret)
    events = ArrayField(
        models.CharField(max_length=64, choices=Event.choices), verbose_name=_("events")
    )
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def event_labels(self) -> list[str]:
        """The subscribed events as people read them, in the order the product lists them."""
        return [str(label) for value, label in Event.choices if value in self.events]


class WebhookDelivery(models.Model):
    """One event for one webhook. Created in the transaction of the change it reports (so a
    rolled-back change is never announced) and sent by a Celery task after commit."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    # Also the X-Assistant-Delivery header: receivers deduplicate on it.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=64, choices=Event.choices)
    # The whole JSON body sent: {"id", "event", "created_at", "data"}.
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True, default="")
    # When the next attempt is due: the sweeper re-queues pending deliveries long past it.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A worker holds the delivery until then; a second copy of the task skips it meanwhile.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="webhookdelivery_webhook"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery, kept for the admin and for support."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # The start of the receiver's answer (transport.MAX_RESPONSE_BYTES), secrets masked, kept
    # for the delivery log whatever the status: a 200 can say "ignored" too.
    response_excerpt = models.TextField(blank=True, default="")
    duration_ms = models.FloatField(default=0)
    # The back-off chosen after this attempt; null when there was no further attempt.
    retry_in_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhookattempt_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error[:40]}"
