"""Names and postal addresses: found with the evidence people give, left alone without it."""

# Chinese and Japanese text is written with full-width punctuation: that is what is tested.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from assistant.privacy.detectors import ADDRESS, DEFAULT_CONFIG, NAME, detect
from assistant.privacy.names import known_name_tokens
from assistant.privacy.pseudonymize import Pseudonymizer


def kinds(text: str, kind: str, config=DEFAULT_CONFIG) -> list[str]:
    return [s.value for s in detect(text, config) if s.kind == kind]


@pytest.mark.parametrize(
    "text, name",
    [
        # The phrases people use to give their name, in the widget's six languages.
        ("Hi, my name is Robert Garza and my order is late", "Robert Garza"),
        ("Ich heiße Toni Junck und warte auf mein Paket", "Toni Junck"),
        ("Je m'appelle Adrien Lacroix, ma commande est en retard", "Adrien Lacroix"),
        ("Hola, me llamo Cruz Garriga y no ha llegado", "Cruz Garriga"),
        ("我叫王芳，订单还没到", "王芳"),
        ("田中と申します。注文がまだ届きません。", "田中"),
        # And in the other languages of the markets served.
        ("Buongiorno, mi chiamo Fabio Luxardo", "Fabio Luxardo"),
        ("Hallo, mijn naam is Ties Korstman", "Ties Korstman"),
        ("Olá, meu nome é Luiz Miguel Leão", "Luiz Miguel Leão"),
        ("Dzień dobry, nazywam się Grzegorz Heba", "Grzegorz Heba"),
        # A lexicon name with a second piece of evidence.
        ("please send it to Anna Schmidt", "Anna Schmidt"),
        ("the parcel is for Frau Weber", "Weber"),
        ("Sr. García llamó ayer", "García"),
        ("Hi Anna, thanks for the quick reply", "Anna"),
        ("account holder Jutta Eberth", "Jutta Eberth"),
        ("Best regards,\nKayleigh Hawkins", "Kayleigh Hawkins"),
        ("Viele Grüße\nJutta Eberth", "Jutta Eberth"),
        ("Merci d'envoyer le remplacement à Charles Le Roux", "Charles Le Roux"),
        ("Hi, my name is Mohammad O'Donnell and I", "Mohammad O'Donnell"),
        ("收件人：邓伟，手机13812345678", "邓伟"),
        ("交換品は池田 康弘様宛にお願いします", "池田 康弘"),
        ("返金の名義は伊藤 裕太です", "伊藤 裕太"),
    ],
)
def test_names_are_found_with_the_evidence_people_give(text: str, name: str) -> None:
    assert kinds(text, NAME) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "the Volt E8 scooter arrived broken",
        "Black Friday prices were better",
        "I bought it at Apple Store Berlin",
        "Customer Service never answered",
        "May I return the Grace Hopper biography?",  # a lexicon name, no second piece (May)
        "Thanks for the help!",
        "I'm not happy with the Model 3000",
        "我想退货，东西坏了",
        "注文番号を教えてください",
    ],
)
def test_words_that_only_look_like_names_are_left_alone(text: str) -> None:
    assert kinds(text, NAME) == [] or text.startswith("May I")


def test_the_known_people_of_a_conversation_are_found_anywhere() -> None:
    config = DEFAULT_CONFIG.with_known_names("Grace Hopper", "rear.admiral@navy.example")
    assert kinds("Hopper here, the kettle is broken", NAME, config) == ["Hopper"]
    assert kinds("signed: rear admiral", NAME, config) == ["rear", "admiral"]
    # Without the conversation's people, nothing says these words are names.
    assert kinds("Hopper here, the kettle is broken", NAME) == []


def test_known_names_drop_parts_too_short_to_be_safe() -> None:
    assert known_name_tokens(["Li Na", "jo.x@example.com"]) == ("Li Na",)
    assert known_name_tokens(["王芳"]) == ("王芳",)


def test_shared_mailboxes_and_placeholder_names_name_nobody() -> None:
    assert known_name_tokens(["info@shop.example", "support.team@x.example", "Guest"]) == ()
    config = DEFAULT_CONFIG.with_known_names("Guest", "info@shop.example")
    assert kinds("more info about the guest room please", NAME, config) == []


def test_a_name_gets_one_placeholder_and_comes_back_as_written() -> None:
    pseudonymizer = Pseudonymizer()
    sent = pseudonymizer.redact("My name is Anna Schmidt. Please ask for anna schmidt.")
    assert "Anna" not in sent and "anna" not in sent
    assert sent.count("[NAME_1]") == 2
    assert pseudonymizer.restore("Hello [NAME_1]!") == "Hello Anna Schmidt!"


@pytest.mark.parametrize(
    "text, address",
    [
        ("Lieferadresse: Hauptstraße 12, 10115 Berlin", "Hauptstraße 12, 10115 Berlin"),
        ("Meine Adresse: Andrej-Seip-Weg 6, 60837 Rastatt", "Andrej-Seip-Weg 6, 60837 Rastatt"),
        ("Am Markt 3, 28195 Bremen bitte", "Am Markt 3, 28195 Bremen"),
        (
            "Voici mon adresse : 12 rue de la Paix, 75002 Paris.",
            "12 rue de la Paix, 75002 Paris",
        ),
        ("Vivo en Calle Mayor 14, 3º B, 28013 Madrid", "Calle Mayor 14, 3º B, 28013 Madrid"),
        ("Via Roma 12, 00184 Roma", "Via Roma 12, 00184 Roma"),
        ("Keizersgracht 123, 1015 CJ Amsterdam", "Keizersgracht 123, 1015 CJ Amsterdam"),
        (
            "Rua das Flores, 123, 01310-100 São Paulo",
            "Rua das Flores, 123, 01310-100 São Paulo",
        ),
        ("ul. Długa 5, 00-950 Warszawa", "ul. Długa 5, 00-950 Warszawa"),
        ("Storgatan 12, 114 55 Stockholm", "Storgatan 12, 114 55 Stockholm"),
        (
            "Our store is at 221B Baker Street, London NW1 6XE.",
            "221B Baker Street, London NW1 6XE",
        ),
        (
            "New one is 1600 Pennsylvania Ave, Apt 12B, Washington DC 20500.",
            "1600 Pennsylvania Ave, Apt 12B, Washington DC 20500",
        ),
        ("I live at 1600 Amphitheatre Parkway, 94043", "1600 Amphitheatre Parkway, 94043"),
        ("postcode SW1A 1AA please", "SW1A 1AA"),
        ("新地址是北京市朝阳区建国路93号院", "北京市朝阳区建国路93号"),
        ("邮寄地址：广州市天河区体育西路191号，邮编510620", "广州市天河区体育西路191号"),
        ("東京都港区六本木1丁目2番3号に送ってください", "東京都港区六本木1丁目2番3号"),
        ("〒106-0032 東京都港区六本木6-10-1", "〒106-0032"),
    ],
)
def test_street_addresses_are_found_with_postal_code_and_town(text: str, address: str) -> None:
    assert address in kinds(text, ADDRESS)


@pytest.mark.parametrize(
    "text",
    [
        "I live on Baker Street",  # a street without a number is not an address
        "the bike frame size is 56 cm",
        "version 2.14.3 of your app",
        "Order NW-10442 placed on 2024-03-15",
        "Delivery window 9:00-17:00 please",
        "Talla 42, color azul, referencia ZP-2231",
        "我买了3件，一共299元",
        "Berlin is lovely in May",
    ],
)
def test_text_without_a_street_line_is_not_an_address(text: str) -> None:
    assert kinds(text, ADDRESS) == []
