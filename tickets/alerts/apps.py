from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alerts for agents: what they asked to hear about, and how it reaches them."""

    name = "tickets.alerts"
    label = "alerts"
    verbose_name = "Agent alerts"
