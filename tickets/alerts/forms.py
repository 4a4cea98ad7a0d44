"""The agent's own alert choices, as the desk's "Notifications" settings page shows them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.alerts.models import AlertPreferences


class AlertPreferencesForm(forms.ModelForm):
    class Meta:
        model = AlertPreferences
        fields = (
            "on_assigned",
            "on_customer_message",
            "on_sla_warning",
            "sound",
            "title_count",
            "email_when_away",
        )
        labels = {
            "on_assigned": _("A conversation is assigned to me"),
            "on_customer_message": _("A customer writes in one of my conversations"),
            "on_sla_warning": _("One of my conversations is about to miss its target time"),
            "sound": _("Play a sound with each notification"),
            "title_count": _("Show how many conversations wait for me in the tab's title"),
            "email_when_away": _(
                "E-mail me about assignments and target times while no desk tab of mine is open"
            ),
        }

    # What happened (the kinds) and how it reaches the agent, in two groups on the page.
    kinds = ("on_assigned", "on_customer_message", "on_sla_warning")
    ways = ("sound", "title_count", "email_when_away")
