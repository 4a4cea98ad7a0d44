"""parse_mail on messages built in the test: headers, automated mail, attachments, limits."""

from __future__ import annotations

import datetime as dt
import os
import time
import tracemalloc
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP

import pytest

from assistant.mail.parsing import MAX_BODY_CHARS, parse_mail

SUPPORT = "support@acme.example"


def message(text: str = "Where is my order?", **headers: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = headers.pop("From", "Ana Silva <ana@example.com>")
    mail["To"] = headers.pop("To", SUPPORT)
    mail["Subject"] = headers.pop("Subject", "Order 1234")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(text)
    return mail


def raw(mail: EmailMessage) -> bytes:
    return mail.as_bytes(policy=SMTP)


# Automated mail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"Auto_Submitted": "auto-replied"}, "auto_reply"),
        ({"Auto_Submitted": "auto-generated"}, "auto_reply"),
        ({"Auto_Submitted": "auto-notified; owner-email=x@example.com"}, "auto_reply"),
        ({"X_Autoreply": "yes"}, "auto_reply"),
        ({"X_Autorespond": "Vacation"}, "auto_reply"),
        ({"X_Auto_Response_Suppress": "All"}, "auto_reply"),
        ({"X_Auto_Response_Suppress": "DR, OOF, AutoReply"}, "auto_reply"),
        ({"Precedence": "junk"}, "auto_reply"),
        ({"Precedence": "bulk"}, "mailing_list"),
        ({"Precedence": "list"}, "mailing_list"),
        ({"List_Id": "Announcements <announce.example.com>"}, "mailing_list"),
        ({"List_Unsubscribe": "<mailto:leave@example.com>"}, "mailing_list"),
        ({"Return_Path": "<>"}, "bounce"),
        ({"From": "MAILER-DAEMON@mx.example.com"}, "bounce"),
        ({"From": "Acme Support <Support@Acme.example>"}, "loop"),
        # Our own reply address is a sub-address of the inbox's.
        ({"From": "support+k7q2m4xw9t3c@acme.example"}, "loop"),
        ({"X_Loop": SUPPORT}, "loop"),
        # A loop beats every other reason: it is the one that would never end.
        ({"From": SUPPORT, "Auto_Submitted": "auto-replied"}, "loop"),
    ],
)
def test_automated_mail_is_recognised_by_its_headers(headers: dict[str, str], kind: str) -> None:
    assert parse_mail(raw(message(**headers)), own_addresses=[SUPPORT]).automated == kind


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "no"},
        {"X_Auto_Response_Suppress": "DR, RN, NRN"},  # asks for no receipts; a person wrote it
        {"Precedence": "first-class"},
        {"Return_Path": "<ana@example.com>"},
        {"From": "postmaster.fan@example.com"},
        {"X_Loop": "someone-else@example.org"},
    ],
)
def test_a_person_writing_is_not_automated(headers: dict[str, str]) -> None:
    mail = message("I am out of office next week, please answer before Friday.", **headers)
    assert parse_mail(raw(mail), own_addresses=[SUPPORT]).automated == ""


def test_a_loop_is_found_whichever_form_of_the_domain_either_side_wrote() -> None:
    punycode_sender = message(From="Support <support@xn--bro-hoa.example>")
    loop_header = message(X_Loop="<Support@Büro.example>")
    for mail in (punycode_sender, loop_header):
        assert parse_mail(raw(mail), own_addresses=["support@büro.example"]).automated == "loop"
        assert parse_mail(raw(mail), own_addresses=["support@xn--bro-hoa.example"]).automated == (
            "loop"
        )


def test_a_read_receipt_report_is_automated_and_a_delivery_report_is_a_bounce() -> None:
    receipt = message("Your message was displayed.")
    receipt.replace_header("Content-Type", "multipart/report; report-type=disposition-notification")
    delivery = message("Undeliverable.")
    delivery.replace_header("Content-Type", 'multipart/report; report-type="delivery-status"')
    assert parse_mail(raw(receipt)).automated == "auto_reply"
    assert parse_mail(raw(delivery)).automated == "bounce"


