"""A contact's rights in the desk: managers and admins export the contact's data as JSON and
erase the contact (assistant/privacy/rights.py). Agents may not; a contact outside the user's
inboxes does not exist for them (404)."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistant.chat.models import Contact, Conversation
from assistant.compliance import rights
from assistant.formfields import TextField
from assistant.privacy.models import RightsRecord
from tickets import access
from tickets.desk.decorators import desk_required
from tickets.desk.views import shell
from tickets.models import Ticket


class EraseForm(forms.Form):
    reason = TextField(
        label=_("Reason"),
        max_length=rights.MAX_REASON_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'For the record, e.g. "Erasure request of 2026-11-28, ticket #42". Do not write '
            "the customer's name or contact details here."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I understand that this deletes the contact's data for good."), required=True
    )


# What an erasure record counts, in the words of the result page.
COUNT_LABELS = {
    "contacts_deleted": _("Contact deleted"),
    "conversations_deleted": _("Conversations deleted"),
    "messages_deleted": _("Messages deleted"),
    "tickets_deleted": _("Tickets deleted"),
    "notes_deleted": _("Private notes deleted"),
    "ticket_events_deleted": _("Ticket history entries deleted"),
    "audit_payloads": _("Stored model-call payloads removed (the hashes stay)"),
    "webhook_payloads": _("Webhook payloads removed"),
}


def _managed_contact(request: HttpRequest, contact_id: str) -> Contact:
    """The contact, if this user sees its inbox (else 404) and is a manager or admin (else 403)."""
    contact = access.contact_for(request.user, contact_id)
    if contact is None:
        raise Http404
    if not access.is_manager(request.user):
        raise PermissionDenied
    return contact


@require_POST
@desk_required
def export(request: HttpRequest, contact_id: str) -> HttpResponse:
    """The JSON download. A POST (with the CSRF token), because every export is recorded."""
    contact = _managed_contact(request, contact_id)
    data = rights.export_contact(
        contact=contact, by=request.user, channel=RightsRecord.Channel.DESK
    )
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    filename = f"contact-{str(contact.pk)[:8]}-{stamp}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@desk_required
def erase(request: HttpRequest, contact_id: str) -> HttpResponse:
    contact = _managed_contact(request, contact_id)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record = rights.erase_contact(
            contact=contact,
            by=request.user,
            channel=RightsRecord.Channel.DESK,
            reason=form.cleaned_data["reason"],
        )
        return redirect("desk-erasure", record_id=record.pk)
    context = {
        **shell(request),
        "contact": contact,
        "form": form,
        "conversations": Conversation.objects.filter(contact=contact).count(),
        "tickets": Ticket.objects.filter(contact=contact).count(),
    }
    return render(request, "desk/contact_erase.html", context)


@require_GET
@desk_required
def erasure(request: HttpRequest, record_id: int) -> HttpResponse:
    """The result page of an erasure: what was removed, by whom, when."""
    if not access.is_manager(request.user):
        raise PermissionDenied
    record = (
        RightsRecord.objects.filter(
            pk=record_id,
            kind=RightsRecord.Kind.ERASURE,
            inbox__in=access.visible_inboxes(request.user),
        )
        .select_related("inbox")
        .first()
    )
    if record is None:
        raise Http404
    counts = [(COUNT_LABELS.get(key, key), value) for key, value in sorted(record.counts.items())]
    return render(
        request, "desk/contact_erased.html", {**shell(request), "record": record, "counts": counts}
    )
