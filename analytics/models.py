"""What the dashboards read: one fact row per conversation, and rollups of facts and model calls
by UTC hour and UTC day. docs/analytics.md defines every column; analytics/rollups.py keeps them.

Rollup rows are "cubes": each row belongs to one grouping level (see analytics/cube.py), and the
dimension columns that are not part of its level are NULL. Within a level, NULL in a grouped
column is a real value ("no team"). Percentile inputs and handoff reasons are kept as sparse
counts in `sparse` ({"frt_a": {"12": 3, ...}, "reason": {"customer_request": 2}}), which add up
exactly across rows, so a median over any range is exact at the histogram's resolution.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class ConversationFact(models.Model):
    """One conversation reduced to what analytics needs, recomputed whenever it changes.

    It has no foreign keys on purpose: facts (and so the dashboards' history) outlive a
    conversation deleted by retention, and analytics never blocks a delete elsewhere.
    """

    conversation_id = models.UUIDField(primary_key=True)
    created_at = models.DateTimeField()
    inbox_id = models.IntegerField()
    # Where the conversation started: "chat" or "email" (a chat continued by e-mail stays chat).
    channel = models.CharField(max_length=16, default="chat")
    language = models.CharField(max_length=16)
    topic = models.CharField(max_length=64)
    route = models.CharField(max_length=64)
    # "provider/model" of the first successful reply, "" when the assistant never answered.
    model = models.CharField(max_length=200)
    team_id = models.IntegerField(null=True)
    agent_id = models.IntegerField(null=True)
    state = models.CharField(max_length=16)
    resolved_at = models.DateTimeField(null=True)
    resolved = models.BooleanField()
    handed_off = models.BooleanField()
    handoff_reason = models.CharField(max_length=64)
    human = models.BooleanField()
    reopened = models.BooleanField()
    automated = models.BooleanField()
    csat = models.SmallIntegerField(null=True)
    frt_assistant_s = models.FloatField(null=True)
    frt_human_s = models.FloatField(null=True)
    resolution_s = models.FloatField(null=True)
    human_reply_s = ArrayField(models.FloatField(), default=list)
    sla_breaches = models.IntegerField()
    model_calls = models.IntegerField()
    tokens = models.BigIntegerField()
    cost = models.DecimalField(max_digits=18, decimal_places=8)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("conversation fact")
        indexes = [
            models.Index(fields=["created_at"], name="analytics_fact_created"),
            models.Index(fields=["inbox_id", "created_at"], name="analytics_fact_inbox"),
            models.Index(fields=["agent_id", "created_at"], name="analytics_fact_agent"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} @ {self.created_at}"


class ConversationRollup(models.Model):
    """Sums over the facts of conversations started in one period, for one grouping."""

    period = models.DateTimeField()
    level = models.PositiveSmallIntegerField()
    inbox_id = models.IntegerField(null=True)
    channel = models.CharField(max_length=16, null=True)  # noqa: DJ001
    language = models.CharField(max_length=16, null=True)  # noqa: DJ001 (NULL: not grouped)
    topic = models.CharField(max_length=64, null=True)  # noqa: DJ001
    team_id = models.IntegerField(null=True)
    agent_id = models.IntegerField(null=True)
    route = models.CharField(max_length=64, null=True)  # noqa: DJ001
    model = models.CharField(max_length=200, null=True)  # noqa: DJ001
    conversations = models.IntegerField()
    resolved = models.IntegerField()
    handed_off = models.IntegerField()
    human = models.IntegerField()
    automated = models.IntegerField()
    reopened = models.IntegerField()
    resolved_human = models.IntegerField()
    sla_breaches = models.IntegerField()
    model_calls = models.IntegerField()
    tokens = models.BigIntegerField()
    cost = models.DecimalField(max_digits=18, decimal_places=8)
    cost_human = models.DecimalField(max_digits=18, decimal_places=8)
    cost_sq = models.FloatField()
    csat_a1 = models.IntegerField()
    csat_a2 = models.IntegerField()
    csat_a3 = models.IntegerField()
    csat_a4 = models.IntegerField()
    csat_a5 = models.IntegerField()
    csat_h1 = models.IntegerField()
    csat_h2 = models.IntegerField()
    csat_h3 = models.IntegerField()
    csat_h4 = models.IntegerField()
    csat_h5 = models.IntegerField()
    sparse = models.JSONField(default=dict)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.period} level {self.level}"


class ConversationHourly(ConversationRollup):
    class Meta:
        verbose_name = _("conversation rollup by hour")
        indexes = [models.Index(fields=["level", "period"], name="analytics_convhour_lp")]


class ConversationDaily(ConversationRollup):
    class Meta:
        verbose_name = _("conversation rollup by day")
        indexes = [models.Index(fields=["level", "period"], name="analytics_convday_lp")]


class ModelCallRollup(models.Model):
    """Sums over the model calls made in one period, for one grouping."""

    period = models.DateTimeField()
    level = models.PositiveSmallIntegerField()
    inbox_id = models.IntegerField(null=True)
    # The channel of the call's conversation; NULL (a real value in a level that groups by
    # channel) for calls made outside any conversation.
    channel = models.CharField(max_length=16, null=True)  # noqa: DJ001
    route = models.CharField(max_length=64, null=True)  # noqa: DJ001
    provider = models.CharField(max_length=64, null=True)  # noqa: DJ001
    model = models.CharField(max_length=128, null=True)  # noqa: DJ001
    purpose = models.CharField(max_length=32, null=True)  # noqa: DJ001
    currency = models.CharField(max_length=3, null=True)  # noqa: DJ001
    calls = models.IntegerField()
    errors = models.IntegerField()
    fallbacks = models.IntegerField()
    input_tokens = models.BigIntegerField()
    output_tokens = models.BigIntegerField()
    cost = models.DecimalField(max_digits=18, decimal_places=8)
    unpriced = models.IntegerField()
    duration_ms = models.FloatField()
    sparse = models.JSONField(default=dict)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.period} level {self.level}"


class ModelCallHourly(ModelCallRollup):
    class Meta:
        verbose_name = _("model call rollup by hour")
        indexes = [models.Index(fields=["level", "period"], name="analytics_callhour_lp")]


class ModelCallDaily(ModelCallRollup):
    class Meta:
        verbose_name = _("model call rollup by day")
        indexes = [models.Index(fields=["level", "period"], name="analytics_callday_lp")]


class RollupState(models.Model):
    """The watermark: every change stamped before `mark` is in the rollups. A backfill that was
    interrupted resumes at `backfill_cursor` (the first month it has not finished) and hands over
    `backfill_started` as the watermark when it is done."""

    name = models.CharField(max_length=32, primary_key=True)
    mark = models.DateTimeField(null=True)
    backfill_cursor = models.DateTimeField(null=True)
    backfill_started = models.DateTimeField(null=True)
    runs = models.PositiveIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True)
    last_duration_ms = models.FloatField(null=True)
    last_touched = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("rollup state")

    def __str__(self) -> str:
        return f"{self.name} @ {self.mark}"
