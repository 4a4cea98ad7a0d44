"""The outbound-call audit log: what left, where to, hash or redacted copy; admin and export."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from assistant.chat.models import Inbox
from assistant.compliance.evaluation import allowed_link_domains
from assistant.llm.types import Attempt, CallResult, Message, ProviderInfo
from assistant.privacy.models import InboxPrivacy
from assistant.privacy.payload import canonical_payload
from assistant.privacy.policy import PrivacySettings
from assistant.privacy.pseudonymize import Pseudonymizer
from assistant.privacy.services import (
    outbound_calls,
    privacy_settings_for,
    record_call_result,
    record_outbound_call,
    turn_rules,
)
from tests import factories

pytestmark = pytest.mark.django_db

QWEN = ProviderInfo("qwen", "openai_compatible", "qwen-plus", "external", "Singapore", "intl")
OFFLINE = ProviderInfo("offline", "offline", "offline-extractive", "internal", "in-process")


def redacted_prompt() -> tuple[list[Message], dict[str, int]]:
    pseudonymizer = Pseudonymizer()
    sent = pseudonymizer.redact_messages(
        [Message.system("Be kind."), Message.user("I am wang@example.cn, 13812345678")]
    )
    return sent, pseudonymizer.take_counts()


def call_result(*attempts: Attempt) -> CallResult:
    return CallResult(
        purpose="reply", provider="offline", model="offline-extractive", hosting="internal",
        jurisdiction="in-process", region="", outcome="ok", fallback_used=True, input_tokens=0,
        output_tokens=0, cached_input_tokens=0, cost=None, currency=None,
        time_to_first_token=None, duration=0.1, finish_reason="stop", text="", tool_calls=(),
        attempts=attempts,
    )  # fmt: skip


def test_hash_mode_records_where_the_data_went_and_the_payload_hash_only(inbox: Inbox) -> None:
    conversation = factories.make_conversation(inbox)
    sent, counts = redacted_prompt()
    row = record_outbound_call(
        inbox_id=inbox.id, conversation_id=conversation.id, provider_info=QWEN, purpose="reply",
        messages_sent=sent, counts=counts, mode="hash",
    )  # fmt: skip
    row.refresh_from_db()
    assert (row.provider, row.jurisdiction, row.hosting, row.model, row.purpose) == (
        "qwen", "Singapore", "external", "qwen-plus", "reply",
    )  # fmt: skip
    expected = hashlib.sha256(canonical_payload(sent).encode()).hexdigest()
    assert row.payload_sha256 == expected
    assert row.redacted_payload == ""
    assert row.redaction_counts == {"EMAIL": 1, "PHONE": 1}
    assert row.conversation_id == conversation.id and row.created_at is not None


def test_redacted_mode_keeps_the_redacted_payload_and_never_the_raw_values(inbox: Inbox) -> None:
    sent, counts = redacted_prompt()
    row = record_outbound_call(
        inbox_id=inbox.id, conversation_id=None, provider_info=QWEN, purpose="summary",
        messages_sent=sent, counts=counts, mode="redacted",
    )  # fmt: skip
    payload = json.loads(row.redacted_payload)
    assert payload[1] == {"role": "user", "content": "I am [EMAIL_1], [PHONE_1]"}
    assert "wang@example.cn" not in row.redacted_payload
    # An auditor can recompute the hash from the stored copy.
    assert hashlib.sha256(row.redacted_payload.encode()).hexdigest() == row.payload_sha256


def test_an_unredacted_call_to_an_exempt_model_is_logged_without_a_copy(inbox: Inbox) -> None:
    raw = [Message.user("I am wang@example.cn")]
    row = record_outbound_call(
        inbox_id=inbox.id, conversation_id=None, provider_info=OFFLINE, purpose="reply",
        messages_sent=raw, counts={}, mode="redacted", redacted=False,
    )  # fmt: skip
    assert row.redacted is False and row.redacted_payload == "" and row.payload_sha256


def test_every_provider_a_fallback_chain_tried_is_logged_but_not_skipped_ones(
    inbox: Inbox,
) -> None:
    sent, counts = redacted_prompt()
    result = call_result(
        Attempt("openai", "gpt", "skipped"),
        Attempt("qwen", "qwen-plus", "error", error_kind="timeout"),
        Attempt("offline", "offline-extractive", "ok"),
    )
    rows = record_call_result(
        inbox_id=inbox.id, conversation_id=None, result=result, chain=[QWEN, OFFLINE],
        purpose="reply", messages_sent=sent, counts=counts, mode="hash",
    )  # fmt: skip
    assert [(r.provider, r.outcome, r.hosting) for r in rows] == [
        ("qwen", "error", "external"),
        ("offline", "ok", "internal"),
    ]


def test_a_call_cancelled_before_any_result_is_logged_against_the_first_provider(
    inbox: Inbox,
) -> None:
    sent, counts = redacted_prompt()
    (row,) = record_call_result(
        inbox_id=inbox.id, conversation_id=None, result=None, chain=[QWEN, OFFLINE],
        purpose="reply", messages_sent=sent, counts=counts, mode="hash",
    )  # fmt: skip
    assert (row.provider, row.outcome) == ("qwen", "cancelled")


def test_audit_rows_outlive_their_inbox_and_conversation(inbox: Inbox) -> None:
    conversation = factories.make_conversation(inbox)
    sent, counts = redacted_prompt()
    row = record_outbound_call(
        inbox_id=inbox.id, conversation_id=conversation.id, provider_info=QWEN, purpose="reply",
        messages_sent=sent, counts=counts, mode="hash",
    )  # fmt: skip
    inbox.delete()
    row.refresh_from_db()
    assert row.inbox_id is None and row.conversation_id is None and row.provider == "qwen"


def test_outbound_calls_filter_by_inbox_and_provider(inbox: Inbox) -> None:
    other = factories.make_inbox()
    sent, counts = redacted_prompt()
    for box, info in ((inbox, QWEN), (inbox, OFFLINE), (other, QWEN)):
        record_outbound_call(
            inbox_id=box.id, conversation_id=None, provider_info=info, purpose="reply",
            messages_sent=sent, counts=counts, mode="hash",
        )  # fmt: skip
    assert outbound_calls(inbox_id=inbox.id).count() == 2
    assert outbound_calls(inbox_id=inbox.id, provider="qwen").count() == 1
    assert outbound_calls(jurisdiction="Singapore").count() == 2


# --- settings ------------------------------------------------------------------------------------


def test_an_inbox_without_settings_gets_the_defaults(inbox: Inbox) -> None:
    assert privacy_settings_for(inbox.id) == PrivacySettings()


def test_stored_settings_become_plain_values(inbox: Inbox) -> None:
    InboxPrivacy.objects.create(
        inbox=inbox,
        allowed_jurisdictions=["Singapore"],
        redact_internal=True,
        audit_payload_mode="redacted",
        custom_patterns=[{"name": "ORDER", "regex": r"NW-\d{5}"}],
        national_id_countries=["CN"],
        phone_regions=["CN"],
        link_domains=["help.example.com"],
    )
    settings = privacy_settings_for(inbox.id)
    assert settings.allowed_jurisdictions == ("Singapore",) and settings.redact_internal
    assert settings.audit_payload_mode == "redacted"
    assert settings.detector.phone_regions == ("CN",)
    assert Pseudonymizer(settings.detector).redact("NW-10442") == "[ORDER_1]"
    assert allowed_link_domains(inbox.id) == ("help.example.com", "shop.example.com")
    assert turn_rules(inbox_id=inbox.id, allowed_origins=inbox.allowed_origins)[1] == (
        "help.example.com",
        "shop.example.com",
    )


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("custom_patterns", [{"name": "ORDER", "regex": "("}], "invalid regex"),
        ("custom_patterns", [{"name": "PHONE", "regex": "x"}], "built-in"),
        ("national_id_countries", ["XX"], "no national identifier rules"),
        ("phone_regions", ["XX"], "unknown phone regions"),
        ("allowed_jurisdictions", "Singapore", "list"),
    ],
)
def test_invalid_settings_are_refused(inbox: Inbox, field: str, value: Any, message: str) -> None:
    from django.core.exceptions import ValidationError

    row = InboxPrivacy(inbox=inbox, **{field: value})
    with pytest.raises(ValidationError, match=message):
        row.full_clean()


# --- admin -------------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(db: Any) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_admins_filter_the_log_and_cannot_change_it(superuser_client: Client, inbox: Inbox) -> None:
    sent, counts = redacted_prompt()
    row = record_outbound_call(
        inbox_id=inbox.id, conversation_id=None, provider_info=QWEN, purpose="reply",
        messages_sent=sent, counts=counts, mode="hash",
    )  # fmt: skip
    url = "/admin/privacy/outboundcallaudit/"
    page = superuser_client.get(url, {"provider": "qwen", "hosting__exact": "external"})
    assert page.status_code == 200 and b"Singapore" in page.content
    assert superuser_client.get(url, {"q": "not-a-uuid"}).status_code == 200
    assert superuser_client.get(url + "add/").status_code == 403
    assert superuser_client.post(url + f"{row.pk}/delete/").status_code == 403
    assert superuser_client.get(url + f"{row.pk}/change/").status_code == 200  # view only


def test_admins_export_selected_calls_as_csv(superuser_client: Client, inbox: Inbox) -> None:
    sent, counts = redacted_prompt()
    rows = [
        record_outbound_call(
            inbox_id=inbox.id,
            conversation_id=None,
            provider_info=info,
            purpose="reply",
            messages_sent=sent,
            counts=counts,
            mode="redacted",
        )
        for info in (QWEN, OFFLINE)
    ]
    response = superuser_client.post(
        "/admin/privacy/outboundcallaudit/",
        {"action": "export_csv", "_selected_action": [r.pk for r in rows]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    table = list(csv.DictReader(io.StringIO(body)))
    assert [r["provider"] for r in table] == ["qwen", "offline"]
    assert table[0]["redaction_counts"] == "EMAIL=1;PHONE=1"
    assert table[0]["inbox"] == inbox.name
    assert "[EMAIL_1]" in table[0]["redacted_payload"]


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    from assistant.privacy.services import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("qwen") == "qwen"
