"""parse_mail never raises: random bytes, cut-off and damaged real messages, hostile headers."""

from __future__ import annotations

import re
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.mail.parsed import ParsedMail
from assistant.mail.parsing import parse_mail

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*.eml"))
KNOWN_PROBLEMS = {"malformed_mime", "malformed_header", "unknown_charset", "too_many_attachments",
                  "attachment_too_large", "text_truncated", "bad_date", "unparseable"}  # fmt: skip
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def assert_readable(mail: ParsedMail) -> None:
    """What every parse must give, whatever came in: text a database and the desk can hold."""
    assert isinstance(mail, ParsedMail)
    assert set(mail.problems) <= KNOWN_PROBLEMS
    assert mail.automated in ("", "auto_reply", "bounce", "mailing_list", "loop")
    texts = [mail.text, mail.full_text, mail.subject, mail.from_name, mail.from_address,
             mail.message_id, mail.in_reply_to, mail.reply_to, *mail.references,
             *mail.to_addresses, *mail.cc_addresses, *mail.delivered_to,
             *(a.filename for a in mail.attachments)]  # fmt: skip
    for text in texts:
        assert isinstance(text, str)
        # Tabs and newlines are the only control characters allowed, and only in the body.
        assert not FORBIDDEN.search(text), text
    for header in (mail.subject, mail.from_name, mail.message_id, *mail.references):
        assert "\n" not in header
    assert len(mail.text) <= len(mail.full_text) or not mail.full_text
    for attachment in mail.attachments:
        assert attachment.filename and "/" not in attachment.filename
        assert "\\" not in attachment.filename
        assert isinstance(attachment.data, bytes)


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert_readable(parse_mail(data))


@FUZZ
@given(st.sampled_from(FIXTURES), st.floats(min_value=0, max_value=1))
def test_a_message_cut_off_anywhere_never_raises(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    assert_readable(parse_mail(data[: int(len(data) * fraction)], own_addresses=["x@acme.example"]))


@FUZZ
@given(
    st.sampled_from(FIXTURES),
    st.lists(st.tuples(st.floats(min_value=0, max_value=1), st.binary(min_size=1, max_size=8)),
             min_size=1, max_size=20),
)  # fmt: skip
def test_a_damaged_message_never_raises(path: Path, damage: list[tuple[float, bytes]]) -> None:
    data = bytearray(path.read_bytes())
    for where, garbage in damage:
        offset = int(len(data) * where)
        data[offset : offset + len(garbage)] = garbage
    assert_readable(parse_mail(bytes(data)))


HEADER_NAMES = st.sampled_from(
    ["From", "To", "Cc", "Reply-To", "Sender", "Subject", "Date", "Message-ID", "In-Reply-To",
     "References", "Content-Type", "Content-Disposition", "Content-Transfer-Encoding",
     "Auto-Submitted", "Return-Path", "Delivered-To", "MIME-Version", "X-Loop"]
)  # fmt: skip
HEADER_VALUES = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        ["=?utf-8?q?=FF=FE?=", "=?x-unknown?b?////?=", "=?utf-8?b?not base64?=", "<>", '"',
         "(((((", "a@", "@b", "multipart/mixed; boundary=", 'text/plain; charset="punycode"',
         "attachment; filename*=utf-8''%FF%FE..%2F..%2Fx", "base64", "Mon, 99 Foo 99999",
         'multipart/report; report-type=delivery-status; boundary="x"',
         "message/rfc822", "=?iso-2022-jp?b?GyRC?="]
    ),
)  # fmt: skip


@FUZZ
@given(
    st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=12),
    st.binary(max_size=2000),
)
def test_garbage_headers_over_any_body_never_raise(
    headers: list[tuple[str, str]], body: bytes
) -> None:
    head = "".join(
        f"{name}: {value.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n"
        for name, value in headers
    )
    assert_readable(parse_mail(head.encode("utf-8", "surrogateescape") + b"\r\n" + body))


def test_hostile_headers_are_read_quickly_or_set_aside() -> None:
    hostile = [
        b"Subject: " + b"=?utf-8?q?caf=C3=A9?= " * 20_000 + b"\r\n\r\nx",
        b"From: " + b"a@example.com, " * 30_000 + b"\r\n\r\nx",
        b"From: " + b"(" * 5_000 + b"a@example.com" + b")" * 5_000 + b"\r\n\r\nx",
        b"References: " + b"<id@x> " * 100_000 + b"\r\n\r\nx",
        b"".join(b"X-Header-%d: value\r\n" % n for n in range(100_000)) + b"\r\nx",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 2_000,
    ]
    for data in hostile:
        started = time.monotonic()
        mail = parse_mail(data)
        assert time.monotonic() - started < 5
        assert_readable(mail)
    assert parse_mail(hostile[2]).from_address == "a@example.com"
