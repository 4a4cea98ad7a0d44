"""The one write the API needs that the services do not have: a contact named by email, for
tickets that come from outside the chat (a form, a mail gateway)."""

from __future__ import annotations

from django.db import transaction

from assistant.chat.models import Contact, Inbox


@transaction.atomic
def contact_for_email(*, inbox: Inbox, email: str, name: str = "") -> Contact:
    """The inbox's oldest contact with this email address, or a new one.

    Emails are not unique among contacts (a visitor may type anyone's), so this picks, it does
    not prove identity; the ticket only records who the API caller says wrote in.
    """
    email = email.strip().lower()
    existing = (
        Contact.objects.select_for_update()
        .filter(inbox=inbox, email__iexact=email)
        .order_by("created_at")
        .first()
    )
    if existing is not None:
        return existing
    return Contact.objects.create(inbox=inbox, email=email, name=name.strip()[:200])
