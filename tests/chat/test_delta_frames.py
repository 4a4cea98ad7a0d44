"""The stream deltas' frames, encoded without an event dict (events.delta_frames), are exactly
what encoding the event gives, for any text a model may send."""

from __future__ import annotations

import json

import pytest

from assistant.chat import events

TEXTS = [
    "plain words ",
    'a "quoted" word and a back\\slash',
    "a line\nbreak, a tab\t, a return\r and a form feed\f",
    "controls \x00 \x01 \x1f \x7f",
    "</script><script>alert(1)</script>",
    "ünïcödé, 中文\uff0c日本語、emoji 😀, RTL \u202e",
    "line and paragraph separators \u2028 \u2029",
    "a lone surrogate \ud800 and a pair \ud83d\ude00",
    "",
    '}"],{',
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_delta_frame_is_the_encoded_event_and_reads_back_as_it(text: str) -> None:
    frame = events.delta_frames("ab12cd34ef56ab78")(text)
    event = {"type": "stream_delta", "stream_id": "ab12cd34ef56ab78", "text": text}
    assert frame == events.encode(event)
    assert json.loads(frame) == event


def test_a_stream_id_that_needs_escaping_is_escaped_too() -> None:
    frame = events.delta_frames('odd"id\\')("hi")
    assert json.loads(frame) == {"type": "stream_delta", "stream_id": 'odd"id\\', "text": "hi"}
