"""Each detector on its own, in English, Chinese, Spanish and German text; overlaps; config."""

# Chinese text is written with full-width punctuation and digits: that is what is tested.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from assistant.privacy.detectors import (
    CARD,
    EMAIL,
    IBAN,
    NATIONAL_ID,
    PHONE,
    CustomPattern,
    DetectorConfig,
    Span,
    detect,
    resolve_overlaps,
)


def found(text: str, config: DetectorConfig | None = None) -> list[tuple[str, str]]:
    spans = detect(text, config) if config else detect(text)
    for span in spans:
        assert text[span.start : span.end] == span.value
    return [(span.kind, span.value) for span in spans]


def test_it_finds_a_phone_and_an_email_in_chinese_text_without_spaces() -> None:
    assert found("我的电话是13812345678，邮箱是wang@example.cn") == [
        (PHONE, "13812345678"),
        (EMAIL, "wang@example.cn"),
    ]


@pytest.mark.parametrize(
    "text, number",
    [
        ("打我手机138 1234 5678谢谢", "138 1234 5678"),
        ("座机010-62345678，工作日有人", "010-62345678"),
        ("国际号码+86-138-1234-5678", "+86-138-1234-5678"),
        ("这是我朋友的手机：１３８１２３４５６７８", "１３８１２３４５６７８"),
        ("Call me at (415) 555-0132 tomorrow", "(415) 555-0132"),
        ("ring me on 07911 123456 after six", "07911 123456"),
        ("Erreichbar unter 0151 23456789.", "0151 23456789"),
        ("Mi teléfono es 612 345 678.", "612 345 678"),
        ("Appelez-moi au +33 1 23 45 67 89", "+33 1 23 45 67 89"),
        ("my number is +44 7700 900123", "+44 7700 900123"),
        ("just call me on 555-0132", "555-0132"),
    ],
)
def test_it_finds_phone_numbers_as_customers_write_them(text: str, number: str) -> None:
    assert found(text) == [(PHONE, number)]


def test_the_same_phone_written_two_ways_has_one_canonical_form() -> None:
    (plain,) = detect("手机13812345678")
    (international,) = detect("手机 +86 138 1234 5678")
    assert plain.canonical == international.canonical == "+8613812345678"


@pytest.mark.parametrize(
    "text",
    [
        "Order NW-10442 placed on 2024-03-15 for $1,299.00",
        "订单号 202403150001 已发货",
        "快递单号SF1234567890123，显示已签收",
        "tracking 1Z999AA10123456784 shows delivered",
        "Ich habe am 03.04.2024 bezahlt",
        "product code 4006381333931 on the box",
        "商品编码6901234567892扫不出来",
        "Amazon order 112-7654321-1234567 is late",
        "Delivery window 9:00-17:00 please",
        "你们客服电话400-820-8820一直占线",
        "version 2.14.3 of your app",
        "RMA 778812 approved on 12/03/2024",
    ],
)
def test_order_tracking_product_numbers_dates_and_hotlines_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text, card",
    [
        ("Please refund to 4111 1111 1111 1111, exp 09/27", "4111 1111 1111 1111"),
        ("Kartennummer 5555-5555-5555-4444", "5555-5555-5555-4444"),
        ("my Amex 3782 822463 10005", "3782 822463 10005"),
        ("卡号6200000000000005，谢谢", "6200000000000005"),
        ("card 4111 1111 1111 1111 2025", "4111 1111 1111 1111"),
    ],
)
def test_it_finds_luhn_valid_card_numbers(text: str, card: str) -> None:
    assert found(text) == [(CARD, card)]


@pytest.mark.parametrize(
    "text",
    ["card 4111 1111 1111 1112 is wrong", "卡号6200000000000006", "Karte 5555-5555-5555-4445"],
)
def test_luhn_invalid_card_numbers_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text, iban",
    [
        ("IBAN DE89 3704 0044 0532 0130 00 BIC COBADEFFXXX", "DE89 3704 0044 0532 0130 00"),
        ("refund to GB82WEST12345698765432 please", "GB82WEST12345698765432"),
        ("退款账户ES9121000418450200051332谢谢", "ES9121000418450200051332"),
        ("klein: de89 3704 0044 0532 0130 00", "de89 3704 0044 0532 0130 00"),
    ],
)
def test_it_finds_valid_ibans_and_stops_where_they_end(text: str, iban: str) -> None:
    assert found(text) == [(IBAN, iban)]


