"""The rules an inbox's settings must follow, as plain functions: a colour the widget's text
stays readable on, origins a browser would send, keyword lists. Each returns the cleaned value
or raises SettingsRefused with a message for the page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from tickets.workspace.permissions import SettingsRefused

HEX_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# The widget writes its header text in white or in this dark grey, whichever reads better on the
# accent colour (static/widget/loader.js, applyColor).
WIDGET_LIGHT_TEXT = "#ffffff"
WIDGET_DARK_TEXT = "#111827"
# WCAG 2 AA for normal text: the widget's title and subtitle are normal-sized text.
MIN_CONTRAST = 4.5
MAX_ORIGINS = 50
MAX_KEYWORDS = 100
MAX_KEYWORD_CHARS = 100


def _channel(value: int) -> float:
    value_01 = value / 255
    return value_01 / 12.92 if value_01 <= 0.03928 else ((value_01 + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def widget_text_contrast(color: str) -> float:
    """The contrast of the widget's header text on this accent colour: the better of its two
    text colours, as the widget itself chooses."""
    return max(contrast_ratio(color, WIDGET_LIGHT_TEXT), contrast_ratio(color, WIDGET_DARK_TEXT))


def checked_color(value: str) -> str:
    """A #rgb or #rrggbb colour, as lower-case #rrggbb; empty keeps the widget's own colour."""
    value = value.strip()
    if not value:
        return ""
    if not HEX_COLOR.match(value):
        raise SettingsRefused("invalid", _("Enter the colour as a hex code such as #2457d6."))
    if len(value) == 4:
        value = "#" + "".join(digit * 2 for digit in value[1:])
    value = value.lower()
    ratio = widget_text_contrast(value)
    if ratio < MIN_CONTRAST:
        raise SettingsRefused(
            "low_contrast",
            _(
                "The widget's text would be hard to read on %(color)s (contrast %(ratio).2f:1, "
                "at least %(minimum).1f:1 is needed). Choose a darker or a lighter colour."
            )
            % {"color": value, "ratio": ratio, "minimum": MIN_CONTRAST},
        )
    return value


def _not_an_origin(value: str) -> SettingsRefused:
    return SettingsRefused(
        "invalid",
        _(
            "%(origin)s is not an origin. Write it as https://www.example.com "
            "(scheme, host and, if needed, port; no path)."
        )
        % {"origin": value},
    )


def checked_origin(value: str) -> str:
    """An origin as browsers send it (http or https, a host, an optional port; nothing else),
    with the host lower-case and in its ASCII form, as the Origin header carries it."""
    try:
        parts = urlsplit(value)
        port = parts.port
        host = parts.hostname or ""
        ascii_host = host if ":" in host else host.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise _not_an_origin(value) from None
    if (
        parts.scheme not in ("http", "https")
        or not ascii_host
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "*" in value
    ):
        raise _not_an_origin(value)
    if ":" in ascii_host:  # an IPv6 address keeps its brackets
        ascii_host = f"[{ascii_host}]"
    return f"{parts.scheme}://{ascii_host}" + (f":{port}" if port is not None else "")


def checked_origins(lines: Iterable[str]) -> list[str]:
    origins = list(dict.fromkeys(checked_origin(line.strip()) for line in lines if line.strip()))
    if len(origins) > MAX_ORIGINS:
        raise SettingsRefused(
            "invalid",
            _("At most %(count)d origins per inbox.") % {"count": MAX_ORIGINS},
        )
    return origins


def checked_keywords(lines: Iterable[str]) -> list[str]:
    keywords = list(dict.fromkeys(line.strip() for line in lines if line.strip()))
    if len(keywords) > MAX_KEYWORDS or any(len(k) > MAX_KEYWORD_CHARS for k in keywords):
        raise SettingsRefused(
            "invalid",
            _("At most %(count)d keywords of up to %(chars)d characters each.")
            % {"count": MAX_KEYWORDS, "chars": MAX_KEYWORD_CHARS},
        )
    return keywords
