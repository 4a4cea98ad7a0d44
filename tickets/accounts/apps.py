from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff sign-in, password reset, two-factor authentication and the sign-in event log."""

    name = "tickets.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        from tickets.accounts import events

        events.connect()
