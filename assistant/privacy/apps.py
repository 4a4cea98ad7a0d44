from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Pseudonymisation before outbound model calls, residency, the outbound-call audit log."""

    name = "assistant.privacy"
    label = "privacy"
    verbose_name = "Data protection"

    def ready(self) -> None:
        from django.core import checks

        from .checks import check_inbox_residency

        checks.register(check_inbox_residency, checks.Tags.database)
