"""Real-world-shaped messages (tests/mail/fixtures/*.eml), each read as docs/email.md documents.

The fixtures are written the way the named clients write mail: their headers, their MIME
layout, their quote introductions and signatures, their transfer encodings and charsets.
"""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.mail.parsed import ParsedMail
from assistant.mail.parsing import parse_mail

FIXTURES = Path(__file__).parent / "fixtures"
SUPPORT = "support@acme.example"


def parsed(name: str) -> ParsedMail:
    return parse_mail((FIXTURES / name).read_bytes(), own_addresses=[SUPPORT])


def html_part_only(name: str) -> bytes:
    """The same message as an HTML-only client would have sent it (its text/plain part gone)."""
    original = email.message_from_bytes((FIXTURES / name).read_bytes(), policy=policy.default)
    html = original.get_body(preferencelist=("html",))
    assert html is not None
    message = EmailMessage(policy=policy.default)
    for key, value in original.items():
        if key.lower() not in ("content-type", "content-transfer-encoding", "mime-version"):
            message[key] = value
    message.set_content(html.get_content(), subtype="html")
    return message.as_bytes()


def words(text: str) -> list[str]:
    return text.split()


def test_a_gmail_reply_in_english_keeps_only_what_the_customer_wrote() -> None:
    mail = parsed("gmail_reply_en.eml")
    assert mail.text == (
        "Hi,\n\nThe tracking number still shows \u201clabel created\u201d three days later. "
        "Can you\ncheck what is going on with order 4417? I need it before Friday."
    )
    assert "Good news: your order #4417 has shipped" in mail.full_text
    assert "Thanks,\nMaria" in mail.full_text
    assert mail.from_address == "maria.lopez.home@gmail.com"
    assert mail.from_name == "Maria Lopez"
    assert mail.to_addresses == (SUPPORT,)
    assert mail.subject == "Re: Your order #4417 has shipped"
    assert mail.message_id == "<CAFx8Kq1s=Vb3Tq+8mN0pZ2wq9dYJ1h_rT4kLw7x0aGfQ5b3e@mail.gmail.com>"
    assert mail.in_reply_to == "<174a2c0f.4417.acme@acme.example>"
    assert mail.references == ("<174a2c0f.4417.acme@acme.example>",)
    assert mail.date == dt.datetime(2026, 12, 2, 15, 41, 1, tzinfo=dt.UTC)
    assert (mail.automated, mail.attachments, mail.problems) == ("", (), ())


def test_a_gmail_reply_in_german_loses_its_quote_and_its_closing() -> None:
    mail = parsed("gmail_reply_de.eml")
    assert mail.text == (
        "Hallo,\n\ndas Rücksendeetikett funktioniert leider nicht, der QR-Code wird in der\n"
        "Filiale nicht erkannt. Können Sie mir bitte ein neues schicken?"
    )
    assert "schrieb Acme Kundenservice" in mail.full_text
    assert mail.from_name == "Jonas Bäcker"
    assert mail.subject == "Re: Rücksendung Ihrer Bestellung [#k7q2m4xw9t3c]"
    # Where the reply token survives when a client rewrote To.
    assert mail.delivered_to == ("support+k7q2m4xw9t3c@acme.example",)
    assert mail.to_addresses == ("support+k7q2m4xw9t3c@acme.example",)
    assert (mail.automated, mail.problems) == ("", ())


def test_an_outlook_reply_in_english_loses_the_from_sent_block_and_the_signature() -> None:
    mail = parsed("outlook_reply_en.eml")
    assert mail.text == (
        "Hello,\n\nThank you for the quick answer. The refund has not arrived yet: our bank "
        "statement still shows two charges of 249.00 EUR on 28 November.\nCould you send me "
        "a confirmation that the second charge will be refunded?"
    )
    assert "Head of Procurement" in mail.full_text
    assert "Sent: Wednesday, December 2, 2026 4:15 PM" in mail.full_text
    assert mail.subject == "RE: Invoice 2026-1187 charged twice"
    assert (mail.automated, mail.problems) == ("", ())


def test_an_outlook_reply_in_french_loses_the_de_envoye_block_and_the_closing() -> None:
    mail = parsed("outlook_reply_fr.eml")
    assert mail.text == (
        "Bonjour,\n\nLe colis n'est toujours pas arrivé et le suivi indique «\u00a0livré\u00a0» "
        "depuis lundi. Pouvez-vous ouvrir une enquête auprès du transporteur\u00a0?"
    )
    assert "Votre colis a été remis au transporteur" in mail.full_text
    assert mail.subject == "RE : Problème de livraison"  # its no-break space is a space
    assert (mail.automated, mail.problems) == ("", ())


@pytest.mark.parametrize(
    "name",
    ["gmail_reply_en.eml", "gmail_reply_de.eml", "outlook_reply_en.eml", "outlook_reply_fr.eml",
     "apple_reply_es.eml"],
)  # fmt: skip
def test_the_html_part_alone_gives_the_same_words_as_the_text_part(name: str) -> None:
    """An HTML-only client's reply is stripped as well: Gmail's gmail_quote, Outlook's block."""
    from_text = parsed(name)
    from_html = parse_mail(html_part_only(name), own_addresses=[SUPPORT])
    assert words(from_html.text) == words(from_text.text)
    assert len(from_html.full_text) > len(from_html.text)


