"""What the customer wrote now, in the reply formats of the common clients and languages."""

# The replies are written with the punctuation their languages use (full-width commas and
# colons in Chinese and Japanese), which is what the rules must recognise.
# ruff: noqa: RUF001

from __future__ import annotations

import time

import pytest

from assistant.mail.quotes import SCAN_CHARS, new_text

SUPPORT = "Acme Support <support@acme.example>"


@pytest.mark.parametrize(
    ("reply", "written_now"),
    [
        pytest.param(
            f"Ciao,\nil pacco non è arrivato.\n\nIl giorno mer 2 dic 2026 alle ore 15:04 {SUPPORT}"
            " ha scritto:\n> Salve",
            "Ciao,\nil pacco non è arrivato.",
            id="italian-gmail",
        ),
        pytest.param(
            f"Hallo,\nwaar blijft mijn pakket?\n\nOp wo 2 dec. 2026 om 15:04 schreef {SUPPORT}:\n"
            "> Hallo",
            "Hallo,\nwaar blijft mijn pakket?",
            id="dutch-gmail",
        ),
        pytest.param(
            f"Olá,\na encomenda não chegou.\n\nEm qua., 2 de dez. de 2026 às 15:04, {SUPPORT} "
            "escreveu:\n> Olá",
            "Olá,\na encomenda não chegou.",
            id="portuguese-gmail",
        ),
        pytest.param(
            f"你好，\n我的订单还没有到。\n\n在 2026年12月2日 15:04，{SUPPORT} 写道：\n> 您好",
            "你好，\n我的订单还没有到。",
            id="chinese-gmail",
        ),
        pytest.param(
            "你好，\n订单还没到。\n\n发件人: Acme Support <support@acme.example>\n"
            "发送时间: 2026年12月2日 15:04\n收件人: 王伟 <w@example.cn>\n主题: 订单\n\n您好",
            "你好，\n订单还没到。",
            id="chinese-outlook",
        ),
        pytest.param(
            "Hola,\nno ha llegado.\n\n________________________________\nDe: Soporte Acme "
            "<support@acme.example>\nEnviado: miércoles, 2 de diciembre de 2026 15:04\n"
            "Para: Juan <j@example.es>\nAsunto: Pedido\n\nHola",
            "Hola,\nno ha llegado.",
            id="spanish-outlook",
        ),
        pytest.param(
            "Hallo,\nnoch nichts da.\n\n-----Ursprüngliche Nachricht-----\nVon: Acme "
            "<support@acme.example>\nGesendet: Mittwoch, 2. Dezember 2026 15:04\n"
            "An: Max <m@example.de>\nBetreff: Bestellung\n\nHallo",
            "Hallo,\nnoch nichts da.",
            id="german-outlook",
        ),
        pytest.param(
            "Hi\n\nFrom: Brown, Peter\nSent: Wednesday, December 2, 2026 3:04 PM\n"
            "To: Support\nSubject: Order\n\nHello",
            "Hi",
            id="exchange-block-without-addresses",
        ),
        pytest.param(
            "Hi\n\nAm 02.12.26 um 15:04 schrieb Max Mustermann:\n> Hallo",
            "Hi",
            id="thunderbird-introduction-without-address",
        ),
        pytest.param(
            "Hi,\nstill waiting.\n\n-----Original Message-----\nFrom: Acme "
            "<support@acme.example>\nSent: Wednesday, December 2, 2026 3:04 PM\n"
            "To: Max <m@example.com>\nSubject: Order\n\nHello",
            "Hi,\nstill waiting.",
            id="english-outlook-original-message",
        ),
        pytest.param(
            "Hi, the strap broke.\n\nSent from my Galaxy\n\n-------- Original message --------\n"
            f"From: {SUPPORT}\nDate: 12/2/26 15:04 (GMT+01:00)\nTo: me@example.com\n"
            "Subject: Order\n\nHello",
            "Hi, the strap broke.",
            id="android",
        ),
        pytest.param(
            "Hallo, das Paket ist beschädigt.\n\nVon meinem iPhone gesendet\n\n> Am 02.12.2026 "
            f"um 15:04 schrieb {SUPPORT}:\n> \n> Hallo",
            "Hallo, das Paket ist beschädigt.",
            id="german-iphone",
        ),
        pytest.param(
            "Bonjour, le colis est abîmé.\n\nEnvoyé de mon iPhone\n\n> Le 2 déc. 2026 à 15:04, "
            f"{SUPPORT} a écrit :\n> \n> Bonjour",
            "Bonjour, le colis est abîmé.",
            id="french-iphone",
        ),
        pytest.param(
            "届きました。ありがとうございます。\n\niPhoneから送信\n\n2026/12/02 15:04、"
            f"{SUPPORT}のメール:\n\n> こんにちは",
            "届きました。ありがとうございます。",
            id="japanese-iphone",
        ),
        pytest.param(
            "Hello\n\nSent from Yahoo Mail for iPhone\n\nOn Wednesday, December 2, 2026, 3:04 PM, "
            f"{SUPPORT} wrote:\n\nHello",
            "Hello",
            id="yahoo",
        ),
        pytest.param(
            "Please look at the mail below.\n\n---------- Forwarded message ---------\n"
            "From: Shop <shop@example.com>\nDate: Wed, Dec 2, 2026\n\nInvoice attached.",
            "Please look at the mail below.",
            id="gmail-forward-with-a-note",
        ),
        pytest.param(
            "See below.\n\nBegin forwarded message:\n\nFrom: Shop <shop@example.com>\n"
            "Subject: x\n\nbody",
            "See below.",
            id="apple-forward-with-a-note",
        ),
        pytest.param(
            "My login fails.\n\n-- \nAnna Schmidt\nACME GmbH\nhttps://acme.example",
            "My login fails.",
            id="signature-delimiter",
        ),
        pytest.param(
            "The lamp is broken.\n\nMit freundlichen Grüßen\nAnna Schmidt\nACME GmbH | 030 123",
            "The lamp is broken.",
            id="closing-over-a-name-block",
        ),
        pytest.param(
            "Un client m'a écrit :\n> Je veux annuler\nQue dois-je faire ?\n> Merci",
            "Un client m'a écrit :\n> Je veux annuler\nQue dois-je faire ?",
            id="a-quote-in-the-middle-is-the-customers-own-context",
        ),
    ],
)
def test_the_reply_is_cut_where_the_history_or_signature_starts(
    reply: str, written_now: str
) -> None:
    assert new_text(reply) == written_now


