from django.apps import AppConfig


class TicketsConfig(AppConfig):
    """The human side: tickets, their audit trail, teams, agents, the desk."""

    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from assistant.compliance import holders
        from tickets import receivers
        from tickets.personal_data import TicketData

        receivers.connect()
        # Retention, export and erasure reach tickets, notes and webhook payloads through it.
        holders.register(TicketData())
