"""Storing attachments: the checks every file passes, whoever brought it (docs/attachments.md).

The widget's upload endpoint, the desk's reply form and the e-mail channel all call
``attachment_store``; it decides on the *content* (Pillow identifies images by their magic bytes,
PDFs by their header), never on the name or a declared type, so ``invoice.jpg`` that is really an
executable, or an SVG with a script, is refused whatever it is called. Images are decoded and
re-encoded: what is stored carries no EXIF (GPS, camera serial), is upright, and cannot be a
polyglot that a browser would read as something else.
"""

from __future__ import annotations

import io
import unicodedata
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from assistant.chat.models import Attachment, Conversation, Message
from assistant.errors import Refused

SOURCES = frozenset(Attachment.Source.values)

# Pillow format -> (content type, stored suffix, format to re-encode into).
_IMAGE_FORMATS: dict[str, tuple[str, str, str]] = {
    "JPEG": ("image/jpeg", ".jpg", "JPEG"),
    "PNG": ("image/png", ".png", "PNG"),
    "GIF": ("image/gif", ".gif", "GIF"),
    "WEBP": ("image/webp", ".webp", "WEBP"),
    # Only when a HEIF plugin (pillow-heif) is registered; browsers cannot show HEIC, so it is
    # stored as JPEG.
    "HEIF": ("image/jpeg", ".jpg", "JPEG"),
}
PDF = "application/pdf"
TEXT = "text/plain"
# Plain text only from agents and e-mail: a customer has the message box for text.
_TEXT_SOURCES = frozenset({Attachment.Source.AGENT, Attachment.Source.EMAIL})
# The re-encoded images: the only files shown inline; everything else is a download.
IMAGE_TYPES = frozenset(kind for kind, _suffix, _format in _IMAGE_FORMATS.values())
_NAME_MAX = 200


class AttachmentRefused(Refused):
    """A file that is not stored, with a stable ``code`` and a translated ``message``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status=413 if code == "too_large" else 400)


@dataclass(frozen=True)
class _Checked:
    data: bytes
    content_type: str
    suffix: str
    width: int | None = None
    height: int | None = None


def attachment_store(
    *, conversation: Conversation, message: Message | None, name: str, data: bytes, source: str
) -> Attachment:
    """Check ``data``, re-encode it if it is an image, store it and its row; or refuse it.

    ``message`` may be None: the widget uploads before it sends the message naming the file,
    which then claims it (``attachments_claim``).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown attachment source {source!r}")
    _check_size(len(data))
    if message is not None:
        _check_count(message)
    checked = _check_content(data, source=source)
    # Re-encoding can grow a file (a tiny PNG saved anew); the limit holds for what is stored.
    _check_size(len(checked.data))
    attachment = Attachment(
        conversation=conversation,
        message=message,
        name=clean_name(name, suffix=checked.suffix),
        content_type=checked.content_type,
        size=len(checked.data),
        width=checked.width,
        height=checked.height,
        source=source,
    )
    attachment.file.save("upload" + checked.suffix, ContentFile(checked.data), save=False)
    try:
        attachment.save()
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@contextmanager
def attachments_kept_on_success(
    *, conversation: Conversation, files: Sequence[tuple[str, bytes]], source: str
) -> Iterator[list[Attachment]]:
    """Store ``files`` (name, content) for the message the block then creates, and delete
    their stored bytes again if anything in the block (or storing a later file) fails: the
    transaction rolls their rows back, and storage is no part of the transaction."""
    if len(files) > settings.ATTACHMENTS_PER_MESSAGE:
        raise AttachmentRefused("too_many", too_many_message())
    stored: list[Attachment] = []
    try:
        for name, data in files:
            stored.append(
                attachment_store(
                    conversation=conversation, message=None, name=name, data=data, source=source
                )
            )
        yield stored
    except BaseException:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise


