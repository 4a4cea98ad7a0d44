"""The widget's attachments: upload over HTTP, then a message frame that carries them; files
served only to their own customer, through a signed link that expires."""

from __future__ import annotations

import io
import time
from unittest import mock

import pytest
from django.core import signing
from django.test import Client, override_settings
from PIL import Image

from assistant.chat.attachment_links import attachment_token
from assistant.chat.models import Attachment, Message
from assistant.db_async import db_async
from tests import attachment_files as files
from tests import factories
from tests.chat.conftest import Widget

UPLOAD = "/api/widget/attachments"


def upload(client: Client, token: str, data: bytes, name: str = "photo.jpg", **headers: str):
    return client.post(
        UPLOAD,
        {"file": _file(data, name)},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ORIGIN=factories.SITE,
        **headers,
    )


def _file(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def download(client: Client, token: str, link: str):
    return client.get(f"{UPLOAD}/{link}", HTTP_AUTHORIZATION=f"Bearer {token}")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
class TestHttp:
    def test_a_customer_uploads_a_photo_and_downloads_it_stripped(self, client, inbox) -> None:
        session = factories.make_session(inbox)
        response = upload(client, session.token, files.photo_with_gps(), "IMG_1.jpg")
        assert response.status_code == 201, response.content
        described = response.json()
        assert described["name"] == "IMG_1.jpg" and described["content_type"] == "image/jpeg"
        assert response["Access-Control-Allow-Origin"] == factories.SITE
        attachment = Attachment.objects.get(pk=described["id"])
        assert attachment.message is None and attachment.conversation.contact == session.contact

        served = download(client, session.token, described["token"])
        assert served.status_code == 200
        assert served["Content-Type"] == "image/jpeg"
        assert served["X-Content-Type-Options"] == "nosniff"
        assert served["Content-Security-Policy"].startswith("sandbox")
        assert served["Content-Disposition"].startswith("inline")
        content = body(served)
        assert not Image.open(io.BytesIO(content)).getexif() and b"PhoneMaker" not in content

    def test_a_pdf_is_always_a_download(self, client, inbox) -> None:
        session = factories.make_session(inbox)
        described = upload(client, session.token, files.PDF, "invoice.pdf").json()
        served = download(client, session.token, described["token"])
        assert served["Content-Disposition"].startswith("attachment")
        assert served["Content-Security-Policy"].startswith("sandbox")
        assert body(served) == files.PDF

    def test_another_customers_link_is_a_bare_404(self, client, inbox) -> None:
        alice, bob = factories.make_session(inbox), factories.make_session(inbox)
        link = upload(client, alice.token, files.png()).json()["token"]
        refused = download(client, bob.token, link)
        assert refused.status_code == 404 and refused.content == b""
        # Nor without a token, nor with a forged one.
        assert client.get(f"{UPLOAD}/{link}").status_code == 404
        assert download(client, "forged", link).status_code == 404

    def test_another_inboxs_customer_cannot_reach_it_either(self, client, inbox) -> None:
        alice = factories.make_session(inbox)
        stranger = factories.make_session(factories.make_inbox())
        link = upload(client, alice.token, files.png()).json()["token"]
        assert download(client, stranger.token, link).status_code == 404

    def test_an_expired_or_altered_link_is_a_bare_404(self, client, inbox) -> None:
        session = factories.make_session(inbox)
        described = upload(client, session.token, files.png()).json()
        link = described["token"]
        later = time.time() + 3601
        with mock.patch("django.core.signing.time.time", return_value=later):
            expired = download(client, session.token, link)
        assert expired.status_code == 404 and expired.content == b""
        other = Attachment.objects.create(
            conversation=Attachment.objects.get(pk=described["id"]).conversation,
            name="x.png",
            content_type="image/png",
            size=1,
            source="customer",
            file="attachments/none.png",
        )
        # The signature of one file's link, with another file's id.
        altered = str(other.pk) + link[len(described["id"]) :]
        assert download(client, session.token, altered).status_code == 404
        assert download(client, session.token, link[:-2] + "xx").status_code == 404

    @pytest.mark.parametrize(
        ("data", "name", "code"),
        [
            (files.ELF, "cat.jpg", "type_not_allowed"),
            (files.PE, "scan.pdf", "type_not_allowed"),
            (files.SVG_WITH_SCRIPT, "logo.svg", "type_not_allowed"),
            (files.png_bomb(), "bomb.png", "bad_image"),
        ],
    )
    def test_hostile_files_are_refused_with_a_reason(self, client, inbox, data, name, code) -> None:
        session = factories.make_session(inbox)
        refused = upload(client, session.token, data, name)
        assert refused.status_code == 400 and refused.json()["error"] == code
        assert not Attachment.objects.exists()

    def test_the_refusal_is_in_the_customers_language(self, client, inbox) -> None:
        session = factories.make_session(inbox, language="de")
        with mock.patch(
            "assistant.chat.attachments.not_allowed_message", return_value="übersetzt"
        ) as message:
            refused = upload(client, session.token, files.ELF, "cat.jpg")
        assert refused.json()["message"] == "übersetzt"
        assert message.called

    @override_settings(ATTACHMENT_MAX_BYTES=2000)
    def test_an_oversized_upload_is_refused_before_it_is_read(self, client, inbox) -> None:
        session = factories.make_session(inbox)
        refused = upload(client, session.token, files.PDF + b"0" * 100_000, "big.pdf")
        assert refused.status_code == 413 and refused.json()["error"] == "too_large"

    def test_uploads_need_a_session_token(self, client, inbox) -> None:
        response = client.post(UPLOAD, {"file": _file(files.png(), "a.png")})
        assert response.status_code == 401

    def test_uploads_are_rate_limited(self, client, inbox, settings) -> None:
        settings.WIDGET_RATE_LIMITS = {**settings.WIDGET_RATE_LIMITS, "upload": 2}
        session = factories.make_session(inbox)
        statuses = [upload(client, session.token, files.png()).status_code for _ in range(3)]
        assert statuses == [201, 201, 429]


@pytest.mark.django_db(transaction=True)
async def test_a_message_carries_its_files_to_the_customer_and_the_history(inbox) -> None:
    session = await db_async(factories.make_session)(inbox)
    attachment_id = (await db_async(_upload_direct)(session, files.png())).pk
    tab = Widget()
    await tab.hello(session.token)
    await tab.send(
        {"type": "message", "client_id": "m1", "text": "", "attachments": [str(attachment_id)]}
    )
    echo = None
    while echo is None:
        frame = await tab.receive()
        if frame["type"] == "message":
            echo = frame["message"]
    assert echo["text"] == "" and [a["id"] for a in echo["attachments"]] == [str(attachment_id)]
    assert echo["attachments"][0]["content_type"] == "image/png"
    stored = await db_async(Message.objects.get)(conversation__contact=session.contact)
    assert (await db_async(Attachment.objects.get)(pk=attachment_id)).message_id == stored.pk
    await tab.close()

    # A new tab's history shows the file with the message.
    again = Widget()
    welcome = await again.hello(session.token)
    assert [a["id"] for a in welcome["messages"][0]["attachments"]] == [str(attachment_id)]
    await again.close()


@pytest.mark.django_db(transaction=True)
async def test_after_a_message_of_files_alone_the_next_words_are_answered(inbox) -> None:
    """A message of files asks for no answer, and must leave no turn claimed that would keep
    the assistant from answering what the customer writes next."""
    session = await db_async(factories.make_session)(inbox)
    attachment_id = (await db_async(_upload_direct)(session, files.png())).pk
    tab = Widget()
    await tab.hello(session.token)
    await tab.send(
        {"type": "message", "client_id": "m1", "text": "", "attachments": [str(attachment_id)]}
    )
    await tab.receive_until("ack")
    await tab.send({"type": "message", "client_id": "m2", "text": "How long does delivery take?"})
    answer, _ = await tab.receive_until("stream_end")
    assert answer["message"]["author"]["kind"] == "assistant"
    await tab.close()


@pytest.mark.django_db(transaction=True)
async def test_a_message_cannot_carry_another_customers_file(inbox) -> None:
    alice = await db_async(factories.make_session)(inbox)
    bob = await db_async(factories.make_session)(inbox)
    alices = (await db_async(_upload_direct)(alice, files.png())).pk
    await db_async(_upload_direct)(bob, files.png())  # bob has an open conversation too
    tab = Widget()
    await tab.hello(bob.token)
    await tab.send(
        {"type": "message", "client_id": "m1", "text": "look", "attachments": [str(alices)]}
    )
    error, _ = await tab.receive_until("error")
    assert error["code"] == "unknown_attachment" and error["client_id"] == "m1"
    assert not await db_async(Message.objects.filter(conversation__contact=bob.contact).exists)()
    assert (await db_async(Attachment.objects.get)(pk=alices)).message_id is None
    await tab.close()


def _upload_direct(session, data: bytes) -> Attachment:
    from assistant.chat import services

    return services.customer_upload(contact_id=session.contact.id, name="a.png", data=data)


def test_links_are_signed_and_name_the_file() -> None:
    import uuid

    attachment_id = uuid.uuid4()
    link = attachment_token(attachment_id)
    assert str(attachment_id) in link
    with pytest.raises(signing.BadSignature):
        signing.TimestampSigner(salt="another").unsign(link)
