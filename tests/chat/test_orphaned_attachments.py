"""Widget uploads that no message came to carry are deleted, row and stored bytes, once they are
older than ATTACHMENT_ORPHAN_HOURS; files that messages carry, and recent uploads, stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from assistant.chat import tasks
from assistant.chat.attachments import AttachmentRefused, attachment_store, attachments_claim
from assistant.chat.models import Attachment
from tests import attachment_files as files
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def uploaded(conversation, *, hours_ago: float) -> Attachment:
    attachment = attachment_store(
        conversation=conversation,
        message=None,
        name="receipt.png",
        data=files.png(),
        source="customer",
    )
    Attachment.objects.filter(pk=attachment.pk).update(
        created_at=timezone.now() - timedelta(hours=hours_ago)
    )
    return attachment


def on_disk(attachment: Attachment) -> bool:
    return attachment.file.storage.exists(attachment.file.name)


@override_settings(ATTACHMENT_ORPHAN_HOURS=24)
def test_an_old_upload_no_message_carries_is_deleted_with_its_file(inbox) -> None:
    conversation = factories.make_conversation(inbox)
    orphan = uploaded(conversation, hours_ago=25)
    recent = uploaded(conversation, hours_ago=23)
    sent = uploaded(conversation, hours_ago=48)
    with transaction.atomic():  # as the message frame claims its files
        attachments_claim(
            conversation=conversation,
            message=conversation.messages.get(),
            ids=[sent.pk],
            source="customer",
        )

    assert tasks.delete_orphaned_attachments() == 1

    assert set(Attachment.objects.values_list("pk", flat=True)) == {recent.pk, sent.pk}
    assert not on_disk(orphan)
    assert on_disk(recent) and on_disk(sent)
    # Nothing is left to sweep: a second run deletes nothing.
    assert tasks.delete_orphaned_attachments() == 0


def test_a_message_naming_a_swept_upload_is_refused_with_a_clear_message(inbox) -> None:
    conversation = factories.make_conversation(inbox)
    orphan = uploaded(conversation, hours_ago=30)
    tasks.delete_orphaned_attachments()
    with pytest.raises(AttachmentRefused) as refused, transaction.atomic():
        attachments_claim(
            conversation=conversation,
            message=conversation.messages.get(),
            ids=[orphan.pk],
            source="customer",
        )
    assert refused.value.code == "unknown_attachment"
    assert "no longer available" in str(refused.value.message)
