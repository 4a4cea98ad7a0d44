"""Attachments on the desk: customers' files in the transcript, served only to staff who may
see the conversation; agents attach files to replies under the same checks."""

from __future__ import annotations

import io
import re
import time
from unittest import mock

import pytest
from django.test import Client

from assistant.chat import services as chat
from assistant.chat.attachment_links import attachment_token
from assistant.chat.models import Attachment, Message
from tests import attachment_files as files
from tests.tickets.conftest import World

pytestmark = pytest.mark.django_db


def customer_photo(world: World) -> Attachment:
    """A photo customer A sends in their conversation (upload, then the message carrying it)."""
    contact = world.contact_a
    attachment = chat.customer_upload(
        contact_id=contact.pk, name="broken-wheel.jpg", data=files.photo_with_gps()
    )
    chat.customer_message_create(
        contact_id=contact.pk, text="Here it is", client_id="photo", attachment_ids=[attachment.pk]
    )
    attachment.refresh_from_db()
    return attachment


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_the_agent_sees_the_customers_photo_in_the_transcript(world: World) -> None:
    attachment = customer_photo(world)
    page = logged_in(world.agent_a).get(f"/desk/c/{world.conversation_a.pk}/").content.decode()
    links = re.findall(r'<img src="(/desk/attachments/[^"]+)" alt="broken-wheel.jpg"', page)
    assert len(links) == 1
    served = logged_in(world.agent_a).get(links[0])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Content-Security-Policy"].startswith("sandbox")
    assert b"PhoneMaker" not in b"".join(served.streaming_content)
    assert attachment.message.text == "Here it is"


@pytest.mark.parametrize("person", ["agent_b", "outsider"])
def test_staff_who_may_not_see_the_conversation_get_a_404(world: World, person: str) -> None:
    link = f"/desk/attachments/{attachment_token(customer_photo(world).pk)}"
    response = logged_in(world.person(person)).get(link)
    assert response.status_code in (403, 404) and b"\xff\xd8" not in response.content


def test_an_anonymous_visitor_is_sent_to_the_login_page(world: World) -> None:
    link = f"/desk/attachments/{attachment_token(customer_photo(world).pk)}"
    response = Client().get(link)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_an_expired_or_forged_desk_link_is_a_404(world: World) -> None:
    token = attachment_token(customer_photo(world).pk)
    client = logged_in(world.agent_a)
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 9 * 3600):
        assert client.get(f"/desk/attachments/{token}").status_code == 404
    assert client.get(f"/desk/attachments/{token[:-3]}abc").status_code == 404


def test_an_agent_replies_with_a_pdf_and_a_photo(world: World) -> None:
    response = logged_in(world.agent_a).post(
        f"/desk/c/{world.conversation_a.pk}/reply",
        {
            "text": "Your label and the photo",
            "files": [named(files.PDF, "label.pdf"), named(files.png(), "photo.png")],
        },
    )
    assert response.status_code == 204, response.content
    message = Message.objects.filter(conversation=world.conversation_a).latest("seq")
    assert message.author_kind == "agent"
    assert [(a.name, a.content_type, a.source) for a in message.attachments.order_by("name")] == [
        ("label.pdf", "application/pdf", "agent"),
        ("photo.png", "image/png", "agent"),
    ]


def test_a_reply_may_be_only_a_file(world: World) -> None:
    reply = f"/desk/c/{world.conversation_a.pk}/reply"
    response = logged_in(world.agent_a).post(
        reply, {"text": "", "files": [named(files.PDF, "a.pdf")]}
    )
    assert response.status_code == 204
    empty = logged_in(world.agent_a).post(f"/desk/c/{world.conversation_a.pk}/reply", {"text": ""})
    assert empty.status_code == 400


def test_a_refused_file_sends_nothing_and_leaves_nothing_in_storage(world: World) -> None:
    before = Message.objects.filter(conversation=world.conversation_a).count()
    response = logged_in(world.agent_a).post(
        f"/desk/c/{world.conversation_a.pk}/reply",
        {"text": "See attached", "files": [named(files.PDF, "ok.pdf"), named(files.ELF, "x.jpg")]},
    )
    assert response.status_code == 400 and "PDF" in response.content.decode()
    assert Message.objects.filter(conversation=world.conversation_a).count() == before
    assert not Attachment.objects.exists()
    storage = Attachment._meta.get_field("file").storage
    folder = f"attachments/{world.conversation_a.pk}"
    assert not storage.exists(folder) or storage.listdir(folder)[1] == []


def test_the_queue_row_says_how_many_files_came_with_the_customers_last_message(
    world: World,
) -> None:
    client = logged_in(world.agent_a)
    before = client.get("/desk/q/waiting/", HTTP_HX_REQUEST="true").content.decode()
    assert "1 file" not in before
    customer_photo(world)
    rows = client.get("/desk/q/waiting/", HTTP_HX_REQUEST="true").content.decode()
    assert rows.count("1 file") == 1 and "Here it is" in rows
