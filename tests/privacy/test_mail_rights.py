"""E-mail under the contact's rights and retention: the raw mail they sent, the mail sent to
them and the threading ids go with their conversations, and are in their export."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from assistant.compliance import rights
from assistant.compliance.retention import apply_retention
from assistant.mail import sending
from assistant.mail.models import InboundMail, MailAccount, MailReference, OutboundMail
from assistant.privacy.models import InboxPrivacy, RetentionAction
from tests import factories
from tests.privacy.customers import Customer, age, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(inbox: Any) -> Any:
    team = factories.make_team(inboxes=(inbox,))
    return factories.make_agent("mail-agent", teams=(team,))


@pytest.fixture
def account(inbox: Any) -> MailAccount:
    return MailAccount.objects.create(inbox=inbox, address="support@shop.example.com")


def with_mail(customer: Customer, account: MailAccount) -> tuple[InboundMail, OutboundMail]:
    """The customer's conversation as if it had come by mail and been answered by mail."""
    raw = f"From: {customer.email}\r\nSubject: Help\r\n\r\nI am {customer.marker}\r\n".encode()
    inbound = InboundMail.objects.create(
        account=account, source="relay", message_id=f"<{customer.marker}@customer.example>",
        sha256=hashlib.sha256(raw).hexdigest(), raw=raw, size=len(raw), state="processed",
        conversation=customer.conversation,
    )  # fmt: skip
    MailReference.objects.create(
        account=account, message_id=inbound.message_id, direction="in",
        conversation=customer.conversation,
    )  # fmt: skip
    reply = customer.conversation.messages.filter(author_kind="agent").latest("seq")
    outbound = sending.outbound_schedule(message=reply, send_after=timezone.now())
    assert outbound is not None
    OutboundMail.objects.filter(pk=outbound.pk).update(state="sent", sent_at=timezone.now())
    return inbound, outbound


def test_the_export_lists_the_mail_received_and_sent(inbox, agent, account) -> None:
    anna = make_customer(inbox, marker="annamail", agent=agent)
    inbound, outbound = with_mail(anna, account)
    data = json.loads(
        json.dumps(
            rights.export_contact(contact=anna.contact, by=agent, channel="desk"),
            cls=DjangoJSONEncoder,
        )
    )
    [received] = data["emails_received"]
    assert received["message_id"] == inbound.message_id
    assert "I am annamail" in received["raw"]
    [sent] = data["emails_sent"]
    assert (sent["to"], sent["message_id"]) == (anna.email, outbound.message_id)


def test_erasure_removes_the_contacts_mail_and_keeps_others(inbox, agent, account) -> None:
    anna = make_customer(inbox, marker="annaerase", agent=agent)
    bruno = make_customer(inbox, marker="brunostays", agent=agent)
    with_mail(anna, account)
    brunos_inbound, brunos_outbound = with_mail(bruno, account)

    record = rights.erase_contact(contact=anna.contact, by=agent, channel="desk", reason="")

    assert record.counts["inbound_mail_deleted"] == 1
    assert record.counts["outbound_mail_deleted"] == 1
    assert not InboundMail.objects.filter(raw__contains=b"annaerase").exists()
    assert not OutboundMail.objects.filter(to_address=anna.email).exists()
    assert not MailReference.objects.filter(message_id__contains="annaerase").exists()
    assert InboundMail.objects.filter(pk=brunos_inbound.pk).exists()
    assert OutboundMail.objects.filter(pk=brunos_outbound.pk).exists()


@pytest.mark.parametrize("action", [RetentionAction.ANONYMISE, RetentionAction.DELETE])
def test_retention_removes_old_mail_whichever_the_action(inbox, agent, account, action) -> None:
    old = make_customer(inbox, marker="oldmail", agent=agent)
    old_inbound, old_outbound = with_mail(old, account)
    age(old, timezone.now() - timedelta(days=40))
    # An auto-reply that never became a conversation, as old.
    bounce = InboundMail.objects.create(
        account=account, source="relay", sha256="b" * 64, raw=b"Auto-Submitted: auto-replied",
        size=28, state="ignored",
    )  # fmt: skip
    InboundMail.objects.filter(pk=bounce.pk).update(received_at=timezone.now() - timedelta(days=40))
    recent = make_customer(inbox, marker="newmail", agent=agent)
    kept_inbound, _kept_outbound = with_mail(recent, account)
    InboxPrivacy.objects.update_or_create(
        inbox=inbox, defaults={"retention_days": 30, "retention_action": action}
    )

    result = apply_retention()

    assert result.counts["inbound_mail_deleted"] == 2
    assert not InboundMail.objects.filter(pk__in=[old_inbound.pk, bounce.pk]).exists()
    assert not OutboundMail.objects.filter(pk=old_outbound.pk).exists()
    assert InboundMail.objects.filter(pk=kept_inbound.pk).exists()
