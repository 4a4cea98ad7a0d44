"""Attachments under the contact's rights and retention: the export carries the files; erasure
and retention remove the rows and the stored bytes."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from assistant.chat.attachments import attachment_store
from assistant.chat.models import Attachment, Message
from assistant.compliance import rights
from assistant.compliance.retention import apply_retention
from assistant.privacy.models import InboxPrivacy, RetentionAction
from tests import attachment_files as files
from tests import factories
from tests.privacy.customers import Customer, age, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(inbox: Any) -> Any:
    team = factories.make_team(inboxes=(inbox,))
    return factories.make_agent("files-agent", teams=(team,))


def with_a_pdf(customer: Customer) -> Attachment:
    message = Message.objects.filter(conversation=customer.conversation).earliest("seq")
    return attachment_store(
        conversation=customer.conversation,
        message=message,
        name="passport-scan.pdf",
        data=files.PDF,
        source="customer",
    )


def is_stored(attachment: Attachment) -> bool:
    return attachment.file.storage.exists(attachment.file.name)


def test_the_export_carries_the_files_themselves(inbox: Any, agent: Any) -> None:
    anna = make_customer(inbox, marker="annafiles", agent=agent)
    with_a_pdf(anna)
    data = json.loads(
        json.dumps(
            rights.export_contact(contact=anna.contact, by=agent, channel="desk"),
            cls=DjangoJSONEncoder,
        )
    )
    [conversation] = data["conversations"]
    [exported] = [a for m in conversation["messages"] for a in m["attachments"]]
    assert exported["name"] == "passport-scan.pdf"
    assert base64.b64decode(exported["content_base64"]) == files.PDF


def test_erasure_removes_the_files_from_storage(
    inbox: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    anna = make_customer(inbox, marker="annaerased", agent=agent)
    bruno = make_customer(inbox, marker="brunokept", agent=agent)
    annas, brunos = with_a_pdf(anna), with_a_pdf(bruno)
    assert is_stored(annas)

    with django_capture_on_commit_callbacks(execute=True):
        record = rights.erase_contact(contact=anna.contact, by=agent, channel="desk", reason="")

    assert not Attachment.objects.filter(pk=annas.pk).exists()
    assert not is_stored(annas)
    assert record.counts["attachments_deleted"] == 1
    # Another customer's file stays.
    assert Attachment.objects.filter(pk=brunos.pk).exists() and is_stored(brunos)


@pytest.mark.parametrize("action", [RetentionAction.ANONYMISE, RetentionAction.DELETE])
def test_retention_removes_old_conversations_files(
    inbox: Any, agent: Any, action: str, django_capture_on_commit_callbacks: Any
) -> None:
    old = make_customer(inbox, marker="oldfiles", agent=agent)
    attachment = with_a_pdf(old)
    age(old, timezone.now() - timedelta(days=40))
    recent = make_customer(inbox, marker="newfiles", agent=agent)
    kept = with_a_pdf(recent)
    InboxPrivacy.objects.update_or_create(
        inbox=inbox, defaults={"retention_days": 30, "retention_action": action}
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = apply_retention()

    assert result.counts["attachments_deleted"] == 1
    assert not Attachment.objects.filter(pk=attachment.pk).exists() and not is_stored(attachment)
    assert is_stored(kept)
