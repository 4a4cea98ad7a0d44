"""The human side: people and teams, tickets with their audit trail, notes, canned replies."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from assistant.chat.models import Contact, Conversation, Inbox


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class Availability(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class Team(models.Model):
    """A group of agents serving some inboxes. An agent sees only the inboxes of their teams."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    inboxes = models.ManyToManyField(Inbox, related_name="teams", blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """What the desk needs to know about a person: their role, availability and capacity."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    availability = models.CharField(
        _("availability"), max_length=16, choices=Availability.choices, default=Availability.OFFLINE
    )
    # How many open conversations routing may give this agent at once.
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=5)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # The language of their desk, settings and analytics; blank follows the browser's
    # Accept-Language (tickets.accounts.language applies it).
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        default="",
        choices=[("", _("Browser default")), *settings.LANGUAGES],
    )

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    class Channel(models.TextChoices):
        CHAT = "chat", _("Chat")
        AGENT = "agent", _("Created by an agent")
        API = "api", _("API")

    OPEN_STATUSES = (Status.OPEN, Status.PENDING)

    inbox = models.ForeignKey(Inbox, on_delete=models.PROTECT, related_name="tickets")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets")
    conversation = models.OneToOneField(
        Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="ticket"
    )
    subject = models.CharField(_("subject"), max_length=250)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.CHAT
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    summary = models.TextField(_("summary"), blank=True, default="")
    sentiment = models.CharField(_("sentiment"), max_length=16, blank=True, default="")
    handoff_reason = models.CharField(_("handoff reason"), max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    # Kept in step with the SLA clocks (tickets/sla.py) so queues can sort and show them cheaply.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    next_response_due_at = models.DateTimeField(_("next response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(
                fields=["status", "assignee", "-updated_at"], name="ticket_status_assignee"
            ),
            models.Index(fields=["team", "status", "-updated_at"], name="ticket_team_status"),
            models.Index(fields=["inbox", "status", "-updated_at"], name="ticket_inbox_status"),
            GinIndex(fields=["tags"], name="ticket_tags"),
            # The analytics refresh finds changed tickets by update time.
            models.Index(fields=["updated_at"], name="ticket_updated"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class TicketEvent(models.Model):
    """The audit trail: every change to a ticket, who made it, before and after."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    # Null when the system made the change (routing, SLA, the assistant).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="ticketevent_ticket"),
            models.Index(fields=["created_at"], name="ticketevent_created"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Note(models.Model):
    """A private note on a ticket. It lives only here: nothing in chat can read it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]


class CannedReply(models.Model):
    """A saved answer. Placeholders: {customer_name}, {agent_name}, {agent_full_name}."""

    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))
    # Null: available to every team.
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="canned_replies"
    )
    # Set: a personal reply, only its owner sees it (team is then null).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


def default_weekly_hours() -> dict[str, list[list[str]]]:
    weekday = [["09:00", "17:00"]]
    return {"mon": weekday, "tue": weekday, "wed": weekday, "thu": weekday, "fri": weekday}


class BusinessCalendar(models.Model):
    """When a team works: weekly opening hours in its own time zone, plus holidays."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="calendar")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # {"mon": [["09:00", "17:00"]], ...}; a missing day is closed. "24:00" ends at midnight.
    weekly_hours = models.JSONField(_("opening hours"), default=default_weekly_hours)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return f"{self.team} ({self.time_zone})"


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True, default="")

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SLAPolicy(models.Model):
    """Targets in business minutes for tickets of one priority (and optionally one team)."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="sla_policies"
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Ticket.Priority.choices)
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    next_response_minutes = models.PositiveIntegerField(_("next response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))
    warn_before_minutes = models.PositiveIntegerField(_("warn before (minutes)"), default=15)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["team", "priority"], name="sla_policy_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team or _('All teams')}: {self.get_priority_display()}"


class SLAClock(models.Model):
    """The state of one ticket's SLA targets: when each is due, whether it was warned or
    breached, and how much time was left when the clock was paused (waiting on the customer)."""

    class Target(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        NEXT_RESPONSE = "next_response", _("Next response")
        RESOLUTION = "resolution", _("Resolution")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    target = models.CharField(max_length=32, choices=Target.choices)
    due_at = models.DateTimeField(null=True, blank=True)
    # Business minutes left when paused; due_at is null while paused.
    paused_remaining_minutes = models.FloatField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="sla_clock_unique")
        ]
        indexes = [
            models.Index(
                fields=["due_at"], name="sla_clock_due", condition=models.Q(met_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target}"


class SettingsChange(models.Model):
    """The settings audit log: who changed which team, agent or reply, and what it was before
    and after. Tickets have their own trail (TicketEvent); this one is for the workspace."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text: the actor's name must survive the actor's account being deleted.
    actor_name = models.CharField(max_length=150, blank=True, default="")
    # What was changed, e.g. "team", "agent", "canned_reply"; with its id and a readable label.
    subject_kind = models.CharField(max_length=32)
    subject_id = models.CharField(max_length=64, blank=True, default="")
    subject_label = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=48)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_kind", "subject_id"], name="settingschange_subject"),
            models.Index(fields=["created_at"], name="settingschange_created"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name}: {self.action} {self.subject_kind} {self.subject_label}"
