"""The rules of an inbox's settings (tickets/workspace/inboxes.py) and what the widget gets from
them: each change audited with who and what, nothing saved when a value breaks a rule."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from assistant.chat import services as chat
from assistant.chat import tokens
from assistant.chat.models import Inbox
from tests import factories
from tests.tickets.test_settings_access import client_for
from tickets.models import SettingsChange
from tickets.workspace import inboxes
from tickets.workspace.permissions import SettingsRefused

pytestmark = pytest.mark.django_db


def image_bytes(size: tuple[int, int], fmt: str = "PNG", **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


def last_change(inbox: Inbox) -> SettingsChange:
    return SettingsChange.objects.filter(subject_kind="inbox", subject_id=str(inbox.pk)).first()


def test_a_change_is_recorded_with_who_and_only_what_changed(world: Any) -> None:
    inboxes.inbox_update(
        inbox=world.inbox_a,
        by=world.admin,
        changes={"display_name": "Shop A help", "color": "#1D4ED8", "name": "Shop A"},
    )
    change = last_change(world.inbox_a)
    assert change.actor == world.admin and change.actor_name
    assert change.before == {"display_name": "", "color": ""}
    assert change.after == {"display_name": "Shop A help", "color": "#1d4ed8"}


@pytest.mark.parametrize(
    ("color", "why"),
    [("blue", "hex code"), ("#12345", "hex code"), ("#777777", "hard to read"), ("#e0e", "")],
)
def test_colours_must_be_hex_codes_the_widget_text_reads_well_on(
    world: Any, color: str, why: str
) -> None:
    if not why:
        inboxes.inbox_update(inbox=world.inbox_a, by=world.admin, changes={"color": color})
        world.inbox_a.refresh_from_db()
        assert world.inbox_a.color == "#ee00ee"
        return
    with pytest.raises(SettingsRefused, match=why):
        inboxes.inbox_update(
            inbox=world.inbox_a, by=world.admin, changes={"color": color, "display_name": "X"}
        )
    world.inbox_a.refresh_from_db()
    assert world.inbox_a.display_name == ""  # nothing of the change was saved
    assert last_change(world.inbox_a) is None


def test_allowed_origins_are_cleaned_to_what_browsers_send_and_wrong_ones_refused(
    world: Any,
) -> None:
    inboxes.inbox_update(
        inbox=world.inbox_a,
        by=world.admin,
        changes={"allowed_origins": "https://Shop.Example.com/\n\nhttp://localhost:8000\n"},
    )
    world.inbox_a.refresh_from_db()
    assert world.inbox_a.allowed_origins == ["https://shop.example.com", "http://localhost:8000"]
    assert world.inbox_a.allows_origin("https://shop.example.com")
    for wrong in ["shop.example.com", "https://shop.example.com/path", "ftp://x", "https://*.x"]:
        with pytest.raises(SettingsRefused, match="not an origin"):
            inboxes.inbox_update(
                inbox=world.inbox_a, by=world.admin, changes={"allowed_origins": wrong}
            )


def test_only_admins_change_an_inbox(world: Any) -> None:
    for person in (world.manager, world.agent_a, world.outsider):
        with pytest.raises(SettingsRefused) as refusal:
            inboxes.inbox_update(inbox=world.inbox_a, by=person, changes={"display_name": "X"})
        assert refusal.value.status == 403


def test_an_avatar_is_reencoded_as_a_small_square_png_without_metadata(world: Any) -> None:
    exif = Image.Exif()
    exif[0x8825] = {2: (48.0, 51.0, 0.0)}  # a GPS position, which must not survive
    photo = image_bytes((640, 320), "JPEG", exif=exif.tobytes())
    inboxes.inbox_set_avatar(inbox=world.inbox_a, by=world.admin, upload=photo)
    world.inbox_a.refresh_from_db()
    stored = Image.open(io.BytesIO(bytes(world.inbox_a.avatar_png)))
    assert (stored.format, stored.size) == ("PNG", (128, 128))
    assert not stored.getexif()
    assert last_change(world.inbox_a).action == "avatar_changed"


@pytest.mark.parametrize(
    "upload",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"GIF89a but then just text",
        image_bytes((8, 8), "BMP"),
        image_bytes((6000, 6000)),  # small as a file, a 36-megapixel canvas once decoded
        b"\x89PNG" + b"\0" * (3 * 1024 * 1024),
    ],
    ids=["svg", "fake-gif", "bmp", "decompression-bomb", "too-large"],
)
def test_an_avatar_that_is_not_a_small_raster_image_is_refused(world: Any, upload: bytes) -> None:
    with pytest.raises(SettingsRefused, match="PNG, JPEG, WebP or GIF"):
        inboxes.inbox_set_avatar(inbox=world.inbox_a, by=world.admin, upload=upload)
    world.inbox_a.refresh_from_db()
    assert not world.inbox_a.avatar_version


def test_rotating_the_identity_secret_invalidates_old_signatures_and_logs_no_secret(
    world: Any,
) -> None:
    old = world.inbox_a.identity_secret
    signed = tokens.identity_hash(secret=old, customer_id="c-42")
    new = inboxes.inbox_rotate_identity_secret(inbox=world.inbox_a, by=world.admin)
    world.inbox_a.refresh_from_db()
    assert new == world.inbox_a.identity_secret != old
    assert not tokens.identity_is_valid(secret=new, customer_id="c-42", claimed_hash=signed)
    change = last_change(world.inbox_a)
    assert change.action == "identity_secret_rotated"
    assert new not in json.dumps([change.before, change.after]) and old not in str(change.after)


def test_the_new_secret_is_shown_once_on_the_page(world: Any) -> None:
    client = client_for(world, "admin")
    page = f"/desk/settings/inboxes/{world.inbox_a.pk}/"
    client.post(f"{page}identity-secret")
    world.inbox_a.refresh_from_db()
    first = client.get(page)
    assert world.inbox_a.identity_secret in first.content.decode()
    assert "no-store" in first["Cache-Control"]
    assert world.inbox_a.identity_secret not in client.get(page).content.decode()


def test_the_reply_route_and_the_comparison_share_choose_the_arm(world: Any) -> None:
    inbox = world.inbox_a
    inboxes.inbox_update(
        inbox=inbox, by=world.admin, changes={"model_route": "reply_b", "model_split_percent": 0}
    )
    assert chat._model_arm(inbox) == "reply_b"
    inboxes.inbox_update(inbox=inbox, by=world.admin, changes={"model_split_percent": 100})
    assert chat._model_arm(inbox) == "reply"
    with pytest.raises(SettingsRefused):
        inboxes.inbox_update(inbox=inbox, by=world.admin, changes={"model_route": "summary"})


def test_the_tone_reaches_the_assistants_instructions(world: Any) -> None:
    inboxes.inbox_update(inbox=world.inbox_a, by=world.admin, changes={"tone": "formal"})
    world.inbox_a.refresh_from_db()
    assert world.inbox_a.prompt_instructions.startswith("Tone: formal")
    assert world.inbox_a.prompt_instructions.endswith(world.inbox_a.instructions)


def test_retention_is_saved_and_audited(world: Any) -> None:
    inboxes.inbox_set_privacy(
        inbox=world.inbox_a,
        by=world.admin,
        allowed_jurisdictions=[],
        redact_internal=True,
        retention_days=90,
        retention_action="delete",
    )
    privacy = inboxes.privacy_of(world.inbox_a)
    assert (privacy.retention_days, privacy.retention_action) == (90, "delete")
    change = last_change(world.inbox_a)
    assert change.action == "privacy_changed"
    assert change.after == {
        "redact_internal": True,
        "retention_days": 90,
        "retention_action": "delete",
    }


def test_the_widget_gets_the_public_name_colour_greeting_and_avatar(world: Any) -> None:
    inbox = world.inbox_a
    inboxes.inbox_update(
        inbox=inbox,
        by=world.admin,
        changes={
            "display_name": "Shop A help",
            "color": "#0f766e",
            "greeting": "Welcome to Shop A!",
            "default_language": "en",
        },
    )
    inboxes.inbox_set_avatar(inbox=inbox, by=world.admin, upload=image_bytes((64, 64)))
    response = Client().post(
        "/api/widget/session",
        data=json.dumps({"inbox": inbox.public_key, "language": "en-GB"}),
        content_type="application/json",
        HTTP_ORIGIN=factories.SITE,
    )
    widget = response.json()["inbox"]
    assert widget["name"] == "Shop A help"
    assert widget["color"] == "#0f766e"
    assert widget["greeting"] == "Welcome to Shop A!"
    avatar = Client().get(widget["avatar_url"])
    assert avatar["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(avatar.content)).size == (128, 128)
    assert avatar["Cross-Origin-Resource-Policy"] == "cross-origin"
    # An old or guessed version is not served.
    assert (
        Client().get(widget["avatar_url"].replace(inbox.avatar_version, "0000")).status_code == 404
    )


def test_the_install_snippet_is_one_script_tag_with_the_inbox_key(world: Any) -> None:
    html = client_for(world, "admin").get(f"/desk/settings/inboxes/{world.inbox_a.pk}/")
    text = html.content.decode()
    assert (
        f"&lt;script src=&quot;http://testserver/static/widget/loader.js&quot; "
        f"data-inbox=&quot;{world.inbox_a.public_key}&quot; async&gt;&lt;/script&gt;" in text
    )


def test_jurisdictions_the_configured_models_would_break_are_refused(
    world: Any, settings: Any
) -> None:
    from assistant.llm.config import build_llm_config

    # Qwen's international endpoint is in Singapore.
    settings.LLM = build_llm_config(
        dashscope_api_key="sk-test", qwen_region="intl", openai_api_key=None
    )
    privacy = {"redact_internal": False, "retention_days": None, "retention_action": "anonymise"}
    with pytest.raises(SettingsRefused, match="Singapore"):
        inboxes.inbox_set_privacy(
            inbox=world.inbox_a, by=world.admin, allowed_jurisdictions=["China"], **privacy
        )
    assert last_change(world.inbox_a) is None
    inboxes.inbox_set_privacy(
        inbox=world.inbox_a, by=world.admin, allowed_jurisdictions=["Singapore"], **privacy
    )
    assert inboxes.privacy_of(world.inbox_a).allowed_jurisdictions == ["Singapore"]


@pytest.mark.parametrize(
    "changes",
    [
        {"display_name": "Shop\x00"},
        {"greeting": "Hi \ud800"},
        {"display_name": "x" * 81},
        {"name": "  "},
        {"token_budget": 10},
        {"idle_resolve_minutes": -1},
        {"tone": "sarcastic"},
        {"default_language": "tlh"},
        {"handoff_keywords": ["k" * 101]},
    ],
    ids=lambda changes: next(iter(changes)),
)
def test_broken_values_are_refused_and_nothing_is_saved(
    world: Any, changes: dict[str, Any]
) -> None:
    before = Inbox.objects.values().get(pk=world.inbox_a.pk)
    with pytest.raises(SettingsRefused):
        inboxes.inbox_update(inbox=world.inbox_a, by=world.admin, changes=changes)
    assert Inbox.objects.values().get(pk=world.inbox_a.pk) == before
    assert last_change(world.inbox_a) is None
