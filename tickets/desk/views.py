"""The desk's pages and actions. Thin: check access, parse the form, call one service, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assistant.actions import selectors as action_selectors
from assistant.chat import services as chat
from assistant.chat.models import Conversation
from assistant.chat.suggestions import NoGroundedDraft, draft_reply
from assistant.errors import Refused
from assistant.llm.base import ModelError
from assistant.mail.drafts import approvers, open_drafts
from assistant.usage.models import ModelCall
from tickets import access, services
from tickets.alerts import desk as alerts
from tickets.desk import queues
from tickets.desk.bulk import assignable_people
from tickets.desk.decorators import desk_required
from tickets.desk.forms import (
    NewTicketForm,
    NoteForm,
    QueueFilterForm,
    ReplyForm,
    TicketFieldsForm,
)
from tickets.models import Availability, CannedReply, Team, Ticket
from tickets.workspace.canned import canned_replies_for

PAGE_SIZE = 50
# The session key of the queue the agent last opened, and the queue shown before any.
LAST_QUEUE = "desk_queue"
DEFAULT_QUEUE = "waiting"


def desk_strings() -> dict[str, str]:
    """Texts desk.js shows, translated for this request."""
    return {
        "typing": _("%s is typing a reply in this conversation."),
        "viewing": _("%s is also viewing this conversation."),
        "customerTyping": _("%s is typing…"),
        "reconnecting": _("Reconnecting…"),
        "failed": _("Something went wrong. Please try again."),
        "selected": _("%s selected"),
    }


TRANSCRIPT_LIMIT = 500


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every desk page shows around its content."""
    profile = services.profile_for(request.user)
    return {
        "queues": queues.QUEUES,
        "counts": queues.counts(request.user),
        "profile": profile,
        "availabilities": Availability.choices,
        "is_manager": access.is_manager(request.user),
        "inboxes": access.visible_inboxes(request.user),
        "desk_strings": desk_strings(),
        "desk_alerts": alerts.page_context(request.user.pk),
    }


@require_GET
@desk_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("desk-queue", queue=DEFAULT_QUEUE)


@require_GET
@desk_required
def queue(request: HttpRequest, queue: str) -> HttpResponse:
    definition = queues.BY_SLUG.get(queue)
    if definition is None:
        raise Http404
    rows = queues.rows_in(definition, request.user)
    request.session[LAST_QUEUE] = queue
    if request.htmx and request.GET.get("pane"):
        return render(request, "desk/_queue_pane.html", _pane_context(definition, rows))
    filters = QueueFilterForm(request.GET)
    if not filters.is_valid():
        if request.htmx:
            return _form_errors(filters)
        # The page, with what was wrong and without rows: never a list the filters do not fit.
        rows = rows.none()
    else:
        rows = queues.filtered(
            rows,
            kind=definition.kind,
            inbox=filters.cleaned_data["inbox"],
            channel=filters.cleaned_data["channel"],
            priority=filters.cleaned_data["priority"],
            q=filters.cleaned_data["q"],
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "queue": definition,
        "page": page,
        "filters": request.GET,
        "filter_query": _without_page(request),
        "filter_form": filters,
        "priorities": Ticket.Priority.choices,
        "channels": Conversation.Channel.choices,
        "people": assignable_people(request.user),
    }
    if request.htmx:
        return render(request, "desk/_queue_rows.html", context)
    status = 200 if filters.is_valid() else 400
    return render(request, "desk/queue.html", {**shell(request), **context}, status=status)


def _without_page(request: HttpRequest) -> str:
    """The filter bar's query string, for the pager's links to keep every filter."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _pane_context(definition: queues.Queue, rows: QuerySet[Any]) -> dict[str, Any]:
    """The queue list beside an open conversation: the queue's first page, unfiltered."""
    return {"pane_queue": definition, "pane_rows": rows[:PAGE_SIZE]}


def _pane_queue(request: HttpRequest) -> queues.Queue:
    """The queue the agent is working through: named in the link they followed, else the one
    they last opened (kept in the session, so a takeover's redirect keeps the list)."""
    slug = request.GET.get("queue") or request.session.get(LAST_QUEUE, "")
    definition = queues.BY_SLUG.get(slug, queues.BY_SLUG[DEFAULT_QUEUE])
    request.session[LAST_QUEUE] = definition.slug
    return definition


def _form_errors(form: forms.Form) -> HttpResponse:
    """A 400 whose body lists what was wrong, for the desk's htmx error banner."""
    return HttpResponseBadRequest(" ".join(e for errors in form.errors.values() for e in errors))