# Headers -------------------------------------------------------------------------------------


def test_encoded_words_idn_domains_and_bracketless_ids_are_normalised() -> None:
    mail = parse_mail(
        b"From: =?utf-8?B?w4lsb2RpZQ==?= <Elodie@XN--MNCHEN-3YA.example>\r\n"
        b"To: support@acme.example, =?iso-8859-1?q?B=FCro?= <buero@xn--bro-hoa.example>\r\n"
        b"Cc: <cc@example.com>\r\n"
        b"Reply-To: other@example.com\r\n"
        b"Subject: =?utf-8?q?Caf=C3=A9?= =?utf-8?q?_au_lait?=\r\n"
        b"Message-ID: abc123@mail.example\r\n"
        b"In-Reply-To: <first@acme.example> (the first one)\r\n"
        b"References: <first@acme.example>\r\n <second@acme.example>\r\n"
        b"Date: Tue, 1 Dec 2026 09:00:00 -0000\r\n"
        b"\r\n"
        b"Bonjour\r\n"
    )
    assert (mail.from_name, mail.from_address) == ("Élodie", "Elodie@münchen.example")
    assert mail.to_addresses == (SUPPORT, "buero@büro.example")
    assert mail.cc_addresses == ("cc@example.com",)
    assert mail.reply_to == "other@example.com"
    assert mail.subject == "Café au lait"
    assert mail.message_id == "<abc123@mail.example>"
    assert mail.in_reply_to == "<first@acme.example>"
    assert mail.references == ("<first@acme.example>", "<second@acme.example>")
    # "-0000": the zone is unknown, UTC is the honest reading.
    assert mail.date == dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert mail.problems == ()


def test_raw_utf8_headers_are_read_as_a_modern_client_sends_them() -> None:
    mail = parse_mail(
        "From: Zoë Brontë <zoë@exämple.com>\r\nSubject: Größe 42 \u2013 zu klein\r\n\r\n"
        "Hallo\r\n".encode()
    )
    assert mail.from_name == "Zoë Brontë"
    assert mail.from_address == "zoë@exämple.com"
    assert mail.subject == "Größe 42 \u2013 zu klein"


def test_an_impossible_date_is_none_and_flagged() -> None:
    mail = parse_mail(b"From: a@example.com\r\nDate: Mon, 45 Foo 20261 99:99:99 +9999\r\n\r\nHi")
    assert mail.date is None
    assert "bad_date" in mail.problems
    assert mail.text == "Hi"


def test_control_characters_and_nul_never_reach_the_text() -> None:
    mail = parse_mail(
        b"From: Eve\x00 <eve@example.com>\r\nSubject: Hi\x07there\x00\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nLine one\x00\x1b[31m red\r\nLine two\r\n"
    )
    for value in (mail.text, mail.full_text, mail.subject, mail.from_name):
        assert "\x00" not in value and "\x07" not in value and "\x1b" not in value
    assert mail.text == "Line one[31m red\nLine two"
    assert mail.subject == "Hithere"


def test_a_long_references_chain_keeps_its_newest_ids() -> None:
    references = " ".join(f"<id{n}@acme.example>" for n in range(500))
    mail = parse_mail(raw(message(References=references)))
    assert len(mail.references) == 100
    assert mail.references[-1] == "<id499@acme.example>"


# Bodies --------------------------------------------------------------------------------------


def test_plain_text_is_preferred_to_html_and_an_empty_plain_part_is_not() -> None:
    both = message("The plain words.")
    both.add_alternative("<p>The <b>HTML</b> words.</p>", subtype="html")
    empty_plain = message("   \n")
    empty_plain.add_alternative("<p>Only the <b>HTML</b> has words.</p>", subtype="html")
    assert parse_mail(raw(both)).text == "The plain words."
    assert parse_mail(raw(empty_plain)).text == "Only the **HTML** has words."