def test_an_apple_mail_reply_in_spanish_loses_sent_from_my_iphone_and_the_quote() -> None:
    mail = parsed("apple_reply_es.eml")
    assert mail.text == (
        "Hola:\n\nLas zapatillas me quedan pequeñas. ¿Puedo cambiarlas por una talla 42 sin "
        "pagar el envío otra vez?"
    )
    assert "Enviado desde mi iPhone" in mail.full_text
    assert "escribió:" in mail.full_text
    assert mail.from_name == "Lucía Fernández"
    assert mail.message_id == "<7F3A9B21-5C4D-4E8F-A1B2-C3D4E5F60718@icloud.example>"
    assert (mail.automated, mail.problems) == ("", ())


def test_an_html_only_newsletter_becomes_inert_markdown_and_is_a_mailing_list() -> None:
    mail = parsed("newsletter_html_only.eml")
    assert mail.automated == "mailing_list"
    assert mail.text == (
        "# Winter sale\n\nUp to **70% off** on everything this week.\n\nWinter sale banner\n\n"
        "Claim your voucher\n\nOpen the catalogue\n\n"
        "[Shop now](https://dealsweekly.example/shop?utm_source=news)\n\n"
        "Questions? Just reply to this e-mail."
    )
    for unsafe in ("script", "cookie", "javascript:", "data:", "iframe", "evil.example",
                   "password", "onclick", "<", "track/open.gif"):  # fmt: skip
        assert unsafe not in mail.full_text.lower()
    assert mail.subject == "Your weekly deals \N{WRAPPED PRESENT} up to 70% off"


def test_an_out_of_office_reply_is_an_auto_reply() -> None:
    mail = parsed("out_of_office.eml")
    assert mail.automated == "auto_reply"
    assert mail.text.startswith("Hello,\n\nI am out of the office until Monday, 7 December.")
    assert mail.problems == ()


def test_a_delivery_report_from_the_mailer_daemon_is_a_bounce() -> None:
    mail = parsed("bounce.eml")
    assert mail.automated == "bounce"
    assert mail.text.startswith("** Address not found **")
    # The report's machinery (delivery status, the returned message) is not an attachment.
    assert [a.filename for a in mail.attachments] == ["icon.png"]
    assert mail.problems == ()


def test_a_pdf_and_a_jpeg_are_extracted_with_their_names_types_and_bytes() -> None:
    mail = parsed("attachments_pdf_jpeg.eml")
    # format=flowed: the soft line break Thunderbird added is joined back.
    assert mail.text == (
        "Guten Tag,\n\ndie Lampe kam mit einem Sprung im Glas an. Im Anhang die Rechnung und "
        "ein Foto vom Schaden.\n\nTobias Wolf"
    )
    pdf, jpeg = mail.attachments
    assert (pdf.filename, pdf.declared_type) == ("Rechnung März 2026.pdf", "application/pdf")
    assert pdf.data.startswith(b"%PDF-1.4") and pdf.data.rstrip().endswith(b"%%EOF")
    assert (jpeg.filename, jpeg.declared_type) == ("IMG_2041.jpg", "image/jpeg")
    assert jpeg.data.startswith(b"\xff\xd8\xff") and jpeg.data.endswith(b"\xff\xd9")
    assert mail.problems == ()


def test_a_broken_boundary_is_flagged_and_the_text_ends_where_the_next_part_began() -> None:
    mail = parsed("malformed_mime.eml")
    assert mail.text == (
        "Hello,\n\nI ordered the blue backpack (order 7730) and received a green one.\n"
        "Please tell me how to exchange it.\n\nKim"
    )
    assert "malformed_mime" in mail.problems
    assert "BOUNDARY" not in mail.full_text and "base64" not in mail.full_text


def test_windows_1252_declared_as_utf8_is_decoded_and_flagged() -> None:
    mail = parsed("lying_charset.eml")
    assert mail.text == (
        "Bonjour,\n\nJ'ai reçu la facture numéro 5512 mais le montant est erroné : on m'a "
        "facturé 129,00 € au lieu de 99,00 €. Pouvez-vous corriger la facture et me renvoyer un "
        "reçu ? Je préférerais être remboursé sur ma carte."
    )
    assert mail.full_text.endswith("Merci d'avance,\nRené Lefèvre")
    assert mail.problems == ("unknown_charset",)


def test_an_unknown_charset_is_guessed_from_the_bytes_and_flagged() -> None:
    mail = parsed("unknown_charset.eml")
    assert mail.text.startswith("Guten Abend,\n\nmeine Bestellung 6610 wurde storniert")
    assert "zurückgebucht" in mail.text and "45,50 €" in mail.text and "Größe" in mail.text
    assert mail.from_name == "Jürgen Müller"
    assert mail.problems == ("unknown_charset",)


def test_a_japanese_iso_2022_jp_reply_is_decoded_and_its_quote_removed() -> None:
    mail = parsed("iso2022jp.eml")
    assert mail.text == (
        "サポートご担当者様\n\n注文番号 3391 の商品がまだ届いていません。\n"
        "配送状況を確認していただけますか。"
    )
    assert "ご注文の商品は本日発送いたしました。" in mail.full_text
    assert mail.subject == "Re: ご注文の発送について"
    assert mail.from_name == "山田 太郎"
    assert mail.date == dt.datetime(2026, 12, 3, 0, 15, 42, tzinfo=dt.UTC)
    assert mail.problems == ()
