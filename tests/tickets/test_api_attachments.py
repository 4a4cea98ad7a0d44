"""Attachments through the API: each message lists its files (name, type, size) with a signed,
expiring URL that serves the bytes to staff who may read the conversation, and to nobody else."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from assistant.chat.attachments import attachment_store
from assistant.chat.models import Attachment
from tests import attachment_files as files
from tests.tickets.conftest import World

pytestmark = pytest.mark.django_db


def receipt_on_first_message(conversation: Any) -> Attachment:
    return attachment_store(
        conversation=conversation,
        message=conversation.messages.order_by("seq").first(),
        name="receipt.png",
        data=files.png(),
        source="customer",
    )


def listed_files(client: APIClient, conversation: Any) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/conversations/{conversation.pk}/messages")
    assert response.status_code == 200, response.content
    return response.json()["results"][0]["attachments"]


def test_a_message_lists_its_files_and_their_url_serves_the_bytes(world: World) -> None:
    attachment = receipt_on_first_message(world.conversation_a)
    client = world.client("agent_a")

    [listed] = listed_files(client, world.conversation_a)

    assert {key: listed[key] for key in ("id", "name", "content_type", "size", "source")} == {
        "id": str(attachment.pk),
        "name": "receipt.png",
        "content_type": "image/png",
        "size": attachment.size,
        "source": "customer",
    }
    assert listed["url"].startswith("http://testserver/api/v1/attachments/")
    served = client.get(listed["url"], HTTP_ACCEPT="image/png")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    with attachment.file.open("rb") as handle:
        assert b"".join(served.streaming_content) == handle.read()


def test_messages_without_files_list_none(world: World) -> None:
    assert listed_files(world.client("agent_a"), world.conversation_a) == []


@pytest.mark.parametrize(
    ("name", "status"), [("agent_b", 404), ("outsider", 403), ("anonymous", 401)]
)
def test_the_url_serves_nobody_who_may_not_read_the_conversation(
    world: World, name: str, status: int
) -> None:
    receipt_on_first_message(world.conversation_a)
    [listed] = listed_files(world.client("agent_a"), world.conversation_a)
    answer = world.client(name).get(listed["url"])
    assert answer.status_code == status
    assert not answer.get("Content-Disposition")


def test_an_expired_or_altered_url_is_a_404(world: World) -> None:
    receipt_on_first_message(world.conversation_a)
    client = world.client("agent_a")
    [listed] = listed_files(client, world.conversation_a)
    assert client.get(listed["url"][:-2] + "xx").status_code == 404
    with override_settings(ATTACHMENT_URL_MAX_AGE_AGENT=1):
        time.sleep(2)
        assert client.get(listed["url"]).status_code == 404


def test_the_schema_describes_message_attachments_and_their_download(world: World) -> None:
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    message = schema["components"]["schemas"]["Message"]["properties"]
    assert "attachments" in message
    listed = schema["components"]["schemas"]["MessageAttachment"]["properties"]
    assert {"id", "name", "content_type", "size", "url"} <= set(listed)
    assert "/api/v1/attachments/{token}" in schema["paths"]