def test_html_data_tables_stay_tables_and_images_become_their_alt_text() -> None:
    mail = message("")
    mail.set_content(
        "<p>My order:</p><table><tr><th>Item</th><th>Qty</th></tr>"
        "<tr><td>Lamp</td><td>2</td></tr></table>"
        '<p><img src="cid:logo" alt="Broken lamp photo"> <a href="vbscript:x">here</a></p>'
        '<div style="display:none">preview text nobody saw</div>',
        subtype="html",
    )
    text = parse_mail(raw(mail)).text
    assert "| Item | Qty |" in text and "| Lamp | 2 |" in text
    assert "Broken lamp photo" in text and "here" in text
    assert "vbscript" not in text and "cid:" not in text and "preview text" not in text


@pytest.mark.parametrize(
    "html",
    [
        pytest.param("<div>" * 20_000 + "Help me", id="nesting-that-exhausts-the-stack"),
        pytest.param("<table><tr><td>" * 2_000 + "Help me", id="nested-tables"),
        pytest.param("<div>line</div>" * 30_000 + "<div>Help me</div>", id="thousands-of-lines"),
        pytest.param('<p style="display:none">x</p>' * 10_000 + "Help me", id="hidden-blocks"),
    ],
)
def test_hostile_html_is_converted_in_seconds_to_its_words(html: str) -> None:
    mail = message("")
    mail.set_content(html + "<script>alert(1)</script>", subtype="html")
    started = time.monotonic()
    parsed = parse_mail(raw(mail))
    assert time.monotonic() - started < 10
    assert parsed.text.endswith("Help me")
    assert "alert" not in parsed.full_text and "unparseable" not in parsed.problems


