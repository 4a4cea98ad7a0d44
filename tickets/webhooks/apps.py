from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Outgoing webhooks: signed event deliveries to URLs the company configures."""

    name = "tickets.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from tickets.webhooks import receivers

        receivers.connect()
