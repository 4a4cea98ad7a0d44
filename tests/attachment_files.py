"""Real files for the attachment tests: photos with metadata, hostile files, bombs."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
# The ELF header of a 64-bit x86 Linux executable, then padding: what `file` calls an ELF.
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
# A DOS/PE executable's start ("MZ", the DOS stub, the PE offset).
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"\x80\x00\x00\x00" + b"\x00" * 200
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def photo_with_gps(*, size: tuple[int, int] = (64, 48), orientation: int = 1) -> bytes:
    """A JPEG whose EXIF names a place (GPS), a camera and an orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    # The left half is blue, so a rotation is visible in the pixels.
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def png(size: tuple[int, int] = (20, 10), color: tuple[int, int, int] = (0, 128, 0)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (10 gigapixels by default):
    decoding it would take tens of gigabytes of memory."""
    small = png((1, 1))
    # The IHDR chunk follows the 8-byte signature: length (4), type (4), data (13), CRC (4).
    ihdr_data = struct.pack(">II", width, height) + small[24:29]
    chunk = b"IHDR" + ihdr_data
    patched = chunk + struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    return small[:12] + patched + small[33:]
