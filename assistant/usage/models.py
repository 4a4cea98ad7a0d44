"""One row per call to a model provider."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelCall(models.Model):
    """One call to a model provider: what it cost, how fast it was, how it ended."""

    class Purpose(models.TextChoices):
        REPLY = "reply", _("Reply")
        SUMMARY = "summary", _("Summary")
        CLASSIFICATION = "classification", _("Classification")
        EMBEDDINGS = "embeddings", _("Embeddings")
        SUGGESTION = "suggestion", _("Suggested reply")

    # String references: the records layer points at conversations without importing chat.
    inbox = models.ForeignKey(
        "chat.Inbox", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conversation = models.ForeignKey(
        "chat.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="model_calls",
    )
    message = models.ForeignKey(
        "chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    provider = models.CharField(max_length=64)
    model = models.CharField(max_length=128)
    hosting = models.CharField(max_length=16, blank=True, default="")
    jurisdiction = models.CharField(max_length=64, blank=True, default="")
    region = models.CharField(max_length=64, blank=True, default="")
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cached_input_tokens = models.PositiveIntegerField(default=0)
    # Unknown (null) when the model has no price on file, never a made-up zero.
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    time_to_first_token_ms = models.FloatField(null=True, blank=True)
    duration_ms = models.FloatField(default=0)
    outcome = models.CharField(max_length=32)
    fallback_used = models.BooleanField(default=False)
    error_kind = models.CharField(max_length=64, blank=True, default="")
    # What the output checks did with the answer (assistant/privacy/guardrails.py): "" shown,
    # "replace" (abusive or off-brand: the customer got the safe message), "handoff" (an
    # unsupported commitment: a person confirms). The findings name the checks that fired
    # ("abuse:insult", "commitment:refund", "link:removed"), never the words themselves.
    guardrail = models.CharField(max_length=16, blank=True, default="")
    guardrail_findings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table it was created in, when model calls were part of chat.
        db_table = "chat_modelcall"
        verbose_name = _("model call")
        verbose_name_plural = _("model calls")
        indexes = [
            models.Index(fields=["created_at"], name="modelcall_created"),
            models.Index(
                fields=["provider", "model", "created_at"], name="modelcall_provider_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.provider}/{self.model} {self.outcome}"
