"""attachment_store: what is stored is decided on the content, never on the name."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from PIL import Image

from assistant.chat.attachments import AttachmentRefused, attachment_store, clean_name
from assistant.chat.models import Attachment, Message
from tests import attachment_files as files
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(inbox):
    return factories.make_conversation(inbox)


def store(conversation, data: bytes, *, name: str = "photo.jpg", source: str = "customer"):
    return attachment_store(
        conversation=conversation, message=None, name=name, data=data, source=source
    )


def stored_bytes(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def test_a_photo_is_stored_without_its_gps_and_camera_metadata(conversation) -> None:
    original = files.photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(files.GPS_IFD)  # it had GPS

    attachment = store(conversation, original, name="IMG_0001.JPG")

    kept = stored_bytes(attachment)
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG"
    assert not image.getexif(), "the stored photo still carries EXIF"
    assert b"PhoneMaker" not in kept and b"Exif" not in kept
    assert (attachment.content_type, attachment.width, attachment.height) == ("image/jpeg", 64, 48)
    assert attachment.name == "IMG_0001.jpg" and attachment.size == len(kept)
    assert attachment.file.storage.exists(attachment.file.name)


def test_a_sideways_photo_is_stored_upright(conversation) -> None:
    # Orientation 6: the camera was turned; viewers rotate it 90 degrees clockwise.
    attachment = store(conversation, files.photo_with_gps(size=(64, 48), orientation=6))
    assert (attachment.width, attachment.height) == (48, 64)
    image = Image.open(io.BytesIO(stored_bytes(attachment))).convert("RGB")
    # The blue left half is now at the top.
    assert image.getpixel((24, 4))[2] > 150 and image.getpixel((24, 60))[0] > 150


def test_png_gif_and_webp_are_kept_in_their_format(conversation) -> None:
    for fmt, kind in (("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")):
        out = io.BytesIO()
        Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format=fmt)
        attachment = store(conversation, out.getvalue(), name=f"x.{fmt.lower()}")
        assert attachment.content_type == kind
        assert Image.open(io.BytesIO(stored_bytes(attachment))).format == fmt


def test_a_pdf_is_stored_as_it_came(conversation) -> None:
    attachment = store(conversation, files.PDF, name="invoice.PDF")
    assert attachment.content_type == "application/pdf" and attachment.name == "invoice.pdf"
    assert stored_bytes(attachment) == files.PDF


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (files.ELF, "holiday.jpg"),
        (files.PE, "invoice.pdf"),
        (files.SVG_WITH_SCRIPT, "logo.png"),
        (files.SVG_WITH_SCRIPT, "logo.svg"),
        (files.HTML, "receipt.jpg"),
        (b"just some words", "notes.txt"),
    ],
)
def test_executables_svg_and_html_are_refused_whatever_their_name(
    conversation, data: bytes, name: str
) -> None:
    with pytest.raises(AttachmentRefused) as refusal:
        store(conversation, data, name=name)
    assert refusal.value.code == "type_not_allowed"
    assert "PDF" in refusal.value.message
    assert not Attachment.objects.exists()


def test_agents_may_attach_plain_text_but_not_markup(conversation) -> None:
    attachment = store(conversation, "Steps: 1. …".encode(), name="steps.txt", source="agent")
    assert attachment.content_type == "text/plain"
    for hostile in (files.SVG_WITH_SCRIPT, files.HTML, files.ELF):
        with pytest.raises(AttachmentRefused):
            store(conversation, hostile, name="readme.txt", source="email")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(conversation) -> None:
    with pytest.raises(AttachmentRefused) as refusal:
        store(conversation, files.png_bomb(), name="cat.png")
    assert refusal.value.code == "bad_image"
    # Below Pillow's own bomb limit but above ours (40 megapixels by default).
    with pytest.raises(AttachmentRefused):
        store(conversation, files.png_bomb(8000, 8000), name="cat.png")


def test_a_truncated_image_is_refused(conversation) -> None:
    with pytest.raises(AttachmentRefused) as refusal:
        store(conversation, files.photo_with_gps()[:300])
    assert refusal.value.code == "bad_image"


@override_settings(ATTACHMENT_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused(conversation) -> None:
    with pytest.raises(AttachmentRefused) as refusal:
        store(conversation, files.PDF + b" " * 1000, name="big.pdf")
    assert refusal.value.code == "too_large"
    with pytest.raises(AttachmentRefused) as refusal:
        store(conversation, b"", name="empty.pdf")
    assert refusal.value.code == "empty"


@override_settings(ATTACHMENTS_PER_MESSAGE=2)
def test_a_message_carries_a_limited_number_of_files(conversation) -> None:
    message = Message.objects.filter(conversation=conversation).first()
    for _ in range(2):
        attachment_store(
            conversation=conversation, message=message, name="a.pdf", data=files.PDF, source="email"
        )
    with pytest.raises(AttachmentRefused) as refusal:
        attachment_store(
            conversation=conversation, message=message, name="a.pdf", data=files.PDF, source="email"
        )
    assert refusal.value.code == "too_many"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\me\\scan.PDF", "scan.pdf"),
        ("inv\u202eoice\x00.pdf", "invoice.pdf"),
        ("", "attachment.pdf"),
        ("a" * 500 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_names_lose_paths_and_control_characters(name: str, expected: str) -> None:
    assert clean_name(name, suffix=".pdf") == expected


def test_an_unknown_source_is_a_programming_error(conversation) -> None:
    with pytest.raises(ValueError, match="source"):
        store(conversation, files.PDF, source="fax")
