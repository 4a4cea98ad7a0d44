"""A customer with a trace in every table that can hold their data, for retention and rights.

Every personal value carries the customer's `marker` (a word nobody else uses), so a test can
search each table for it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assistant.chat import services as chat
from assistant.chat.models import Contact, Conversation, Inbox, Message
from assistant.privacy.models import OutboundCallAudit
from tests import factories
from tickets import services as tickets
from tickets.models import Ticket
from tickets.webhooks.models import Event, Webhook


@dataclass
class Customer:
    contact: Contact
    conversation: Conversation
    ticket: Ticket
    marker: str
    visitor_secret: str

    @property
    def email(self) -> str:
        return f"{self.marker}@example.org"


def subscribe_webhook() -> Webhook:
    """A webhook for every event, so the flows below leave deliveries with the customer in."""
    return Webhook.objects.create(url="https://hooks.example.com/in", events=list(Event.values))


def make_customer(inbox: Inbox, *, marker: str, agent: Any, resolved: bool = True) -> Customer:
    session = factories.make_session(inbox)
    contact = session.contact
    contact.name = f"Name {marker}"
    contact.email = f"{marker}@example.org"
    contact.external_id = f"ext-{marker}"
    contact.save()
    stored = chat.customer_message_create(
        contact_id=contact.id, text=f"I am {marker}, call me on +44 20 7946 0958", client_id="m1"
    )
    conversation = stored.conversation
    chat.conversation_handoff(conversation_id=conversation.id, reason="customer_request")
    ticket = factories.make_ticket(conversation)
    tickets.ticket_update(ticket=ticket, by=agent, subject=f"Broken bike of {marker}")
    tickets.note_add(ticket=ticket, author=agent, text=f"Note about {marker}")
    conversation.refresh_from_db()
    tickets.reply(conversation=conversation, agent=agent, text=f"Hello {marker}, on it")
    Conversation.objects.filter(pk=conversation.pk).update(summary=f"Summary of {marker}")
    OutboundCallAudit.objects.create(
        inbox=inbox,
        conversation=conversation,
        provider="qwen",
        purpose="reply",
        payload_sha256="a" * 64,
        redacted_payload=f"[PHONE_1] {marker}",
    )
    if resolved:
        tickets.resolve(conversation=conversation, agent=agent)
        chat.conversation_rate(contact_id=contact.id, score=4, comment=f"Thanks {marker}")
    conversation.refresh_from_db()
    ticket.refresh_from_db()
    return Customer(contact, conversation, ticket, marker, session.visitor_secret)


def age(customer: Customer, moment: datetime) -> None:
    """Make everything about this customer look last active at `moment`."""
    conversation = customer.conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=moment, updated_at=moment, resolved_at=moment
    )
    Message.objects.filter(conversation=conversation).update(created_at=moment)
    Ticket.objects.filter(contact=customer.contact).update(updated_at=moment)
    Contact.objects.filter(pk=customer.contact.pk).update(last_seen_at=moment)


def traces(marker: str) -> dict[str, int]:
    """Rows of every table in the database whose text (the whole row, cast) contains `marker`:
    nothing escapes the search by living in a column or table the test did not think of."""
    from django.db import connection

    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*) FROM {name} t WHERE t::text ILIKE %s", [f"%{marker}%"])
            (count,) = cursor.fetchone()
            if count:
                found[table] = count
    return found
