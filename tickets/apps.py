from django.apps import AppConfig


class TicketsConfig(AppConfig):
    """The human side: tickets, their audit trail, teams, agents, the desk."""

    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from tickets import receivers

        receivers.connect()
