from django.apps import AppConfig


class TicketsConfig(AppConfig):
    """The human side: tickets, their audit trail, teams, agents, the desk."""

    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from assistant.chat import availability as chat_availability
        from assistant.compliance import holders
        from tickets import availability, receivers
        from tickets.personal_data import TicketData

        receivers.connect()
        # Retention, export and erasure reach tickets, notes and webhook payloads through it.
        holders.register(TicketData())
        # Chat asks about business hours, presence and the wait through this hook.
        chat_availability.register(availability.inbox_status)
