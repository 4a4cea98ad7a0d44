"""An address typed into the widget is proven by a link sent to it, and by nothing else."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.test import Client

from assistant.chat import services, tokens
from assistant.chat.models import Contact
from assistant.chat.signals import contact_email_left
from assistant.mail import verification
from tests import factories
from tests.mail.outbound_helpers import CUSTOMER, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor():
    account = make_account()
    session = factories.make_session(account.inbox)
    services.customer_message_create(contact_id=session.contact.id, text="Hello", client_id="c1")
    return session.contact


def _left_address(contact: Contact, email: str, capture) -> list[dict]:
    """Leave ``email`` in the widget; the contact_email_left signals sent after commit."""
    heard: list[dict] = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    contact_email_left.connect(listen, dispatch_uid="test.listen")
    try:
        with capture(execute=True):
            services.contact_email_set(contact_id=contact.id, email=email)
    finally:
        contact_email_left.disconnect(dispatch_uid="test.listen")
    return heard


def _link_in_mail(smtp_server) -> str:
    [mail] = smtp_server.received
    [link] = re.findall(r"https?://\S+/mail/verify/\S+/", mail.part("text/plain"))
    assert f'href="{link}"' in mail.part("text/html")
    return link


def test_leaving_a_new_address_asks_for_a_proof_once_and_unverifies_the_old_one(
    visitor, django_capture_on_commit_callbacks
):
    visitor.email, visitor.email_verified_at = "old@customer.example.org", visitor.created_at
    visitor.save(update_fields=["email", "email_verified_at"])

    heard = _left_address(visitor, CUSTOMER, django_capture_on_commit_callbacks)

    assert heard == [{"signal": contact_email_left, "contact_id": visitor.id, "email": CUSTOMER}]
    visitor.refresh_from_db()
    assert visitor.email == CUSTOMER and visitor.email_verified_at is None
    # The same address again sends no second mail.
    assert _left_address(visitor, CUSTOMER.upper(), django_capture_on_commit_callbacks) == []


def test_the_link_mailed_to_the_address_asks_first_and_verifies_on_the_button(visitor, smtp_server):
    visitor.email = CUSTOMER
    visitor.save(update_fields=["email"])

    assert verification.verification_mail_send(contact_id=visitor.id, email=CUSTOMER)

    [mail] = smtp_server.received
    assert mail.envelope_to == [CUSTOMER]
    assert mail.header("Subject") == "Confirm your e-mail address"
    assert mail.header("Auto-Submitted") == "auto-generated"
    assert mail.header("From") == "Shop Support <support@shop.example.com>"
    link = _link_in_mail(smtp_server)
    path = link.split("://", 1)[1].partition("/")[2]
    client = Client()

    # Opening the link (what a mail scanner does) proves nothing yet.
    page = client.get(f"/{path}")
    assert page.status_code == 200
    assert f"Is {CUSTOMER} your address?" in page.text
    visitor.refresh_from_db()
    assert visitor.email_verified_at is None

    done = client.post(f"/{path}")
    assert done.status_code == 200
    assert f"Thank you: {CUSTOMER} is confirmed." in done.text
    visitor.refresh_from_db()
    assert visitor.email_verified_at is not None

    # A second use changes nothing.
    verified_at = visitor.email_verified_at
    assert client.post(f"/{path}").status_code == 200
    visitor.refresh_from_db()
    assert visitor.email_verified_at == verified_at


def test_a_verified_address_or_a_changed_one_is_not_mailed(visitor, smtp_server):
    visitor.email = CUSTOMER
    visitor.save(update_fields=["email"])
    assert not verification.verification_mail_send(
        contact_id=visitor.id, email="other@customer.example.org"
    )
    visitor.email_verified_at = visitor.created_at
    visitor.save(update_fields=["email_verified_at"])
    assert not verification.verification_mail_send(contact_id=visitor.id, email=CUSTOMER)
    assert smtp_server.received == []


def test_an_altered_link_an_expired_one_and_one_for_a_replaced_address_verify_nothing(
    visitor, settings
):
    visitor.email = CUSTOMER
    visitor.save(update_fields=["email"])
    token = verification.token_for(contact_id=visitor.id, email=CUSTOMER)
    client = Client()

    altered = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    response = client.post(f"/mail/verify/{altered}/")
    assert response.status_code == 400
    assert "This link is not valid" in response.text

    forged = verification.token_for(contact_id=visitor.id, email="attacker@evil.example")
    assert client.post(f"/mail/verify/{forged}/").status_code == 400

    visitor.email = "new@customer.example.org"
    visitor.save(update_fields=["email"])
    assert client.post(f"/mail/verify/{token}/").status_code == 400
    visitor.email = CUSTOMER
    visitor.save(update_fields=["email"])

    settings.MAIL_VERIFY_MAX_AGE_SECONDS = 0
    time.sleep(1.1)
    response = client.post(f"/mail/verify/{token}/")
    assert response.status_code == 400
    assert "This link has expired." in response.text

    visitor.refresh_from_db()
    assert visitor.email_verified_at is None


def _identity(inbox, *, email: str, signed_email: str | None) -> dict:
    identity = {
        "id": "customer-42",
        "hash": tokens.identity_hash(secret=inbox.identity_secret, customer_id="customer-42"),
        "email": email,
    }
    if signed_email is not None:
        identity["email_hash"] = tokens.identity_email_hash(
            secret=inbox.identity_secret, customer_id="customer-42", email=signed_email
        )
    return identity


def test_an_address_the_company_signed_with_the_customer_id_is_verified():
    inbox = make_account().inbox
    session = factories.make_session(
        inbox, identity=_identity(inbox, email=CUSTOMER, signed_email=CUSTOMER)
    )
    assert session.contact.email == CUSTOMER
    assert session.contact.email_verified_at is not None


@pytest.mark.parametrize("signed_email", [None, "someone.else@customer.example.org"])
def test_an_address_beside_a_valid_id_but_not_signed_with_it_is_not_verified(signed_email):
    """A logged-in customer who edits the page can put any address beside their own valid id
    hash: that proves the id, not the address."""
    inbox = make_account().inbox
    session = factories.make_session(
        inbox, identity=_identity(inbox, email=CUSTOMER, signed_email=signed_email)
    )
    assert session.contact.email == CUSTOMER
    assert session.contact.email_verified_at is None


def test_a_verified_customer_whose_page_gives_another_address_loses_the_proof():
    inbox = make_account().inbox
    factories.make_session(inbox, identity=_identity(inbox, email=CUSTOMER, signed_email=CUSTOMER))
    other = "new@customer.example.org"
    session = factories.make_session(
        inbox, identity=_identity(inbox, email=other, signed_email=None)
    )
    assert session.contact.email == other
    assert session.contact.email_verified_at is None


def test_the_session_endpoint_takes_the_signed_address(client):
    inbox = make_account().inbox
    identity = _identity(inbox, email=CUSTOMER, signed_email=CUSTOMER)
    response = client.post(
        "/api/widget/session",
        data=json.dumps({"inbox": inbox.public_key, "identity": identity}),
        content_type="application/json",
        HTTP_ORIGIN=factories.SITE,
    )
    assert response.status_code == 200, response.content
    contact = Contact.objects.get(inbox=inbox, external_id="customer-42")
    assert contact.email_verified_at is not None
    malformed = dict(identity, email_hash="not-hex")
    response = client.post(
        "/api/widget/session",
        data=json.dumps({"inbox": inbox.public_key, "identity": malformed}),
        content_type="application/json",
        HTTP_ORIGIN=factories.SITE,
    )
    assert response.status_code == 400


def test_an_inbox_without_an_address_sends_no_proof(smtp_server):
    session = factories.make_session(factories.make_inbox())
    services.contact_email_set(contact_id=session.contact.id, email=CUSTOMER)
    assert not verification.verification_mail_send(contact_id=session.contact.id, email=CUSTOMER)
    assert smtp_server.received == []
