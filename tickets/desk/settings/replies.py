"""Saved replies: everyone at the desk keeps their own; managers and admins the shared ones."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets import access
from tickets.desk.decorators import desk_required
from tickets.desk.settings import forms
from tickets.desk.settings.common import attempt, form_errors, page_context, submit
from tickets.models import CannedReply
from tickets.workspace import canned as services
from tickets.workspace.permissions import manageable_teams


def _new_form(request: HttpRequest, data: object = None) -> forms.NewCannedReplyForm:
    return forms.NewCannedReplyForm(
        data,
        teams=manageable_teams(request.user),
        may_share=access.is_admin(request.user),
        auto_id="new-%s",
    )


@require_GET
@desk_required
def reply_list(request: HttpRequest) -> HttpResponse:
    rows = [
        (
            reply,
            services.may_edit(request.user, reply)
            and forms.CannedReplyForm(
                initial={"title": reply.title, "text": reply.text}, auto_id=f"r{reply.pk}-%s"
            ),
        )
        for reply in services.replies_visible_in_settings(request.user)
    ]
    context = {"rows": rows, "new_form": _new_form(request)}
    return render(request, "desk/settings/replies.html", {**page_context(request), **context})


@require_POST
@desk_required
def reply_create(request: HttpRequest) -> HttpResponse:
    form = _new_form(request, request.POST)
    if form.is_valid():
        audience = form.cleaned_data["audience"]
        team = None
        if audience.startswith("team:"):
            team = manageable_teams(request.user).filter(pk=audience[5:]).first()
        attempt(
            request,
            lambda: services.canned_reply_create(
                by=request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                scope="team" if team else audience,
                team=team,
            ),
            _("Saved reply created."),
        )
    else:
        form_errors(request, form)
    return redirect("desk-settings-replies")


def _visible(request: HttpRequest, reply_id: int) -> CannedReply:
    reply = services.replies_visible_in_settings(request.user).filter(pk=reply_id).first()
    if reply is None:  # somebody else's personal reply looks like a missing one
        raise Http404
    return reply


@require_POST
@desk_required
def reply_update(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _visible(request, reply_id)
    submit(
        request,
        forms.CannedReplyForm(request.POST),
        lambda data: services.canned_reply_update(reply=reply, by=request.user, **data),
        _("Saved reply changed."),
    )
    return redirect("desk-settings-replies")


@require_POST
@desk_required
def reply_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _visible(request, reply_id)
    attempt(
        request,
        lambda: services.canned_reply_delete(reply=reply, by=request.user),
        _("Saved reply deleted."),
    )
    return redirect("desk-settings-replies")