def _conversation_or_404(request: HttpRequest, conversation_id: str) -> Conversation:
    conversation = access.conversation_for(request.user, conversation_id)
    if conversation is None:
        raise Http404
    return conversation


def _ticket_panel_context(
    request: HttpRequest, ticket: Ticket | None, inbox_id: int
) -> dict[str, Any]:
    teams = Team.objects.filter(inboxes__id=inbox_id)
    agents = (
        get_user_model()
        .objects.filter(teams__in=teams, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    form = None
    if ticket is not None:
        form = TicketFieldsForm(
            initial={
                "status": ticket.status,
                "priority": ticket.priority,
                "assignee": ticket.assignee_id,
                "team": ticket.team_id,
                "tags": ", ".join(ticket.tags),
            },
            agents=agents,
            teams=teams,
        )
    return {"ticket": ticket, "ticket_form": form, "agents": agents, "teams": teams}


@require_GET
@desk_required
def conversation_page(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    ticket = (
        Ticket.objects.filter(conversation=conversation).select_related("assignee", "team").first()
    )
    messages = list(
        conversation.messages.order_by("-seq").prefetch_related("attachments")[:TRANSCRIPT_LIMIT]
    )[::-1]
    # Answers the output checks changed, flagged for the agent (one query, by message).
    flagged = dict(
        ModelCall.objects.filter(conversation=conversation, message__isnull=False)
        .exclude(guardrail="")
        .values_list("message_id", "guardrail_findings")
    )
    # The assistant's action calls, each under the message it belongs to (what, arguments,
    # outcome, who confirmed).
    action_calls = action_selectors.calls_by_message(conversation.pk, messages)
    # Who approved the assistant's e-mail drafts that were sent ("draft" mode).
    approved = approvers(conversation.pk)
    for message in messages:
        message.guardrail_findings = flagged.get(message.pk)  # type: ignore[attr-defined]
        message.action_calls = action_calls.get(message.seq, [])  # type: ignore[attr-defined]
        message.approved_by = approved.get(message.pk)  # type: ignore[attr-defined]
    earlier = (
        Conversation.objects.filter(contact=conversation.contact)
        .exclude(pk=conversation.pk)
        .order_by("-created_at")[:10]
    )
    pane_queue = _pane_queue(request)
    context = {
        **shell(request),
        **_ticket_panel_context(request, ticket, conversation.inbox_id),
        **_pane_context(pane_queue, queues.rows_in(pane_queue, request.user)),
        "conversation": conversation,
        "contact": conversation.contact,
        # Not "messages": that name is the messages framework's, whose notices the base template
        # shows above every page (each chat message appeared there as a notice).
        "transcript": messages,
        "notes": ticket.notes.select_related("author") if ticket else [],
        "activity": ticket.events.select_related("actor").order_by("-created_at")[:30]
        if ticket
        else [],
        "earlier": earlier,
        "canned": _canned_replies(conversation.inbox_id, request.user),
        # The assistant's e-mail answers waiting for an agent's approval ("draft" mode).
        "mail_drafts": list(open_drafts(conversation.pk)),
        "is_mine": conversation.state == Conversation.State.AGENT
        and conversation.assigned_agent_id == request.user.pk,
    }
    return render(request, "desk/conversation.html", context)


def _canned_replies(inbox_id: int, user: access.User) -> list[CannedReply]:
    return list(canned_replies_for(user=user, inbox_id=inbox_id))


@require_GET
@desk_required
def ticket_page(request: HttpRequest, ticket_id: str) -> HttpResponse:
    ticket = access.ticket_for(request.user, ticket_id)
    if ticket is None:
        raise Http404
    if ticket.conversation_id:
        return redirect("desk-conversation", conversation_id=ticket.conversation_id)
    context = {
        **shell(request),
        **_ticket_panel_context(request, ticket, ticket.inbox_id),
        "contact": ticket.contact,
        "notes": ticket.notes.select_related("author"),
        "activity": ticket.events.select_related("actor").order_by("-created_at")[:30],
        "earlier": Conversation.objects.filter(contact=ticket.contact).order_by("-created_at")[:10],
    }
    return render(request, "desk/ticket.html", context)


# -- conversation actions ---------------------------------------------------------------------


def _back_to(conversation: Conversation) -> HttpResponse:
    response = HttpResponse(status=204)
    response["HX-Redirect"] = reverse(
        "desk-conversation", kwargs={"conversation_id": conversation.pk}
    )
    return response


@require_POST
@desk_required
def takeover(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    try:
        services.takeover(conversation=conversation, agent=request.user)
    except chat.ChatError as error:
        return HttpResponseBadRequest(error.message)
    return _back_to(conversation)


@require_POST
@desk_required
def handback(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    try:
        services.handback(conversation=conversation, agent=request.user)
    except chat.ChatError as error:
        return HttpResponseBadRequest(error.message)
    return _back_to(conversation)


@require_POST
@desk_required
def resolve(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    try:
        services.resolve(conversation=conversation, agent=request.user)
    except chat.ChatError as error:
        return HttpResponseBadRequest(error.message)
    return _back_to(conversation)


@require_POST
@desk_required
def reply(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_errors(form)
    files = [(upload.name or "", upload.read()) for upload in form.cleaned_data["files"]]
    try:
        services.reply(
            conversation=conversation,
            agent=request.user,
            text=form.cleaned_data["text"],
            files=files,
        )
    except Refused as error:  # the chat side's refusals and an attachment's
        return HttpResponseBadRequest(error.message)
    # The message reaches this page (and the customer) through the desk socket.
    return HttpResponse(status=204)


def _ticket_of(request: HttpRequest, conversation_id: str | None, ticket_id: str | None) -> Ticket:
    if ticket_id is not None:
        ticket = access.ticket_for(request.user, ticket_id)
        if ticket is None:
            raise Http404
        return ticket
    conversation = _conversation_or_404(request, conversation_id or "")
    ticket, _changed = services.ticket_for_conversation(
        conversation_id=conversation.pk, actor=request.user
    )
    return ticket


@require_POST
@desk_required
def add_note(
    request: HttpRequest, conversation_id: str | None = None, ticket_id: str | None = None
) -> HttpResponse:
    ticket = _ticket_of(request, conversation_id, ticket_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _form_errors(form)
    note = services.note_add(ticket=ticket, author=request.user, text=form.cleaned_data["text"])
    return render(request, "desk/_note.html", {"note": note})


@require_POST
@desk_required
def update_ticket(
    request: HttpRequest, conversation_id: str | None = None, ticket_id: str | None = None
) -> HttpResponse:
    ticket = _ticket_of(request, conversation_id, ticket_id)
    panel = _ticket_panel_context(request, ticket, ticket.inbox_id)
    form = TicketFieldsForm(request.POST, agents=panel["agents"], teams=panel["teams"])
    if not form.is_valid():
        return _form_errors(form)
    try:
        ticket = services.ticket_update(ticket=ticket, by=request.user, **form.changes())
    except services.TicketError as error:
        return HttpResponseBadRequest(error.message)
    return render(
        request, "desk/_ticket_panel.html", _ticket_panel_context(request, ticket, ticket.inbox_id)
    )


@require_POST
@desk_required
def canned(request: HttpRequest, conversation_id: str, canned_id: int) -> HttpResponse:
    """A canned reply with its placeholders filled, for the composer (not sent)."""
    conversation = _conversation_or_404(request, conversation_id)
    reply_text = next(
        (c.text for c in _canned_replies(conversation.inbox_id, request.user) if c.pk == canned_id),
        None,
    )
    if reply_text is None:
        raise Http404
    return HttpResponse(
        services.render_canned(reply_text, contact=conversation.contact, agent=request.user),
        content_type="text/plain; charset=utf-8",
    )


@require_POST
@desk_required
def availability(request: HttpRequest) -> HttpResponse:
    value = request.POST.get("availability", "")
    if value not in Availability.values:
        return HttpResponseBadRequest("Unknown availability.")
    services.set_availability(user=request.user, availability=value)
    # Back to the page the agent was on: only a path of this site (no line breaks, which a
    # Location header cannot hold, and no other host).
    back = request.POST.get("next", "")
    if not back or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("desk-home")
    return redirect(back)


@desk_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    inboxes = access.visible_inboxes(request.user)
    form = NewTicketForm(request.POST or None, inboxes=inboxes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_open(
                inbox=data["inbox"],
                contact_email=data["contact_email"],
                contact_name=data["contact_name"],
                subject=data["subject"],
                description=data["description"],
                priority=data["priority"],
                by=request.user,
                assignee=request.user,
            )
        except services.TicketError as error:
            # The same refusals as the API's (a subject of spaces only, say), shown on the form.
            form.add_error(None, error.message)
        else:
            return redirect("desk-ticket", ticket_id=ticket.pk)
    return render(request, "desk/ticket_new.html", {**shell(request), "form": form})


@require_POST
@desk_required
def suggest(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """A draft reply from the knowledge base and transcript, for the agent to edit."""
    conversation = _conversation_or_404(request, conversation_id)
    try:
        text = draft_reply(conversation)
    except ModelError:
        return HttpResponse(_("The model is not available right now."), status=503)
    except NoGroundedDraft:
        # An empty draft: the desk says that no article answers (data-suggest-none).
        text = ""
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
