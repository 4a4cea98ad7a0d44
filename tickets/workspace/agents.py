"""Agents: invited by e-mail with a link to set their password, given a role and a capacity,
and deactivated (their open work goes back to the queue)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from assistant.chat import services as chat
from assistant.people import staff_name
from tickets import services as ticket_services
from tickets.models import AgentProfile, Availability, Role, Team, Ticket
from tickets.workspace.audit import record_change
from tickets.workspace.permissions import SettingsRefused, require_admin

MAX_CAPACITY = 100


def invitation_path(user: AbstractBaseUser) -> str:
    """The set-password link's path. Django's password-reset token: it stops working once the
    password is set (the token hashes the password) and after PASSWORD_RESET_TIMEOUT."""
    return reverse(
        "accept-invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def _send_invitation(*, user: AbstractBaseUser, site_url: str, invited_by: str) -> None:
    context = {
        "link": site_url.rstrip("/") + invitation_path(user),
        "invited_by": invited_by,
        "user": user,
    }
    send_mail(
        subject=_("You are invited to the support desk"),
        message=render_to_string("desk/settings/invitation_email.txt", context),
        from_email=None,  # DEFAULT_FROM_EMAIL
        recipient_list=[user.email],
    )


@transaction.atomic
def agent_invite(
    *,
    email: str,
    role: str,
    teams: Sequence[Team],
    by: AbstractBaseUser,
    site_url: str,
) -> AbstractBaseUser:
    """Create the account (no usable password yet) and e-mail a set-password link after commit.
    ``site_url`` is where the link points (the desk's own address, as the inviter reached it)."""
    require_admin(by)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise SettingsRefused("invalid", _("Enter a valid e-mail address.")) from None
    if role not in Role.values:
        raise SettingsRefused("invalid", _("Unknown role."))
    users = get_user_model()
    if (
        users.objects.filter(email__iexact=email).exists()
        or users.objects.filter(username__iexact=email).exists()
    ):
        raise SettingsRefused("duplicate", _("Someone with this e-mail address is already here."))
    user = users.objects.create_user(username=email, email=email, password=None)
    AgentProfile.objects.create(user=user, role=role)
    for team in teams:
        team.members.add(user)
    record_change(
        actor=by, subject=user, action="invited",
        after={"email": email, "role": role, "teams": sorted(t.pk for t in teams)},
    )  # fmt: skip
    transaction.on_commit(
        partial(_send_invitation, user=user, site_url=site_url, invited_by=staff_name(by))
    )
    return user


@transaction.atomic
def agent_update(
    *, user: AbstractBaseUser, by: AbstractBaseUser, role: str, capacity: int
) -> AgentProfile:
    require_admin(by)
    if role not in Role.values:
        raise SettingsRefused("invalid", _("Unknown role."))
    if not 0 <= capacity <= MAX_CAPACITY:
        raise SettingsRefused(
            "invalid", _("Capacity is between 0 and %(max)d.") % {"max": MAX_CAPACITY}
        )
    if user.pk == by.pk and role != Role.ADMIN:
        raise SettingsRefused("own_role", _("You cannot take away your own admin role."))
    profile, _created = AgentProfile.objects.select_for_update().get_or_create(user=user)
    before = {"role": profile.role, "capacity": profile.capacity}
    after = {"role": role, "capacity": capacity}
    if before != after:
        profile.role, profile.capacity = role, capacity
        profile.save(update_fields=["role", "capacity"])
        record_change(actor=by, subject=user, action="updated", before=before, after=after)
    return profile


@transaction.atomic
def agent_deactivate(*, user: AbstractBaseUser, by: AbstractBaseUser) -> int:
    """The person can no longer sign in; the conversations and tickets they held go back to
    the queue, unassigned. Returns how many conversations went back."""
    require_admin(by)
    if user.pk == by.pk:
        raise SettingsRefused("own_account", _("You cannot deactivate yourself."))
    if not user.is_active:
        return 0
    user.is_active = False
    user.save(update_fields=["is_active"])
    AgentProfile.objects.filter(user=user).update(availability=Availability.OFFLINE)
    released = chat.agent_conversations_release(agent_id=user.pk)
    for ticket in Ticket.objects.filter(assignee=user, status__in=Ticket.OPEN_STATUSES):
        ticket_services.ticket_assign(ticket=ticket, agent=None, by=by)
    record_change(
        actor=by, subject=user, action="deactivated",
        before={"active": True}, after={"active": False, "conversations_released": len(released)},
    )  # fmt: skip
    return len(released)


@transaction.atomic
def agent_reactivate(*, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    require_admin(by)
    if user.is_active:
        return
    user.is_active = True
    user.save(update_fields=["is_active"])
    record_change(
        actor=by,
        subject=user,
        action="reactivated",
        before={"active": False},
        after={"active": True},
    )
