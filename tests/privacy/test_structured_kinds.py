"""Phones of the added countries, cards of every issuer length, IP addresses; and the false alarms
that used to cost the assistant its order, invoice and tracking numbers."""

# Chinese and Japanese text is written with full-width punctuation: that is what is tested.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from assistant.privacy.detectors import (
    CARD,
    IP_ADDRESS,
    PHONE,
    DetectorConfig,
    detect,
)


def found(text: str, config: DetectorConfig | None = None) -> list[tuple[str, str]]:
    spans = detect(text, config) if config else detect(text)
    return [(span.kind, span.value) for span in spans]


@pytest.mark.parametrize(
    "text, number",
    [
        ("Mi potete richiamare al 347 123 4567?", "347 123 4567"),  # IT mobile
        ("Bel me op 06 12345678 alstublieft", "06 12345678"),  # NL mobile
        ("Me liga no (11) 91234-5678", "(11) 91234-5678"),  # BR mobile
        ("Zadzwoń: 512 345 678", "512 345 678"),  # PL mobile
        ("Ring mig på 070-123 45 67", "070-123 45 67"),  # SE mobile
        ("Rufen Sie mich an: 079 123 45 67", "079 123 45 67"),  # CH mobile
        ("call me on 0412 345 678", "0412 345 678"),  # AU mobile
        ("Ligue para 912 345 678", "912 345 678"),  # PT mobile
        ("call me on 087 123 4567", "087 123 4567"),  # IE mobile
        ("Mein Handy: 0664 1234567", "0664 1234567"),  # AT mobile
        ("call 0300 123 4567 after six", "0300 123 4567"),  # UK 03: people use them
        ("llámame al 800 123 456", "800 123 456"),  # ES freephone, given as one's own
        ("you can call 555-0132 ext. 12 at the office", "555-0132 ext. 12"),
        ("my number is 217-977-6317x066", "217-977-6317x066"),
    ],
)
def test_phone_numbers_of_the_added_countries_and_lines_people_use(text: str, number: str) -> None:
    assert found(text) == [(PHONE, number)]


@pytest.mark.parametrize(
    "text",
    [
        "Invoice INV-2024-628703 is wrong",  # a code, glued to its letters
        "my order 4711081520 has not arrived",  # 10 digits after "order"
        "Bestellung 4711081520 ist nicht da",
        "Gli ordini 1152769125 e 530107393 sono stati addebitati",
        "订单 4711081520 还没发货",
        "tracking 00340434161234567890 shows nothing",
        "荷物758516256154が届いていません",
        "the barcode is 4006381333931",
        "UPC 036000291452 on the can",
        "Verwendungszweck 2024-0412",
        "下单时间2024-03-15 14:32:05",
        "积分卡号 6100 2345 8899 留着没用过",
        "Die Seriennummer lautet SN 7734-2211-0098",
        "i tried calling 1-800-555-0199 your hotline but nobody answers",
        "你们客服电话400-820-8820一直占线",
        "Kundenservice 0800 1234567 ist nie erreichbar",
        "the price was $1,299.00 on 03.04.2024",
        "ticket #4711081520 again",
    ],
)
def test_references_codes_and_company_lines_are_not_phones(text: str) -> None:
    assert [s for s in found(text) if s[0] == PHONE] == []


def test_a_premium_rate_line_is_not_a_persons_number() -> None:
    # With its country code only Spain's plan reads it, as premium rate. (Written nationally,
    # "806 430 430" is also a personal number in another region, and is then redacted.)
    assert found("no me llaméis al +34 806 43 04 30") == []


@pytest.mark.parametrize(
    "text, card",
    [
        ("Maestro card 501811524492 please refund", "501811524492"),  # 12 digits
        ("Karte 6759 6498 2643 8453", "6759 6498 2643 8453"),  # Maestro 16
        ("card 6304 0000 0000 0000 018", "6304 0000 0000 0000 018"),  # Maestro 19
        ("Visa 4294 7448 8889 9643 781 please", "4294 7448 8889 9643 781"),  # Visa 19
        ("JCB 3530 1113 3330 0000", "3530 1113 3330 0000"),
        ("Diners 3056 930902 5904", "3056 930902 5904"),
        ("请退款到我的招商银行卡 6225 8801 2345 6783", "6225 8801 2345 6783"),
    ],
)
def test_cards_of_every_issuer_length(text: str, card: str) -> None:
    assert found(text) == [(CARD, card)]


@pytest.mark.parametrize(
    "text",
    [
        "订单号3512345678901234567",  # a Luhn-valid 19-digit order number
        "我是在天猫旗舰店买的，订单号 4512345678901234567",
        # A Brazilian invoice key in groups of four: windows of it pass Luhn.
        "Chave de acesso da NF-e: 3524 0612 3456 7800 0123 5500 1000 0123 4510 0012 3451",
        "EAN 6901234567892 on the box",  # 13 digits: a barcode, not a card
        "serial 501811524492",  # Maestro-shaped, but no card word
        "Gift card code 6035 2215 9987 4410",  # Luhn fails
    ],
)
def test_no_card_inside_a_longer_number_or_an_order(text: str) -> None:
    assert [s for s in found(text) if s[0] == CARD] == []


@pytest.mark.parametrize(
    "text, address",
    [
        ("router at 192.168.1.20 keeps dropping", "192.168.1.20"),
        ("my IP is 84.17.45.3", "84.17.45.3"),
        ("IPv6 2001:db8::1 is blocked", "2001:db8::1"),
        ("address fe80::1ff:fe23:4567:890a here", "fe80::1ff:fe23:4567:890a"),
    ],
)
def test_ip_addresses_are_their_own_kind_never_phones(text: str, address: str) -> None:
    assert found(text) == [(IP_ADDRESS, address)]


@pytest.mark.parametrize(
    "text",
    [
        "version 10.2.1.5 has the bug",
        "firmware 3.2.0.10",
        "ファームウェアは4.1.11.16です",
        "meeting at 12:30:45",
        "app 2.14.3",
    ],
)
def test_versions_and_times_are_not_ip_addresses(text: str) -> None:
    assert found(text) == []


def test_more_regions_cost_no_precision_on_references() -> None:
    eight = DetectorConfig(phone_regions=("US", "GB", "DE", "CN", "FR", "ES", "JP", "IN"))
    text = "my order 4711081520 has not arrived"
    assert found(text) == found(text, eight) == []
