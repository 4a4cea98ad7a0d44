"""Who may see and do what on the human side. Every view, API endpoint and desk socket asks here.

Roles: an agent sees the inboxes of their teams; a manager also sees analytics and settings; an
admin (or a superuser) sees everything. A user without a profile is not staff of the desk at all.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from assistant.chat.models import Contact, Conversation, Inbox
from tickets.models import AgentProfile, Role, Ticket

User = AbstractBaseUser | AnonymousUser


def role_of(user: User) -> str | None:
    if not user.is_authenticated or not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    profile = AgentProfile.objects.filter(user=user).only("role").first()
    return profile.role if profile else None


def is_desk_user(user: User) -> bool:
    return role_of(user) is not None


def is_manager(user: User) -> bool:
    return role_of(user) in (Role.MANAGER, Role.ADMIN)


def is_admin(user: User) -> bool:
    return role_of(user) == Role.ADMIN


def visible_inboxes(user: User) -> QuerySet[Inbox]:
    role = role_of(user)
    if role is None:
        return Inbox.objects.none()
    if role == Role.ADMIN:
        return Inbox.objects.all()
    # Managers see every inbox of their teams like agents do; admins see all.
    return Inbox.objects.filter(teams__members=user).distinct()


def eligible_assignees(inbox: Inbox) -> QuerySet[AbstractBaseUser]:
    """People who could work this inbox (the rule of visible_inboxes, as one query): the only
    people a ticket of the inbox may be assigned to, from the desk, a bulk action or the API."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(profile__role=Role.ADMIN)
            | Q(profile__isnull=False, teams__inboxes=inbox)
        )
        .distinct()
    )


def visible_conversations(user: User) -> QuerySet[Conversation]:
    return Conversation.objects.filter(inbox__in=visible_inboxes(user))


def visible_tickets(user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(inbox__in=visible_inboxes(user))


def visible_contacts(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(inbox__in=visible_inboxes(user))


def contact_for(user: User, contact_id: uuid.UUID | str) -> Contact | None:
    """The contact if this user may see it, else None (callers answer 404 either way)."""
    try:
        return visible_contacts(user).select_related("inbox").get(pk=contact_id)
    except (Contact.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


def conversation_for(user: User, conversation_id: uuid.UUID | str) -> Conversation | None:
    """The conversation if this user may see it, else None (callers answer 404 either way)."""
    try:
        return (
            visible_conversations(user)
            .select_related("inbox", "contact", "assigned_agent")
            .get(pk=conversation_id)
        )
    except (Conversation.DoesNotExist, ValidationError, ValueError, TypeError):
        return None


def ticket_for(user: User, ticket_id: int | str) -> Ticket | None:
    try:
        return (
            visible_tickets(user)
            .select_related("inbox", "contact", "conversation", "assignee", "team")
            .get(pk=int(ticket_id))
        )
    except (Ticket.DoesNotExist, ValueError, TypeError):
        return None
