"""Proving that a widget visitor owns the address they typed: a signed, expiring link sent to it.

An address typed into the widget may be anyone's. Replies to the visitor's own conversation may
still go there (they typed it themselves), but mail *from* that address joins this contact only
once the link sent to it was used (``Contact.email_verified_at``). The link opens a page with a
button rather than verifying on GET: mail scanners open links in incoming mail, and a scanner at
the victim's company must not confirm an address an attacker typed.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assistant.chat.models import Contact
from assistant.mail.models import MailAccount

_SALT = "assistant.mail.verify-address.v1"


class Problem(enum.Enum):
    INVALID = "invalid"  # not a link we made, or altered
    EXPIRED = "expired"
    # The contact is gone (erased) or has left another address since: the link proves nothing.
    STALE = "stale"


@dataclass(frozen=True)
class Claim:
    contact: Contact
    email: str


def _same_address(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


def token_for(*, contact_id: uuid.UUID | str, email: str) -> str:
    return signing.dumps({"c": str(contact_id), "e": email}, salt=_SALT)


def link_for(*, contact_id: uuid.UUID | str, email: str) -> str:
    path = reverse("mail-verify", args=[token_for(contact_id=contact_id, email=email)])
    return settings.SITE_URL.rstrip("/") + path


def claim_read(token: str) -> Claim | Problem:
    """What a link claims, if it is ours, unexpired, and still about the contact's address."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.MAIL_VERIFY_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return Problem.EXPIRED
    except signing.BadSignature:
        return Problem.INVALID
    if not isinstance(data, dict) or not {"c", "e"} <= data.keys():
        return Problem.INVALID
    try:
        contact_id = uuid.UUID(str(data["c"]))
    except ValueError:
        return Problem.INVALID
    contact = Contact.objects.select_related("inbox").filter(pk=contact_id).first()
    if contact is None or not _same_address(contact.email, str(data["e"])):
        return Problem.STALE
    return Claim(contact=contact, email=contact.email)


@transaction.atomic
def email_verify(token: str) -> Claim | Problem:
    """Use a link: the contact's address is verified (once; a second use changes nothing)."""
    claim = claim_read(token)
    if isinstance(claim, Problem):
        return claim
    contact = Contact.objects.select_for_update(no_key=True).get(pk=claim.contact.pk)
    if not _same_address(contact.email, claim.email):
        return Problem.STALE
    if contact.email_verified_at is None:
        contact.email_verified_at = timezone.now()
        contact.save(update_fields=["email_verified_at"])
    return Claim(contact=contact, email=contact.email)


def _sender(contact: Contact) -> str:
    account = MailAccount.objects.filter(inbox_id=contact.inbox_id, enabled=True).first()
    address = account.address if account else settings.DEFAULT_FROM_EMAIL
    return formataddr((contact.inbox.public_name, address))


def verification_mail_send(*, contact_id: uuid.UUID | str, email: str) -> bool:
    """Mail the link to ``email`` if it is still the contact's unverified address; whether a
    mail went out."""
    contact = Contact.objects.select_related("inbox").filter(pk=contact_id).first()
    if contact is None or contact.email_verified_at is not None:
        return False
    if not _same_address(contact.email, email):
        return False
    context = {
        "inbox_name": contact.inbox.public_name,
        "email": contact.email,
        "link": link_for(contact_id=contact.pk, email=contact.email),
    }
    with translation.override(contact.language or contact.inbox.default_language):
        subject = _("Confirm your e-mail address")
        text = render_to_string("mail/verify_email.txt", context)
        html = render_to_string("mail/verify_email.html", context)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=_sender(contact),
        to=[contact.email],
        # RFC 3834: sent by the system, not a person; auto-responders must not answer it.
        headers={"Auto-Submitted": "auto-generated"},
    )
    mail.attach_alternative(html, "text/html")
    mail.send(fail_silently=False)
    return True