def clean_name(name: str, *, suffix: str) -> str:
    """The uploader's name as shown: no path, no control or format characters, bounded, and
    ending with the suffix of what the content really is."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] not in {"C", "Z"} or ch == " ")
    base = " ".join(base.split()).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: _NAME_MAX - len(suffix)] or _("attachment")
    return stem + suffix


def _check_size(size: int) -> None:
    if size == 0:
        raise AttachmentRefused("empty", _("The file is empty."))
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise AttachmentRefused(
            "too_large",
            _("The file is too large (the limit is %(size)s MB).")
            % {"size": f"{limit / (1024 * 1024):g}"},
        )


def _check_count(message: Message) -> None:
    if message.attachments.count() >= settings.ATTACHMENTS_PER_MESSAGE:
        raise AttachmentRefused("too_many", too_many_message())


def too_many_message() -> str:
    return _("A message can carry at most %(count)d files.") % {
        "count": settings.ATTACHMENTS_PER_MESSAGE
    }


def _check_content(data: bytes, *, source: str) -> _Checked:
    if data.startswith(b"%PDF-"):
        return _Checked(data=data, content_type=PDF, suffix=".pdf")
    image = _open_image(data)
    if image is not None:
        return _reencode(image)
    if source in _TEXT_SOURCES and _is_plain_text(data):
        return _Checked(data=data, content_type=TEXT, suffix=".txt")
    raise AttachmentRefused("type_not_allowed", not_allowed_message())


def not_allowed_message() -> str:
    return _("This kind of file cannot be sent. Send a photo (JPEG, PNG, GIF, WebP) or a PDF.")


def _bad_image() -> AttachmentRefused:
    return AttachmentRefused("bad_image", _("This image is damaged or too large to open."))


def _open_image(data: bytes) -> Image.Image | None:
    """The image Pillow recognises by its magic bytes among the allowed formats, its header
    read but its pixels not decoded yet; None when the content is no allowed image."""
    formats = [name for name in _IMAGE_FORMATS if name in Image.registered_extensions().values()]
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both refuse here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=formats)
    except UnidentifiedImageError:
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _bad_image() from error
    except (OSError, ValueError, SyntaxError) as error:
        raise _bad_image() from error
    width, height = image.size
    if width * height > settings.ATTACHMENT_MAX_PIXELS:
        raise _bad_image()
    frames = getattr(image, "n_frames", 1)
    if width * height * frames > settings.ATTACHMENT_MAX_PIXELS * 4:
        # An animation of many large frames is a bomb too, spread over time.
        raise _bad_image()
    return image


def _reencode(image: Image.Image) -> _Checked:
    """Only the pixels cross over into a fresh image: no EXIF, XMP, ICC profile, comment or
    text chunk of the original reaches what is stored."""
    content_type, suffix, target = _IMAGE_FORMATS[image.format or ""]
    animated = getattr(image, "is_animated", False) and target in {"GIF", "WEBP"}
    out = io.BytesIO()
    try:
        if animated:
            width, height = image.size
            _save_animation(image, out, target)
        else:
            clean = _pixels_only(ImageOps.exif_transpose(image), target)
            width, height = clean.size
            options = {"quality": 90} if target in {"JPEG", "WEBP"} else {}
            clean.save(out, format=target, **options)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise _bad_image() from error
    return _Checked(out.getvalue(), content_type, suffix, width, height)


def _pixels_only(image: Image.Image, target: str) -> Image.Image:
    if target == "JPEG" and image.mode not in {"RGB", "L"}:
        image = image.convert("RGB")
    clean = Image.new(image.mode, image.size)
    if image.mode == "P":
        clean.putpalette(image.getpalette() or [])
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    clean.paste(image)
    return clean


def _save_animation(image: Image.Image, out: io.BytesIO, target: str) -> None:
    """Each frame as plain RGBA pixels, with its timing and the loop count and nothing else
    (a GIF's comment would otherwise be copied over)."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        pixels = frame.convert("RGBA")  # decodes the frame; WebP tells its duration only then
        durations.append(int(frame.info.get("duration") or 100))
        frames.append(_pixels_only(pixels, target))
    frames[0].save(
        out,
        format=target,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=int(image.info.get("loop", 0)),
    )


def _is_plain_text(data: bytes) -> bool:
    """UTF-8 text without NULs that a browser would not sniff as markup."""
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = text.lstrip("\ufeff \t\r\n")[:512].lower()
    return not head.startswith(("<", "%!ps", "#!"))


def attachments_claim(
    *, conversation: Conversation, message: Message, ids: Sequence[uuid.UUID], source: str
) -> list[Attachment]:
    """Link uploaded files to the message that carries them, in the order ``ids`` names them.

    Only files of this conversation, from this kind of sender and not carried by another
    message yet qualify: an id of another conversation is refused like an unknown one, so a
    message can never show (or probe for) someone else's file."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    if len(wanted) > settings.ATTACHMENTS_PER_MESSAGE:
        raise AttachmentRefused("too_many", too_many_message())
    found = {
        attachment.pk: attachment
        for attachment in Attachment.objects.select_for_update().filter(
            pk__in=wanted, conversation=conversation, message__isnull=True, source=source
        )
    }
    if len(found) != len(wanted):
        raise AttachmentRefused(
            "unknown_attachment", _("A file is no longer available. Please attach it again.")
        )
    Attachment.objects.filter(pk__in=wanted).update(message=message)
    for attachment in found.values():
        attachment.message = message
    return [found[pk] for pk in wanted]


def attachments_delete(conversation_ids: Sequence[uuid.UUID]) -> int:
    """Delete the files of these conversations: their rows now (in the caller's transaction),
    their stored bytes once it commits. Retention and erasure call it before they delete or
    anonymise the conversations. The bytes go after the commit because storage is no part of
    the transaction: a rollback must not leave rows pointing at deleted files."""
    attachments = Attachment.objects.filter(conversation_id__in=conversation_ids)
    names = list(attachments.values_list("file", flat=True))
    deleted, _by_model = attachments.delete()
    if names:
        transaction.on_commit(lambda: _delete_stored(names))
    return deleted


def orphaned_attachments_delete(*, older_than: datetime, batch: int = 500) -> int:
    """Delete files that no message carries, uploaded before ``older_than``, with their stored
    bytes: a widget upload whose message was never sent (the tab closed, the send refused).
    Rows a message frame is claiming right now are locked and skipped, and a claim that comes
    after the delete finds no file and asks the customer to attach it again, so a file is never
    deleted from under a message that carries it."""
    with transaction.atomic():
        ids = list(
            Attachment.objects.select_for_update(skip_locked=True)
            .filter(message__isnull=True, created_at__lt=older_than)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch]
        )
        orphans = Attachment.objects.filter(pk__in=ids, message__isnull=True)
        names = list(orphans.values_list("file", flat=True))
        deleted, _by_model = orphans.delete()
        if names:
            transaction.on_commit(lambda: _delete_stored(names))
    return deleted


def _delete_stored(names: Sequence[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)
