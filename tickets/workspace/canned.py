"""Saved replies: personal ones (their owner's alone), a team's, and shared ones for everybody.
Anyone at the desk keeps their own; a team's manager keeps the team's; admins keep them all."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tickets import access
from tickets.models import CannedReply, Team
from tickets.workspace.audit import record_change
from tickets.workspace.permissions import SettingsRefused, can_manage_team

MAX_TITLE = 120
MAX_TEXT = 5_000


def canned_replies_for(*, user: access.User, inbox_id: int) -> QuerySet[CannedReply]:
    """What this person may insert in a conversation of this inbox: shared replies, the replies
    of the teams serving the inbox, and their own."""
    return (
        CannedReply.objects.filter(
            Q(owner__isnull=True, team__isnull=True)
            | Q(owner__isnull=True, team__inboxes__id=inbox_id)
            | Q(owner=user)
        )
        .distinct()
        .order_by("title")
    )


def replies_visible_in_settings(user: access.User) -> QuerySet[CannedReply]:
    """Shared and team replies (read by all, changed by those who may), and the person's own."""
    return (
        CannedReply.objects.filter(Q(owner__isnull=True) | Q(owner=user))
        .select_related("team", "owner")
        .order_by("owner", "team__name", "title")
    )


def may_edit(user: access.User, reply: CannedReply) -> bool:
    if reply.owner_id is not None:
        return reply.owner_id == user.pk
    if reply.team_id is None:
        return access.is_admin(user)
    return can_manage_team(user, reply.team)


def _require_editable(user: access.User, reply: CannedReply) -> None:
    if not may_edit(user, reply):
        raise SettingsRefused("forbidden", "Not yours to change.", status=403)


def _checked(title: str, text: str) -> tuple[str, str]:
    title, text = title.strip(), text.strip()
    if not title or not text:
        raise SettingsRefused("invalid", _("A saved reply needs a title and a text."))
    return title[:MAX_TITLE], text[:MAX_TEXT]


@transaction.atomic
def canned_reply_create(
    *, by: AbstractBaseUser, title: str, text: str, scope: str, team: Team | None = None
) -> CannedReply:
    """``scope``: "personal", "team" (with ``team``) or "shared"."""
    if not access.is_desk_user(by):
        raise SettingsRefused("forbidden", "Not at the desk.", status=403)
    title, text = _checked(title, text)
    reply = CannedReply(title=title, text=text)
    if scope == "personal":
        reply.owner = by
    elif scope == "team" and team is not None:
        reply.team = team
    elif scope != "shared":
        raise SettingsRefused("invalid", _("Choose who the reply is for."))
    _require_editable(by, reply)
    reply.save()
    record_change(
        actor=by, subject=reply, action="canned_reply_created",
        after={"title": title, "for": scope, "team": team.name if reply.team else None},
    )  # fmt: skip
    return reply


@transaction.atomic
def canned_reply_update(
    *, reply: CannedReply, by: AbstractBaseUser, title: str, text: str
) -> CannedReply:
    _require_editable(by, reply)
    title, text = _checked(title, text)
    before = {"title": reply.title, "text": reply.text}
    after = {"title": title, "text": text}
    if before != after:
        reply.title, reply.text = title, text
        reply.save(update_fields=["title", "text"])
        record_change(
            actor=by, subject=reply, action="canned_reply_updated", before=before, after=after
        )
    return reply


@transaction.atomic
def canned_reply_delete(*, reply: CannedReply, by: AbstractBaseUser) -> None:
    _require_editable(by, reply)
    record_change(
        actor=by, subject=reply, action="canned_reply_deleted",
        before={"title": reply.title, "text": reply.text},
    )  # fmt: skip
    reply.delete()