def test_an_iban_with_a_wrong_check_is_left_alone() -> None:
    assert found("IBAN DE88 3704 0044 0532 0130 00") == []


@pytest.mark.parametrize(
    "text, value",
    [
        ("SSN 894-03-7565 for the form", "894-03-7565"),
        ("my social security number is 364640966", "364640966"),
        ("身份证号11010519491231002X，实名认证失败", "11010519491231002X"),
        ("身份证号 330106 19950815 5216", "330106 19950815 5216"),
        ("Mi DNI es 34965057C", "34965057C"),
        ("Mi DNI: 72.981.182-C", "72.981.182-C"),
        ("NIE Y7083849R", "Y7083849R"),
        ("Meine Steuer-ID ist 36 574 261 809", "36 574 261 809"),
        ("My NI number is JG 10 37 59 A", "JG 10 37 59 A"),
        ("sécurité sociale 2 80 12 42 908 260 33", "2 80 12 42 908 260 33"),
        ("Aadhaar 8961 4177 6609 for EMI", "8961 4177 6609"),
    ],
)
def test_it_finds_checksum_valid_national_identifiers(text: str, value: str) -> None:
    assert found(text) == [(NATIONAL_ID, value)]


def test_weak_identifiers_need_a_keyword_before_them() -> None:
    # A bare 9-digit number or an 11-digit one with a valid check digit is usually an order
    # number; only "SSN"/"Steuer-ID" before it makes it an identifier.
    assert found("order 364640966 is late") == []
    assert found("Kundennummer 36574261809") == []


def test_identifiers_of_countries_not_configured_are_not_looked_for() -> None:
    config = DetectorConfig(national_id_countries=("CN",))
    assert found("Mi DNI es 34965057C", config) == []
    assert found("身份证11010519491231002X", config) == [(NATIONAL_ID, "11010519491231002X")]


def test_a_uk_national_insurance_number_with_an_unissued_prefix_is_not_one() -> None:
    assert found("NI number QQ 12 34 56 C") == []


@pytest.mark.parametrize(
    "text, email",
    [
        ("email Jane.Doe+shop@Example.co.uk.", "Jane.Doe+shop@Example.co.uk"),
        ("QQ邮箱1234567890@qq.com收不到", "1234567890@qq.com"),
        ("Mail: jürgen.müller@bäckerei-müller.de", "jürgen.müller@bäckerei-müller.de"),
    ],
)
def test_it_finds_email_addresses(text: str, email: str) -> None:
    assert found(text) == [(EMAIL, email)]


def test_order_numbers_are_redacted_only_when_a_custom_pattern_says_so() -> None:
    text = "Order NW-10442 for wang@example.cn"
    assert found(text) == [(EMAIL, "wang@example.cn")]
    config = DetectorConfig(custom_patterns=(CustomPattern("order", r"NW-\d{5}"),))
    assert found(text, config) == [("ORDER", "NW-10442"), (EMAIL, "wang@example.cn")]


@pytest.mark.parametrize(
    "name, regex, message",
    [
        ("EMAIL", r"x", "built-in"),
        ("1st", r"x", "letters"),
        ("order", r"(", "invalid regex"),
        ("order", r"\d*", "empty"),
    ],
)
def test_bad_custom_patterns_are_refused(name: str, regex: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CustomPattern(name, regex)


def test_unknown_regions_and_countries_are_refused() -> None:
    with pytest.raises(ValueError, match="phone regions"):
        DetectorConfig(phone_regions=("XX",))
    with pytest.raises(ValueError, match="national identifier"):
        DetectorConfig(national_id_countries=("ZZ",))


def test_an_email_containing_a_phone_number_is_one_email() -> None:
    assert found("my QQ mail 13812345678@qq.com") == [(EMAIL, "13812345678@qq.com")]


def test_overlaps_keep_the_container_then_the_higher_priority() -> None:
    phone = Span(0, 11, PHONE, "x" * 11)
    inner_id = Span(2, 9, NATIONAL_ID, "x" * 7)
    assert resolve_overlaps([inner_id, phone]) == [phone]
    card = Span(0, 16, CARD, "x" * 16)
    partial_phone = Span(10, 20, PHONE, "x" * 10)
    assert resolve_overlaps([partial_phone, card]) == [card]