@pytest.mark.parametrize(
    "text",
    [
        # "Thanks," starting a sentence is not a sign-off (the library's signature rule cuts here).
        "Hi,\nThanks, that helped. But where is my refund?",
        # A closing with more text under it after a blank line is not a signature.
        "Thanks\n\nAlso my order number is 4417.",
        # A closing alone at the end is the customer's words, not a signature.
        "Bonjour,\nMerci",
        # A list is not a signature (the library's "- name" rule would cut it).
        "Hi,\nThe items:\n- lamp\n- chair",
        # Interleaved answers keep their quotes: without them the answers mean nothing.
        "> Did you get the package?\nYes, but it is damaged.\n> Which item?\nThe lamp.",
        # Headers the customer typed in a sentence are not a quoted block.
        "From: my home address\nI moved last week.",
        # Nor are details that happen to look like header lines, without a sender or address.
        "Hello,\nPlease update my details:\nName: John\nTo: 12 Main St\nDate: Friday\n\nThanks!",
    ],
)
def test_what_is_not_history_or_signature_stays(text: str) -> None:
    assert new_text(text) == text


def test_a_reply_written_below_the_quote_is_what_follows_it() -> None:
    bottom_posted = (
        f"On Wed, Dec 2, 2026 at 3:04 PM {SUPPORT} wrote:\n> Which size do you need?\n> \n"
        "> Acme Support\n\nSize 42, please.\n\n-- \nTom"
    )
    assert new_text(bottom_posted) == "Size 42, please."


def test_a_mail_that_is_only_a_forward_is_kept_whole() -> None:
    forward = (
        "---------- Forwarded message ---------\nFrom: Shop <shop@example.com>\n"
        "Date: Wed, Dec 2, 2026\nSubject: Your invoice\nTo: <me@example.com>\n\nInvoice attached."
    )
    assert new_text(forward) == forward


def test_a_huge_text_is_searched_only_at_the_top_and_quickly() -> None:
    reply = "Please see the log.\n\n" + "log line without any quote\n" * 200_000
    started = time.monotonic()
    assert new_text(reply) == reply.strip()
    quoted = f"My answer.\n\nOn Wed, Dec 2, 2026 at 3:04 PM {SUPPORT} wrote:\n" + "> x\n" * 200_000
    assert new_text(quoted) == "My answer."
    assert len(reply) > SCAN_CHARS
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param("On " + "a " * 49_000, id="one-endless-introduction"),
        pytest.param("-" * 99_000, id="one-endless-separator"),
        pytest.param(("-" * 199 + "\n") * 500, id="many-long-separators"),
        pytest.param(("Op " + "a " * 98 + "\n") * 500, id="many-long-dutch-introductions"),
        pytest.param("2026年12月2日(水) 10:15 " * 4000, id="one-endless-japanese-date-line"),
        pytest.param("> x\n" * 25_000, id="only-quote-lines"),
    ],
)
def test_text_made_to_make_the_patterns_backtrack_is_read_in_seconds(hostile: str) -> None:
    """The library's patterns backtrack quadratically on long lines; lines are cut for them."""
    started = time.monotonic()
    new_text(hostile)
    assert time.monotonic() - started < 5