def test_a_body_beyond_the_limit_is_truncated_and_flagged() -> None:
    mail = parse_mail(raw(message("word " * (MAX_BODY_CHARS // 4))))
    assert len(mail.full_text) <= MAX_BODY_CHARS
    assert "text_truncated" in mail.problems


def test_a_message_with_no_text_part_has_empty_text_and_its_attachment() -> None:
    mail = EmailMessage()
    mail["From"] = "ana@example.com"
    mail.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="a.pdf")
    parsed = parse_mail(raw(mail))
    assert (parsed.text, parsed.full_text) == ("", "")
    assert [a.filename for a in parsed.attachments] == ["a.pdf"]


# Attachments ---------------------------------------------------------------------------------


def test_file_names_lose_directories_and_direction_tricks_and_unnamed_images_get_one() -> None:
    mail = message("See attached.")
    mail.add_attachment(b"MZ...", maintype="application", subtype="octet-stream",
                        filename="..\\..\\Windows\\evil.exe")  # fmt: skip
    mail.add_attachment(b"root:x:0:0", maintype="text", subtype="plain", filename="/etc/passwd")
    mail.add_attachment(b"\x89PNG...", maintype="image", subtype="png", disposition="inline")
    mail.add_attachment(b"x", maintype="text", subtype="plain", filename="\x00\x1f.hidden")
    mail.add_attachment(b"MZ", maintype="application", subtype="pdf",
                        filename="invoice\u202efdp.exe")  # fmt: skip
    names = [a.filename for a in parse_mail(raw(mail)).attachments]
    assert names == ["evil.exe", "passwd", "attachment-3.png", "hidden", "invoicefdp.exe"]


def test_an_inline_image_of_an_html_message_is_an_attachment() -> None:
    mail = message("Photo below")
    mail.add_alternative('<p>Photo below</p><img src="cid:photo1">', subtype="html")
    html = mail.get_payload()[1]
    html.add_related(b"\xff\xd8\xff\xe0 jpeg", maintype="image", subtype="jpeg", cid="<photo1>",
                     filename="IMG_0001.JPG")  # fmt: skip
    parsed = parse_mail(raw(mail))
    assert [(a.filename, a.declared_type) for a in parsed.attachments] == [
        ("IMG_0001.JPG", "image/jpeg")
    ]
    assert parsed.text == "Photo below"


def test_a_forwarded_message_attached_whole_is_one_attachment() -> None:
    inner = message("The original complaint.", Subject="Original")
    mail = message("Forwarding this to you.")
    mail.add_attachment(inner, filename="original.eml")
    parsed = parse_mail(raw(mail))
    assert parsed.text == "Forwarding this to you."
    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.declared_type) == ("original.eml", "message/rfc822")
    assert b"The original complaint." in attachment.data


def test_a_message_whose_body_is_a_forwarded_message_reads_as_that_message() -> None:
    inner = message("The original complaint.", Subject="Original")
    inner.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="bill.pdf")
    outer = EmailMessage()
    outer["From"] = "forwarder@example.com"
    outer["Subject"] = "Fwd: Original"
    outer.set_content(inner)
    parsed = parse_mail(raw(outer))
    assert parsed.text == "The original complaint."
    assert [a.filename for a in parsed.attachments] == ["bill.pdf"]
    assert parsed.subject == "Fwd: Original"


def test_five_hundred_attachments_keep_the_first_fifty_quickly() -> None:
    mail = message("Here are the photos.")
    for number in range(500):
        mail.add_attachment(os.urandom(2000), maintype="image", subtype="jpeg",
                            filename=f"photo-{number}.jpg")  # fmt: skip
    started = time.monotonic()
    parsed = parse_mail(raw(mail))
    assert time.monotonic() - started < 10
    assert [a.filename for a in parsed.attachments] == [f"photo-{n}.jpg" for n in range(50)]
    assert parsed.problems == ("too_many_attachments",)
    assert parsed.text == "Here are the photos."


def test_an_attachment_above_the_limit_is_skipped_and_the_others_kept() -> None:
    mail = message("Two files.")
    mail.add_attachment(b"x" * 2001, maintype="application", subtype="pdf", filename="big.pdf")
    mail.add_attachment(b"y" * 10, maintype="application", subtype="pdf", filename="small.pdf")
    parsed = parse_mail(raw(mail), max_attachment_bytes=2000, max_attachments=5)
    assert [a.filename for a in parsed.attachments] == ["small.pdf"]
    assert parsed.problems == ("attachment_too_large",)


def test_a_thirty_megabyte_message_parses_in_seconds_within_bounded_memory() -> None:
    mail = message("A video of the problem.")
    mail.add_attachment(os.urandom(22 * 1024 * 1024), maintype="video", subtype="mp4",
                        filename="video.mp4")  # fmt: skip
    data = raw(mail)
    assert len(data) > 30_000_000
    started = time.monotonic()
    parsed = parse_mail(data)
    assert time.monotonic() - started < 20
    assert parsed.text == "A video of the problem."
    assert parsed.attachments == ()
    assert parsed.problems == ("attachment_too_large",)
    # Memory against its floor, measured side by side: the email package alone peaks near eight
    # times the message (its lines, then the joined payload). Parsing adds no copy on top.
    floor = peak_memory(lambda: BytesParser(policy=policy.default).parsebytes(data))
    assert peak_memory(lambda: parse_mail(data)) < floor * 1.1


def peak_memory(work: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_missing_closing_boundary_still_yields_the_text_and_the_attachment() -> None:
    data = (
        b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain\r\n\r\nThe invoice is attached.\r\n"
        b"--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        b'filename="invoice.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n'
    )
    parsed = parse_mail(data)
    assert parsed.text == "The invoice is attached."
    assert [(a.filename, a.data) for a in parsed.attachments] == [("invoice.pdf", b"%PDF-1.4\n")]
    assert "malformed_mime" in parsed.problems
