"""What a reply by e-mail looks like when it reaches a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from assistant.chat import services
from assistant.chat.attachments import attachment_store
from assistant.mail import reply_tokens, sending
from assistant.mail.models import MailReference, OutboundMail
from tests import attachment_files, factories
from tests.mail.outbound_helpers import (
    ADDRESS,
    CUSTOMER,
    agent_reply,
    mail_conversation,
    make_account,
    reference_in,
)

pytestmark = pytest.mark.django_db


def _send(message) -> OutboundMail:
    outbound = sending.outbound_schedule(message=message, send_after=timezone.now())
    assert outbound is not None
    assert sending.outbound_attempt(outbound.pk).status == "sent"
    outbound.refresh_from_db()
    return outbound


def test_an_agents_reply_threads_under_the_customers_mail_with_both_parts_and_the_signature(
    smtp_server,
):
    account = make_account()
    conversation = mail_conversation(account, subject="My parcel")
    reference_in(account, conversation, "<second.mail@customer.example.org>")
    message = agent_reply(conversation, "Your parcel left **today**.\n\n<script>x()</script>")

    outbound = _send(message)

    [mail] = smtp_server.received
    assert mail.envelope_to == [CUSTOMER]
    assert mail.header("Message-ID") == outbound.message_id
    assert outbound.message_id.endswith("@shop.example.com>")
    assert mail.header("In-Reply-To") == "<second.mail@customer.example.org>"
    assert mail.header("References").split() == [
        "<first.mail@customer.example.org>",
        "<second.mail@customer.example.org>",
    ]
    reply_to = mail.header("Reply-To")
    assert reply_to.startswith("support+") and reply_to.endswith("@shop.example.com")
    assert reply_tokens.conversation_id_in(addresses=[reply_to], subject="") == conversation.id
    assert mail.header("From") == f"Shop Support <{ADDRESS}>"
    assert mail.header("To") == CUSTOMER
    assert mail.header("Subject") == (f"Re: My parcel {reply_tokens.subject_tag(conversation.id)}")
    # A person's reply is not an automatic one (RFC 3834).
    assert mail.message["Auto-Submitted"] is None

    text = mail.part("text/plain")
    assert text.startswith("Your parcel left **today**.")
    assert "You can reply to this e-mail to continue the conversation." in text
    assert "\n-- \nThe Shop team\nhttps://shop.example.com" in text
    assert "Where is my parcel?" not in text  # nothing quoted that the message did not say

    html = mail.part("text/html")
    assert "<strong>today</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "The Shop team<br>https://shop.example.com" in html
    assert "Where is my parcel?" not in html

    # Replies that name this mail's id find the conversation (inbound threading reads these).
    reference = MailReference.objects.get(account=account, message_id=outbound.message_id)
    assert reference.direction == MailReference.Direction.OUT
    assert reference.conversation_id == conversation.id
    assert reference.chat_message_id == message.pk


def test_a_reply_already_named_re_is_not_prefixed_twice(smtp_server):
    account = make_account()
    conversation = mail_conversation(account, subject="RE:  Refund   for order 42")
    _send(agent_reply(conversation, "Done."))
    [mail] = smtp_server.received
    tag = reply_tokens.subject_tag(conversation.id)
    assert mail.header("Subject") == f"RE: Refund for order 42 {tag}"


def test_an_assistant_answer_says_it_was_automatic(smtp_server):
    account = make_account()
    conversation = mail_conversation(account)
    message = services.assistant_message_store(
        conversation_id=conversation.id,
        language="en",
        text="Parcels arrive within 3 days.",
        citations=[],
        result=None,
    )
    assert message is not None
    _send(message)
    [mail] = smtp_server.received
    assert mail.header("Auto-Submitted") == "auto-replied"


def test_an_answer_lists_the_articles_it_cites_with_whole_links(smtp_server, settings):
    """Read away from the site, a mail needs the sources the widget shows under the answer,
    with links that work from a mail client; a link that is not http(s) is left out."""
    settings.SITE_URL = "https://shop.example.com"
    account = make_account()
    conversation = mail_conversation(account)
    message = services.assistant_message_store(
        conversation_id=conversation.id,
        language="en",
        text="Parcels arrive within 3 days.",
        citations=[
            {"title": "Delivery <times>", "url": "/help/delivery-times/"},
            {"title": "Returns", "url": "https://help.example.com/returns"},
            {"title": "Bad", "url": "javascript:alert(1)"},
        ],
        result=None,
    )
    assert message is not None
    _send(message)
    [mail] = smtp_server.received
    text = mail.part("text/plain")
    assert (
        "Sources\n1. Delivery <times>: https://shop.example.com/help/delivery-times/\n"
        "2. Returns: https://help.example.com/returns\n"
    ) in text
    assert "javascript" not in text
    html = mail.part("text/html")
    assert (
        '<a href="https://shop.example.com/help/delivery-times/">Delivery &lt;times&gt;</a>' in html
    )
    assert "javascript" not in html


def test_a_notice_to_the_customer_says_it_was_automatic(smtp_server):
    account = make_account()
    conversation = mail_conversation(account)
    notice = services.system_message_once(
        conversation_id=conversation.id,
        key="handoff-notice:1",
        text="A person will reply to this e-mail as soon as they can.",
    )
    assert notice is not None
    _send(notice)
    [mail] = smtp_server.received
    assert mail.header("Auto-Submitted") == "auto-replied"
    assert mail.part("text/plain").startswith("A person will reply to this e-mail")


def test_a_chat_continued_by_mail_is_titled_with_the_company_and_says_its_language(smtp_server):
    account = make_account()
    conversation = factories.make_conversation(account.inbox)
    conversation.language = "de"
    conversation.save(update_fields=["language"])
    conversation.contact.email = CUSTOMER
    conversation.contact.save(update_fields=["email"])
    _send(agent_reply(conversation, "Ihr Paket ist unterwegs."))
    [mail] = smtp_server.received
    assert mail.header("Subject").endswith(reply_tokens.subject_tag(conversation.id))
    assert "Shop Support" in mail.header("Subject")
    assert mail.header("Content-Language") == "de"
    # A chat has no customer mail to answer yet: nothing to reply to, nothing invented.
    assert mail.message["In-Reply-To"] is None
    assert mail.message["References"] is None


def test_the_references_chain_is_capped_to_the_first_and_the_latest_ids(smtp_server):
    account = make_account()
    conversation = mail_conversation(account)
    for n in range(40):
        reference_in(account, conversation, f"<m{n}@customer.example.org>")
    _send(agent_reply(conversation, "Thanks."))
    [mail] = smtp_server.received
    chain = mail.header("References").split()
    assert len(chain) == 20
    assert chain[0] == "<first.mail@customer.example.org>"
    assert chain[-1] == "<m39@customer.example.org>" == mail.header("In-Reply-To")


def test_the_messages_files_are_attached(smtp_server):
    account = make_account()
    conversation = mail_conversation(account)
    message = agent_reply(conversation, "Here is the label.")
    attachment_store(
        conversation=conversation, message=message, name="label.png", data=attachment_files.png(),
        source="agent",
    )  # fmt: skip
    _send(message)
    [mail] = smtp_server.received
    [attached] = list(mail.message.iter_attachments())
    assert attached.get_filename() == "label.png"
    assert attached.get_content_type() == "image/png"
    assert attached.get_content()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_mail_is_scheduled_without_an_address_to_send_from_or_to(smtp_server):
    conversation = factories.make_conversation(factories.make_inbox())
    conversation.contact.email = CUSTOMER
    conversation.contact.save(update_fields=["email"])
    message = agent_reply(conversation, "Hello")
    # The inbox has no e-mail address: a reply would have nowhere to come back to.
    assert sending.outbound_schedule(message=message, send_after=timezone.now()) is None

    account = make_account()
    anonymous = factories.make_conversation(account.inbox, client_id="c2")
    message = agent_reply(anonymous, "Hello", username="ida")
    assert sending.outbound_schedule(message=message, send_after=timezone.now()) is None
    assert not OutboundMail.objects.exists()
