"""What each agent wants to be alerted about, and how."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What happened that an agent may want to hear about."""

    ASSIGNED = "assigned", _("A conversation is assigned to me")
    CUSTOMER_MESSAGE = "customer_message", _("A customer writes in a conversation of mine")
    SLA_WARNING = "sla_warning", _("A conversation of mine is about to miss its target time")


# The kinds worth an e-mail when the agent is away from the desk: a customer's every message
# would flood the inbox, and the desk's count shows those as soon as the agent is back.
MAILED_KINDS = frozenset({Kind.ASSIGNED, Kind.SLA_WARNING})


class AlertPreferences(models.Model):
    """One row per agent, made with the defaults (everything on) the first time it is read."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preferences"
    )
    on_assigned = models.BooleanField(_("assignments to me"), default=True)
    on_customer_message = models.BooleanField(
        _("customer messages in my conversations"), default=True
    )
    on_sla_warning = models.BooleanField(
        _("target time warnings on my conversations"), default=True
    )
    sound = models.BooleanField(_("play a sound"), default=True)
    title_count = models.BooleanField(_("count in the tab title"), default=True)
    email_when_away = models.BooleanField(_("e-mail me while no desk tab is open"), default=True)

    class Meta:
        verbose_name = _("alert preferences")
        verbose_name_plural = _("alert preferences")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, f"on_{kind}"))
