"""The e-mail an agent gets for an assignment or an SLA warning while no desk tab of theirs is
open (tickets.online), at most one per conversation per hour.

The hour is a Redis key per agent and conversation, claimed with SET NX EX before sending: two
workers racing on the same conversation send one e-mail, and the key expires by itself.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from assistant.kv import sync_redis
from assistant.people import staff_name
from tickets import online
from tickets.alerts.links import link_to
from tickets.alerts.models import MAILED_KINDS, Kind
from tickets.alerts.preferences import preferences_of
from tickets.models import AgentProfile, SLAClock, Ticket

MAIL_INTERVAL_SECONDS = 3600


def _claim_key(user_id: int, ticket: Ticket) -> str:
    about = ticket.conversation_id or f"ticket-{ticket.pk}"
    return f"alerts:mailed:{user_id}:{about}"


def language_of(user: AbstractBaseUser) -> str:
    """The language the agent chose for the desk, where their profile keeps one (issue 24's
    desk language); the site's language otherwise."""
    profile = AgentProfile.objects.filter(user=user).first()
    chosen = getattr(profile, "language", "") if profile is not None else ""
    return chosen or settings.LANGUAGE_CODE


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def compose(*, user: AbstractBaseUser, ticket: Ticket, kind: str, target: str) -> tuple[str, str]:
    """Subject and body, in the language active when called."""
    customer = str(ticket.contact) if ticket.contact_id else _("a customer")
    if kind == Kind.SLA_WARNING:
        labels = dict(SLAClock.Target.choices)
        subject = _("Due soon: %(subject)s") % {"subject": ticket.subject}
        what = _(
            "Your conversation with %(customer)s is about to miss its target time (%(target)s)."
        ) % {"customer": customer, "target": labels.get(target, target)}
    else:
        subject = _("Assigned to you: %(subject)s") % {"subject": ticket.subject}
        what = _("A conversation with %(customer)s was assigned to you.") % {"customer": customer}
    lines = [
        _("Hello %(name)s,") % {"name": staff_name(user)},
        "",
        what,
        _("Subject: %(subject)s") % {"subject": ticket.subject},
        "",
        _("Open it in the desk: %(link)s") % {"link": _absolute(link_to(ticket))},
        "",
        _(
            "You get this e-mail because no desk tab of yours was open; at most one per "
            "conversation per hour. Choose what you are told about: %(link)s"
        )
        % {"link": _absolute(reverse("desk-settings-notifications"))},
    ]
    return " ".join(subject.split())[:200], "\n".join(lines) + "\n"


def send_alert_email(*, user_id: int, ticket_id: int, kind: str, target: str = "") -> bool:
    """Send the alert e-mail if it is still due; returns whether one was sent."""
    if kind not in MAILED_KINDS:
        return False
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    preferences = preferences_of(user_id)
    if not (preferences.email_when_away and preferences.wants(kind)):
        return False
    if user_id in online.connected_agent_ids():
        return False  # the desk tab already showed it
    ticket = Ticket.objects.select_related("contact").filter(pk=ticket_id).first()
    # Reassigned or closed since: the alert is no longer this agent's news.
    if ticket is None or ticket.assignee_id != user_id or not ticket.is_open:
        return False
    key = _claim_key(user_id, ticket)
    if not sync_redis().set(key, "1", nx=True, ex=MAIL_INTERVAL_SECONDS):
        return False
    try:
        with translation.override(language_of(user)):
            subject, body = compose(user=user, ticket=ticket, kind=kind, target=target)
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
    except Exception:
        # Not sent: the next alert within the hour may try again.
        sync_redis().delete(key)
        raise
    return True
