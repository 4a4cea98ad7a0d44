"""Inbox data protection in the desk, for managers and admins: the assistant's kill switch, and
where each inbox's data goes (every model provider, its jurisdiction, whether text is
pseudonymised first, whether the inbox's residency list allows it)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from assistant.chat.models import Conversation, Inbox
from assistant.privacy.dataflow import PURPOSE_SENDS, inbox_data_flow
from assistant.privacy.models import InboxPrivacy, OutboundCallAudit
from assistant.privacy.policy import DATA_PURPOSES, PrivacySettings
from tickets import access
from tickets.desk.decorators import desk_required
from tickets.desk.views import shell
from tickets.workspace.inboxes import inbox_switch_assistant

AUDIT_WINDOW = datetime.timedelta(days=7)


def _managed_inbox(request: HttpRequest, inbox_id: int) -> Inbox:
    if not access.is_manager(request.user):
        raise PermissionDenied
    inbox = access.visible_inboxes(request.user).filter(pk=inbox_id).first()
    if inbox is None:
        raise Http404
    return inbox


def purposes_for(inbox: Inbox) -> tuple[str, ...]:
    """The routes this inbox's data can take: its reply route (and the comparison route when a
    share of conversations goes there), then summaries, classification and embeddings."""
    replies = [inbox.model_route or "reply"]
    if inbox.model_split_percent:
        replies.append("reply_b")
    return (*replies, *(p for p in DATA_PURPOSES if p != "reply"))


@require_GET
@desk_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    if not access.is_manager(request.user):
        raise PermissionDenied
    inboxes = list(access.visible_inboxes(request.user))
    # Counted apart: joined with the teams (visible_inboxes), a count would multiply.
    talking = dict(
        Conversation.objects.filter(inbox__in=inboxes, state=Conversation.State.BOT)
        .values("inbox")
        .annotate(n=Count("id"))
        .values_list("inbox", "n")
    )
    for inbox in inboxes:
        inbox.with_assistant = talking.get(inbox.pk, 0)  # type: ignore[attr-defined]
    return render(request, "desk/privacy_inboxes.html", {**shell(request), "rows": inboxes})


@require_GET
@desk_required
def inbox_detail(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = _managed_inbox(request, inbox_id)
    row = InboxPrivacy.objects.filter(inbox=inbox).first()
    privacy = row.settings() if row is not None else PrivacySettings()
    config = settings.LLM
    purposes = purposes_for(inbox)
    hops = inbox_data_flow(config.providers, config.routes, privacy, purposes=purposes)
    since = timezone.now() - AUDIT_WINDOW
    recent_calls = (
        OutboundCallAudit.objects.filter(inbox=inbox, created_at__gte=since)
        .values("provider", "jurisdiction", "purpose", "redacted")
        .annotate(calls=Count("id"))
        .order_by("-calls")
    )
    context = {
        "inbox": inbox,
        "privacy_row": row,
        "privacy": privacy,
        "hops": hops,
        "sends": {purpose: PURPOSE_SENDS.get(purpose, "") for purpose in purposes},
        "blocked": [hop for hop in hops if not hop.allowed],
        "recent_calls": recent_calls,
        "with_assistant": Conversation.objects.filter(
            inbox=inbox, state=Conversation.State.BOT
        ).count(),
        "can_edit_settings": access.is_admin(request.user),
    }
    return render(request, "desk/privacy_inbox.html", {**shell(request), **context})


@require_POST
@desk_required
def inbox_assistant(request: HttpRequest, inbox_id: int) -> HttpResponse:
    """The kill switch: POST enabled=on|off."""
    inbox = _managed_inbox(request, inbox_id)
    choice = request.POST.get("enabled")
    if choice not in ("on", "off"):
        return HttpResponseBadRequest(_("Say whether the assistant should be on or off."))
    # Through the settings' service, so the switch is in the audit log whichever page flips it.
    handed = inbox_switch_assistant(inbox=inbox, by=request.user, enabled=choice == "on")
    if choice == "on":
        messages.success(request, _("The assistant answers new conversations again."))
    else:
        messages.warning(
            request,
            ngettext(
                "The assistant is off. %(n)d conversation went to the people's queue.",
                "The assistant is off. %(n)d conversations went to the people's queue.",
                handed,
            )
            % {"n": handed},
        )
    return redirect("desk-inbox", inbox_id=inbox.pk)
