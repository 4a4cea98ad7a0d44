"""Placeholders: stable within a conversation, restored in the reply, also when streamed."""

# Chinese text is written with full-width punctuation and digits: that is what is tested.
# ruff: noqa: RUF001

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.llm.types import Message, ToolCall
from assistant.privacy.detectors import CustomPattern, DetectorConfig
from assistant.privacy.pseudonymize import Pseudonymizer, StreamRestorer


def test_each_value_gets_a_numbered_placeholder_per_kind() -> None:
    p = Pseudonymizer()
    text = "我的电话是13812345678，邮箱是wang@example.cn，备用邮箱li@example.cn"
    assert p.redact(text) == "我的电话是[PHONE_1]，邮箱是[EMAIL_1]，备用邮箱[EMAIL_2]"
    assert p.counts == {"PHONE": 1, "EMAIL": 2}


def test_the_same_value_keeps_its_placeholder_across_messages_and_spellings() -> None:
    p = Pseudonymizer()
    first = p.redact("call me on +86 138 1234 5678 or mail Wang@Example.cn")
    second = p.redact("again: 13812345678, wang@example.cn, and my wife 13912345678")
    assert first == "call me on [PHONE_1] or mail [EMAIL_1]"
    assert second == "again: [PHONE_1], [EMAIL_1], and my wife [PHONE_2]"


def test_restore_puts_back_the_value_as_the_customer_first_wrote_it() -> None:
    p = Pseudonymizer()
    p.redact("call me on +86 138 1234 5678, mail Wang@Example.cn")
    reply = "We will call [PHONE_1] and confirm by e-mail to [email_1]."
    assert p.restore(reply) == (
        "We will call +86 138 1234 5678 and confirm by e-mail to Wang@Example.cn."
    )


def test_placeholders_the_model_invented_stay_visible_rather_than_guessed() -> None:
    p = Pseudonymizer()
    p.redact("mail a@example.com")
    assert p.restore("[EMAIL_1] or [EMAIL_7] or [1]") == "a@example.com or [EMAIL_7] or [1]"


def test_text_without_personal_data_is_unchanged() -> None:
    p = Pseudonymizer()
    text = "Where is order NW-10442? I paid $49.99 on 2024-03-15."
    assert p.redact(text) == text
    assert p.counts == {}


def test_custom_patterns_get_their_own_placeholders() -> None:
    p = Pseudonymizer(DetectorConfig(custom_patterns=(CustomPattern("order", r"NW-\d{5}"),)))
    assert p.redact("Order NW-10442 and NW-10443") == "Order [ORDER_1] and [ORDER_2]"
    assert p.restore("[ORDER_2] ships today") == "NW-10443 ships today"


def test_the_mapping_survives_serialisation_as_json() -> None:
    p = Pseudonymizer()
    p.redact("mail a@example.com, phone 13812345678")
    state = json.loads(json.dumps(p.to_dict()))
    again = Pseudonymizer.from_dict(state)
    assert again.redact("b@example.com and a@example.com") == "[EMAIL_2] and [EMAIL_1]"
    assert again.restore("[PHONE_1]") == "13812345678"
    assert again.counts == {"EMAIL": 2}  # counts are per instance: what this call redacted


def test_an_empty_or_unknown_state() -> None:
    assert Pseudonymizer.from_dict(None).mapping == {}
    with pytest.raises(ValueError, match="version"):
        Pseudonymizer.from_dict({"version": 99})


def test_take_counts_returns_and_resets() -> None:
    p = Pseudonymizer()
    p.redact("a@example.com b@example.com")
    assert p.take_counts() == {"EMAIL": 2}
    assert p.take_counts() == {}


