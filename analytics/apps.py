from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Rollups and manager dashboards; reads chat and tickets, imported by nothing."""

    name = "analytics"
    verbose_name = "Analytics"
