"""Whose mail is this: the contact an address belongs to in an inbox.

An address says who sent a mail only as far as the sender's mail server says so, and an address
typed into the widget proves nothing at all. So a widget contact is the sender of a mail only
once they proved they own the address (``Contact.email_verified_at``: a link sent to it was
opened, or the company's identity verification vouched for it). Otherwise the mail belongs to a
mail-only contact of its own, and the widget visitor's conversations are neither joined nor shown
to it. An identity verified by HMAC alone does not count: the HMAC signs the customer's id, not
the address the page passes beside it, so a visitor could claim any address with their own valid
id (and would then see that address's mail in their widget).
"""

from __future__ import annotations

from django.db import connection

from assistant.chat.models import Contact, Inbox

NAME_MAX_CHARS = 200  # Contact.name


def contact_for_address(*, inbox: Inbox, address: str, name: str = "") -> Contact:
    """The inbox's contact for mail from ``address``: a contact who proved the address, else
    the mail contact of that address, created on first mail. Call inside a transaction."""
    address = address.strip()
    _lock_address(inbox, address)
    same_address = Contact.objects.filter(inbox=inbox, email__iexact=address)
    proven = same_address.filter(email_verified_at__isnull=False).order_by("-last_seen_at").first()
    if proven is not None:
        return proven
    mail_contact = (
        same_address.filter(visitor_secret_hash__isnull=True, external_id__isnull=True)
        .order_by("created_at")
        .first()
    )
    name = name.strip()[:NAME_MAX_CHARS]
    if mail_contact is None:
        return Contact.objects.create(inbox=inbox, email=address, name=name)
    if name and not mail_contact.name:
        mail_contact.name = name
        mail_contact.save(update_fields=["name", "last_seen_at"])
    return mail_contact


def _lock_address(inbox: Inbox, address: str) -> None:
    """Two first mails from one address, processed at once, must make one contact: the second
    waits here until the first has committed its contact."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"mail-contact:{inbox.pk}:{address.lower()}"],
        )
