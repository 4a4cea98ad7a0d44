"""Words around a number that say what it is: a phone, a card, or a reference the assistant needs.

A 10-digit string may be a phone number or an order number, and its digits alone cannot tell:
the words the customer wrote just before it can ("order 4711081520", "Bestellung ...",
"订单 ..."). Detectors ask `nearest_before` which kind of word stands closest before a
candidate, so "my order 123, call me on 0151 2345678" keeps the order and redacts the phone.

Latin-script words are matched at word starts (so "recall" is not "call"); Chinese and Japanese
ones anywhere, since those languages write no spaces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# How far before a candidate a context word counts (characters).
WINDOW = 32


def _words(latin: str, cjk: str = "") -> re.Pattern[str]:
    body = rf"(?<![a-zà-ÿ])(?:{latin})"
    if cjk:
        body += f"|{cjk}"
    return re.compile(body, re.IGNORECASE)


PHONE = _words(
    r"(?:tele)?phone|call|tel\b|tel\.|mobile|mob\b|cell|whatsapp|text me|reach me|sms|ring me"
    r"|teléfono|telefono|móvil|movil|llám|llam|celular|contacto"
    r"|telefon|handy|rufnummer|anruf|ruf mich|festnetz|mobil"
    r"|téléphone|portable|appel|joignable"
    r"|cellulare|chiamami|chiamare"
    r"|bel me|mobiel|nummer is"
    r"|telemóvel|ligue|liga"
    r"|komórk|zadzwo",
    r"电话|手机|致电|联系方式|打我|微信|電話|携帯|連絡先",
)

# References the assistant needs to see: orders, invoices, parcels, products, tickets.
REFERENCE = _words(
    r"order|invoice|inv\b|tracking|track(?:ing)? (?:no|number)|parcel|shipment|package|ref\b"
    r"|reference|ticket|case|serial|sku|ean|barcode|upc|item|article|receipt|confirmation"
    r"|customer (?:no|number|id)|account (?:no|number)|member(?:ship)? (?:no|number)|rma"
    r"|pedido|factura|albarán|envío|envio|seguimiento|referencia|número de cliente"
    r"|bestell|rechnung|sendung|auftrag|kundennummer|artikel|lieferschein|paket|retoure"
    r"|commande|facture|colis|suivi|référence|n° de client"
    r"|ordin[ei]|fattura|spedizione|tracciamento|codice cliente"
    r"|bestelling|factuur|zending|pakket|klantnummer"
    r"|encomenda|fatura|rastreamento|nota fiscal|chave de acesso|nf-e"
    r"|zamówieni|faktur|przesyłk",
    r"订单|单号|发票|快递|运单|物流|包裹|会员号|编号|工单|条码|注文|請求書|追跡|伝票|荷物|お問い合わせ番号"
    r"|バーコード|商品コード|チケット",
)

# Words naming an identity or tax number: what follows is not a phone number, whatever its shape.
IDENTIFIER = _words(
    r"ssn|social security|social insurance|national insurance|ni number|nino|tax id|tax file|tfn"
    r"|itin|nhs|sin\b|passport|id card|identity card|steuer-?id|steuernummer|sozialversicherung"
    r"|svnr|sv-nummer|rv-nummer|rentenversicherung|personalausweis|ausweis|reisepass|ahv|avs"
    r"|sécurité sociale|securite sociale|numéro fiscal|passeport|carte d'identité|dni|nie\b|nif"
    r"|pasaporte|seguridad social|codice fiscale|passaporto|carta d'identità|bsn"
    r"|burgerservicenummer|paspoort|cpf|rg\b|cartão de cidadão|pesel|aadhaar|aadhar|pan\b"
    r"|personnummer|henkilötunnus|cpr|cnp|emšo|emso|amka|αμκα|oib|egn|егн|isikukood"
    r"|asmens kod|personas kods|kennitala|fødselsnummer|fodselsnummer|rijksregister|registre"
    r" national|numéro national|rodné číslo",
    r"身份证|身份證|护照|マイナンバー|個人番号|旅券",
)

CARD = _words(
    r"card|visa|mastercard|maestro|amex|credit|debit|karte|tarjeta|carte|carta|kaart|cartão"
    r"|karta|cb\b",
    r"卡号|银行卡|信用卡|储蓄卡|カード",
)

# Words that make a toll-free or shared-cost number a company's line rather than a person's.
COMPANY_LINE = _words(
    r"hotline|helpline|customer (?:service|care|support)|your (?:support|service)|freephone"
    r"|toll[- ]free|support line|service line|call cent(?:er|re)"
    r"|kundenservice|kundendienst|servicenummer|service-hotline"
    r"|service client|numéro vert|assistance"
    r"|atención al cliente|servicio al cliente|línea gratuita"
    r"|servizio clienti|numero verde|klantenservice|atendimento",
    r"客服|热线|服务电话|客户服务|お客様センター|フリーダイヤル|サポート",
)


def nearest_before(
    text: str, start: int, patterns: Mapping[str, re.Pattern[str]], window: int = WINDOW
) -> str | None:
    """The name of the pattern whose match ends closest before `start` (within `window`), or
    None when none of them occurs there."""
    before = text[max(0, start - window) : start]
    best: tuple[int, str] | None = None
    for name, pattern in patterns.items():
        for match in pattern.finditer(before):
            if best is None or match.end() > best[0]:
                best = (match.end(), name)
    return best[1] if best else None


def has_before(text: str, start: int, pattern: re.Pattern[str], window: int = WINDOW) -> bool:
    return pattern.search(text, max(0, start - window), start) is not None


def has_after(text: str, end: int, pattern: re.Pattern[str], window: int = WINDOW) -> bool:
    return pattern.search(text, end, min(len(text), end + window)) is not None
