"""A chat continues by e-mail when the visitor has left: after a grace period, unless they came
back and the widget showed them the reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assistant.chat import services
from assistant.chat.models import Message
from assistant.db_async import db_async
from assistant.mail import sending
from assistant.mail.models import OutboundMail
from tests import factories
from tests.chat.conftest import Widget
from tests.mail.outbound_helpers import CUSTOMER, agent_reply, mail_conversation, make_account

GRACE = 120


@pytest.fixture
def later(monkeypatch):
    def move(seconds: float) -> None:
        moved = timezone.now() + timedelta(seconds=seconds)
        monkeypatch.setattr(timezone, "now", lambda: moved)

    return move


@db_async
def _visitor_with_a_conversation():
    account = make_account()
    session = factories.make_session(account.inbox)
    services.customer_message_create(
        contact_id=session.contact.id, text="Can I change my delivery address?", client_id="c1"
    )
    return session


@db_async
def _agent_replies(contact_id) -> Message:
    conversation = services.current_conversation(contact_id=contact_id)
    # A real commit: the reply's message_stored signal runs after it, as on the desk.
    return agent_reply(conversation, "Yes: reply with the new address and we change it.")


@db_async
def _outbound_of(message: Message) -> OutboundMail | None:
    return OutboundMail.objects.filter(chat_message=message).first()


async def _leave_an_address_and_go(token: str) -> None:
    widget = Widget()
    await widget.hello(token)
    await widget.send({"type": "email", "email": CUSTOMER})
    confirmation, _ = await widget.receive_until("message")
    assert CUSTOMER in confirmation["message"]["text"]
    await widget.close()


@pytest.mark.django_db(transaction=True)
async def test_a_visitor_who_left_gets_the_agents_reply_by_mail_after_the_grace(smtp_server, later):
    session = await _visitor_with_a_conversation()
    await _leave_an_address_and_go(session.token)

    message = await _agent_replies(session.contact.id)

    outbound = await _outbound_of(message)
    assert outbound is not None and outbound.to_address == CUSTOMER
    due_in = (outbound.send_after - timezone.now()).total_seconds()
    assert GRACE - 5 < due_in <= GRACE
    # Within the grace period nothing goes out.
    assert (await db_async(sending.outbound_attempt)(outbound.pk)).status == "skipped"
    assert smtp_server.received == []

    later(GRACE + 1)
    assert (await db_async(sending.outbound_attempt)(outbound.pk)).status == "sent"
    [mail] = smtp_server.received
    assert mail.envelope_to == [CUSTOMER]
    assert mail.part("text/plain").startswith("Yes: reply with the new address")


@pytest.mark.django_db(transaction=True)
async def test_a_visitor_who_came_back_within_the_grace_reads_it_in_the_widget_and_no_mail_goes(
    smtp_server, later
):
    session = await _visitor_with_a_conversation()
    await _leave_an_address_and_go(session.token)
    message = await _agent_replies(session.contact.id)

    back = Widget()
    welcome = await back.hello(session.token)
    assert message.text in [shown["text"] for shown in welcome["messages"]]

    later(GRACE + 1)
    outbound = await _outbound_of(message)
    assert outbound is not None
    assert (await db_async(sending.outbound_attempt)(outbound.pk)).status == "cancelled"
    await back.close()
    assert smtp_server.received == []
    await db_async(outbound.refresh_from_db)()
    assert outbound.state == OutboundMail.State.CANCELLED


@pytest.mark.django_db(transaction=True)
async def test_a_visitor_still_in_the_widget_is_not_mailed(smtp_server):
    session = await _visitor_with_a_conversation()
    widget = Widget()
    await widget.hello(session.token)
    await widget.send({"type": "email", "email": CUSTOMER})
    await widget.receive_until("message")

    message = await _agent_replies(session.contact.id)

    assert await _outbound_of(message) is None
    await widget.close()


@pytest.mark.django_db
def test_an_agents_reply_on_an_email_conversation_goes_at_once():
    conversation = mail_conversation(make_account())
    message = agent_reply(conversation, "We have your order.")
    sending.agent_message_stored(
        Message, conversation_id=conversation.id, message_seq=message.seq, author_kind="agent"
    )
    outbound = OutboundMail.objects.get(chat_message=message)
    assert outbound.send_after <= timezone.now()
    assert sending.due_ids() == [outbound.pk]


@pytest.mark.django_db
def test_customers_and_system_messages_are_never_mailed():
    conversation = mail_conversation(make_account())
    for message in conversation.messages.all():
        sending.agent_message_stored(
            Message,
            conversation_id=conversation.id,
            message_seq=message.seq,
            author_kind=message.author_kind,
        )
    assert conversation.messages.exists()
    assert not OutboundMail.objects.exists()


@pytest.mark.django_db
def test_an_agent_is_told_when_a_reply_on_an_email_conversation_cannot_be_mailed():
    account = make_account()
    conversation = mail_conversation(account)
    account.enabled = False
    account.save(update_fields=["enabled"])
    message = agent_reply(conversation, "We have your order.")

    for _twice in range(2):
        sending.agent_message_stored(
            Message, conversation_id=conversation.id, message_seq=message.seq, author_kind="agent"
        )

    assert not OutboundMail.objects.exists()
    notices = conversation.messages.filter(author_kind="system", text__contains="e-mailed")
    assert [notice.text for notice in notices] == [
        "This reply was not e-mailed: the inbox has no enabled e-mail address."
    ]