def test_messages_are_redacted_conversation_first_and_keep_their_order() -> None:
    p = Pseudonymizer()
    messages = [
        Message.system("Contact support@shop.example for returns."),
        Message.user("I am wang@example.cn"),
        Message.assistant("Noted.", tool_calls=(ToolCall("1", "lookup", {"email": "x@y.com"}),)),
        Message.tool("1", "found x@y.com"),
    ]
    sent = p.redact_messages(messages)
    assert [m.role for m in sent] == ["system", "user", "assistant", "tool"]
    # The customer's own address is numbered first, the passage's (system) last.
    assert sent[1].content == "I am [EMAIL_1]"
    assert sent[2].tool_calls[0].arguments == {"email": "[EMAIL_2]"}
    assert sent[3].content == "found [EMAIL_2]" and sent[3].tool_call_id == "1"
    assert sent[0].content == "Contact [EMAIL_3] for returns."
    assert messages[1].content == "I am wang@example.cn"  # the originals are untouched


# --- streaming ----------------------------------------------------------------------------------

REPLY = "We'll call [PHONE_1] and write to [EMAIL_1] [1]; ref [EMAIL_12]."


@pytest.fixture
def pseudonymizer() -> Pseudonymizer:
    p = Pseudonymizer()
    p.redact("phone 13812345678 mail wang@example.cn")
    p.redact(" ".join(f"u{i}@example.com" for i in range(2, 13)))  # up to [EMAIL_12]
    return p


def stream(p: Pseudonymizer, pieces: list[str]) -> list[str]:
    restorer = StreamRestorer(p)
    return [*(restorer.feed(piece) for piece in pieces), restorer.flush()]


def test_a_placeholder_split_at_any_single_point_is_restored(pseudonymizer: Pseudonymizer) -> None:
    expected = pseudonymizer.restore(REPLY)
    assert "13812345678" in expected and "u12@example.com" in expected
    for cut in range(len(REPLY) + 1):
        assert "".join(stream(pseudonymizer, [REPLY[:cut], REPLY[cut:]])) == expected


def test_a_placeholder_split_at_any_two_points_is_restored(pseudonymizer: Pseudonymizer) -> None:
    expected = pseudonymizer.restore(REPLY)
    for first in range(len(REPLY) + 1):
        for second in range(first, len(REPLY) + 1):
            pieces = [REPLY[:first], REPLY[first:second], REPLY[second:]]
            assert "".join(stream(pseudonymizer, pieces)) == expected


def test_character_by_character_streaming_never_shows_a_placeholder(
    pseudonymizer: Pseudonymizer,
) -> None:
    shown = ""
    restorer = pseudonymizer.stream_restorer()
    for char in REPLY:
        shown += restorer.feed(char)
        assert "[PHONE" not in shown and "[EMAIL_1" not in shown
    shown += restorer.flush()
    assert shown == pseudonymizer.restore(REPLY)


def test_text_is_held_back_only_while_it_could_be_a_placeholder(
    pseudonymizer: Pseudonymizer,
) -> None:
    restorer = pseudonymizer.stream_restorer()
    assert restorer.feed("See [") == "See "
    assert restorer.feed("1] and ") == "[1] and "  # a citation, not a placeholder
    assert restorer.feed("[PHO") == ""
    assert restorer.feed("NE_1] ok") == "13812345678 ok"
    assert restorer.flush() == ""


def test_without_any_mapping_nothing_is_held_back() -> None:
    restorer = Pseudonymizer().stream_restorer()
    assert restorer.feed("a [") == "a ["
    assert restorer.feed("EMAIL_1") == "EMAIL_1"


def test_an_unfinished_placeholder_at_the_end_is_flushed_as_it_is(
    pseudonymizer: Pseudonymizer,
) -> None:
    restorer = pseudonymizer.stream_restorer()
    assert restorer.feed("bye [EMAIL_") == "bye "
    assert restorer.flush() == "[EMAIL_"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(REPLY)), max_size=8))
def test_any_way_of_cutting_the_stream_gives_the_restored_reply(cuts: list[int]) -> None:
    p = Pseudonymizer()
    p.redact("phone 13812345678 mail wang@example.cn")
    p.redact(" ".join(f"u{i}@example.com" for i in range(2, 13)))
    points = [0, *sorted(cuts), len(REPLY)]
    pieces = [REPLY[a:b] for a, b in itertools.pairwise(points)]
    assert "".join(stream(p, pieces)) == p.restore(REPLY)
