"""The assistant's e-mail drafts in the desk ("draft" mode): an agent sends one as it is or
edited, or discards it. Plain forms that come back to the conversation with a notice, so they
work without JavaScript; the rules are the service's (assistant.mail.drafts)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assistant.mail import drafts
from tickets import access
from tickets.desk.decorators import desk_required


class DraftSendForm(forms.Form):
    # Absent: the draft goes as the assistant wrote it.
    text = forms.CharField(required=False, strip=True, max_length=drafts.MAX_DRAFT_CHARS)


def _back(conversation_id: str) -> HttpResponse:
    return redirect("desk-conversation", conversation_id=conversation_id)


@require_GET
@desk_required
def drafts_fragment(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """The conversation's open drafts, for the page to refresh when the assistant wrote one."""
    conversation = access.conversation_for(request.user, conversation_id)
    if conversation is None:
        raise Http404
    context = {"mail_drafts": list(drafts.open_drafts(conversation.pk))}
    return render(request, "desk/_mail_drafts.html", context)


@require_POST
@desk_required
def send(request: HttpRequest, conversation_id: str, draft_id: int) -> HttpResponse:
    conversation = access.conversation_for(request.user, conversation_id)
    if conversation is None:
        raise Http404
    form = DraftSendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reply is too long."))
        return _back(conversation_id)
    edited = form.cleaned_data["text"] if "text" in request.POST else None
    try:
        drafts.draft_send(
            draft_id=draft_id, conversation_id=conversation.pk, text=edited, by=request.user
        )
    except drafts.DraftRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The answer is on its way to the customer by e-mail."))
    return _back(conversation_id)


@require_POST
@desk_required
def discard(request: HttpRequest, conversation_id: str, draft_id: int) -> HttpResponse:
    conversation = access.conversation_for(request.user, conversation_id)
    if conversation is None:
        raise Http404
    try:
        drafts.draft_discard(draft_id=draft_id, conversation_id=conversation.pk, by=request.user)
    except drafts.DraftRefused as refused:
        messages.error(request, str(refused.message))
    else:
        messages.success(request, _("The draft was discarded. Nothing was sent."))
    return _back(conversation_id)
