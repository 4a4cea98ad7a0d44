"""Background work of the alerts: the e-mail to an agent away from the desk."""

from __future__ import annotations

from celery import shared_task

from tickets.alerts import mail


@shared_task(name="alerts.mail_agent")
def mail_agent(user_id: int, ticket_id: int, kind: str, target: str = "") -> bool:
    """E-mail one alert if the agent has no desk tab open and was not mailed about this
    conversation within the hour. Not acknowledged late: the hour's claim is taken before
    sending, so a redone run would send nothing anyway, and a lost alert e-mail is better than
    a doubled one (the desk still shows everything)."""
    return mail.send_alert_email(user_id=user_id, ticket_id=ticket_id, kind=kind, target=target)
