"""Inbox avatars: an upload is judged by its content (never its name or declared type), decoded
by Pillow under size limits, cropped square and re-encoded as a small PNG. Only that PNG is
kept, so nothing a visitor's browser loads is a file someone else wrote: no SVG scripts, no
polyglots, no metadata (a photo's location) left in."""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tickets.workspace.permissions import SettingsRefused

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Decoding a small file can still allocate a huge canvas (a "decompression bomb"): refuse
# anything larger than a generous photo before decoding it.
MAX_PIXELS = 25_000_000
ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
AVATAR_SIZE = 128


def _refused() -> SettingsRefused:
    return SettingsRefused(
        "invalid_image",
        _("The avatar must be a PNG, JPEG, WebP or GIF image of at most %(size)d MB.")
        % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )


def reencoded_avatar(data: bytes) -> bytes:
    """The uploaded image as a square AVATAR_SIZE PNG, or SettingsRefused."""
    if not data or len(data) > MAX_UPLOAD_BYTES:
        raise _refused()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _refused()
                image.load()
                # The first frame of an animation; orientation from EXIF applied, then dropped.
                picture = ImageOps.exif_transpose(image).convert("RGBA")
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise _refused() from error
    square = ImageOps.fit(picture, (AVATAR_SIZE, AVATAR_SIZE), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="PNG", optimize=True)
    return out.getvalue()
