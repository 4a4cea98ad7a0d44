"""The e-mail side of the demo history: how often a customer writes to the support address
instead of chatting, and the subject lines they write, per topic and in their own language.

Plain data for assistant/demo_history.py; like the questions in assistant/demo_texts.py, the
subjects are what customers wrote and are not translated. "{order}" stands for an order number.
"""

from __future__ import annotations

import random
import unicodedata

# About one conversation in five starts by e-mail, as in a small shop with a website chat.
EMAIL_SHARE = 0.2

SUBJECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "order status": {
        "en": ("Where is my order {order}?", "Order {order} not arrived yet", "Order status"),
        "nl": ("Waar blijft mijn bestelling {order}?", "Status bestelling {order}"),
        "de": ("Wo bleibt meine Bestellung {order}?", "Lieferstatus Bestellung {order}"),
        "fr": ("Où en est ma commande {order} ?",),
        "es": ("¿Dónde está mi pedido {order}?",),
    },
    "shipping": {
        "en": ("Question about delivery", "Shipping to Belgium?", "Delivery time"),
        "nl": ("Vraag over levering",),
        "de": ("Frage zum Versand", "Lieferung nach Österreich?"),
        "fr": ("Question sur la livraison",),
        "es": ("Pregunta sobre el envío",),
    },
    "returns": {
        "en": ("Return for order {order}", "Refund question", "Returning a bike"),
        "nl": ("Retour bestelling {order}",),
        "de": ("Rücksendung Bestellung {order}", "Erstattung"),
        "fr": ("Retour de la commande {order}",),
        "es": ("Devolución del pedido {order}",),
    },
    "warranty": {
        "en": ("Warranty claim, order {order}", "Broken part after a month"),
        "nl": ("Garantie aanvraag {order}",),
        "de": ("Garantiefall Bestellung {order}",),
        "fr": ("Demande de garantie",),
        "es": ("Reclamación de garantía",),
    },
    "billing": {
        "en": ("Invoice for order {order}", "Payment question", "Charged twice?"),
        "nl": ("Factuur bestelling {order}",),
        "de": ("Rechnung zur Bestellung {order}", "Frage zur Zahlung"),
        "fr": ("Facture de la commande {order}",),
        "es": ("Factura del pedido {order}",),
    },
    "product question": {
        "en": ("Question about the e-bike", "Product question", "Before I buy"),
        "nl": ("Vraag over de e-bike",),
        "de": ("Frage zum E-Bike", "Produktfrage"),
        "fr": ("Question sur le vélo électrique",),
        "es": ("Pregunta sobre la bicicleta eléctrica",),
    },
    "sizing": {"en": ("Which frame size?",), "de": ("Welche Rahmengröße?",)},
    "repairs": {"en": ("Service appointment",), "de": ("Inspektionstermin",)},
    "account": {"en": ("My account", "Store opening hours"), "de": ("Mein Kundenkonto",)},
}
FALLBACK = ("Question", "Help please", "Support request")


def email_subject(rng: random.Random, topic: str, language: str) -> str:
    """A subject a customer writing about `topic` in `language` might use."""
    by_language = SUBJECTS.get(topic, {})
    options = by_language.get(language) or by_language.get("en") or FALLBACK
    return rng.choice(options).format(order=rng.randint(10_000, 99_999))


def email_address(rng: random.Random, name: str) -> str:
    """A made-up address for a demo customer (example.* domains never receive mail)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    local = "".join(c for c in ascii_name if c.isalpha() or c == " ").replace(" ", ".")
    return f"{local}{rng.randint(1, 999)}@{rng.choice(('example.com', 'example.net'))}"
