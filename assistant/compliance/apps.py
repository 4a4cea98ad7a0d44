from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Rights, retention and evaluation over the privacy app's records (no models of its own)."""

    name = "assistant.compliance"
    label = "compliance"
    verbose_name = "Data protection: rights and retention"
