"""What the demo history's customers ask, and what was answered: questions the demo help articles
answer (with the article each answer cites), and questions they do not (the knowledge gaps,
several wordings and languages of each, as real customers phrase the same need differently).

Plain data for assistant/demo_history.py; the customers' words are not translated (they are
what customers wrote, each in its own language).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answered:
    language: str
    slug: str  # the demo article the answer cites
    topic: str
    question: str
    answer: str


@dataclass(frozen=True)
class Gap:
    language: str
    topic: str
    question: str


ANSWERED = (
    Answered("en", "tracking-your-order", "order status", "Where is my order? I ordered last week.",
             "You can follow your parcel with the tracking link in your shipping e-mail [1]."),
    Answered("en", "tracking-your-order", "order status", "my tracking link doesn't work",
             "A new tracking link can take up to 24 hours to show the parcel [1]."),
    Answered("en", "delivery-options-and-costs", "shipping", "How much is delivery to Belgium?",
             "Delivery costs depend on the country and the size of the parcel; see the table [1]."),
    Answered("en", "delivery-options-and-costs", "shipping", "how long does shipping take",
             "Standard delivery takes 1-3 working days in the Netherlands [1]."),
    Answered("en", "returns-policy", "returns", "Can I return my bike if it doesn't fit?",
             "Yes, unused bikes can be returned within 30 days [1]."),
    Answered("en", "refunds", "returns", "When will I get my refund?",
             "Refunds are paid within 14 days of receiving the return [1]."),
    Answered("en", "e-bike-range", "product question", "How far can the e-bike go on one charge?",
             "Range depends on assistance level, terrain and weight; see the range table [1]."),
    Answered("en", "e-bike-battery-replacement-and-recycling", "product question",
             "How much does a new e-bike battery cost?",
             "A replacement Bosch PowerTube 500 Wh battery costs €649 [1]."),
    Answered("en", "warranty", "warranty", "How long is the warranty on the frame?",
             "Frames have a lifetime warranty for the first owner [1]."),
    Answered("en", "making-a-warranty-claim", "warranty", "My gears broke after a month, warranty?",
             "You can make a warranty claim with your order number and photos [1]."),
    Answered("en", "choosing-your-frame-size", "sizing", "Which frame size for 1.82 m?",
             "At 1.82 m most riders take size L; the size table has the details [1]."),
    Answered("en", "booking-a-service", "repairs", "How do I book a service for my bike?",
             "You can book a service online or in any store [1]."),
    Answered("en", "stores-and-opening-hours", "account", "When is the Utrecht store open?",
             "Our stores are open Monday to Saturday; see the opening hours [1]."),
    Answered("en", "changing-or-cancelling-an-order", "order status", "Can I cancel my order?",
             "You can cancel free of charge until the order has shipped [1]."),
    Answered("en", "payment-methods", "billing", "Do you accept PayPal?",
             "Yes, we accept iDEAL, cards, PayPal and Klarna [1]."),
    Answered("en", "gift-cards", "billing", "Can I use two gift cards on one order?",
             "Yes, you can combine gift cards on one order [1]."),
    Answered("en", "test-rides", "product question", "Can I book a test ride?",
             "Test rides are free in every store; booking ahead is recommended [1]."),
    Answered("de", "delivery-options-and-costs", "shipping",
             "Wie lange dauert der Versand nach Deutschland?",
             "Der Versand nach Deutschland dauert in der Regel 2-4 Werktage [1]."),
    Answered("de", "returns-policy", "returns", "Kann ich das Fahrrad zurückschicken?",
             "Ja, unbenutzte Fahrräder können innerhalb von 30 Tagen zurückgegeben werden [1]."),
    Answered("de", "warranty", "warranty", "Wie lange gilt die Garantie auf den Rahmen?",
             "Rahmen haben eine lebenslange Garantie für den Erstbesitzer [1]."),
    Answered("de", "tracking-your-order", "order status", "Wo ist meine Bestellung?",
             "Sie können Ihr Paket mit dem Tracking-Link aus der Versand-E-Mail verfolgen [1]."),
    Answered("nl", "tracking-your-order", "order status", "Waar is mijn bestelling?",
             "Je kunt je pakket volgen met de track-and-trace-link in je verzendmail [1]."),
    Answered("nl", "stores-and-opening-hours", "account", "Wat zijn de openingstijden in Utrecht?",
             "Onze winkels zijn open van maandag tot en met zaterdag [1]."),
    Answered("nl", "booking-a-service", "repairs", "Hoe plan ik een onderhoudsbeurt?",
             "Je kunt online of in de winkel een onderhoudsbeurt boeken [1]."),
    Answered("fr", "delivery-options-and-costs", "shipping",
             "Combien coûte la livraison en France ?",
             "Les frais de livraison dépendent du pays et de la taille du colis [1]."),
    Answered("fr", "returns-policy", "returns", "Puis-je retourner mon vélo ?",
             "Oui, les vélos non utilisés peuvent être retournés sous 30 jours [1]."),
    Answered("es", "e-bike-range", "product question", "¿Cuánta autonomía tiene la bici eléctrica?",
             "La autonomía depende del nivel de asistencia, el terreno y el peso [1]."),
    Answered("es", "payment-methods", "billing", "¿Puedo pagar con PayPal?",
             "Sí, aceptamos tarjetas, PayPal y Klarna [1]."),
)  # fmt: skip

# Needs the demo help center does not cover. Each family is one missing article.
GAPS = (
    Gap("en", "billing", "Do you offer bike leasing through my employer?"),
    Gap("en", "billing", "Can I lease an e-bike via my company?"),
    Gap("en", "billing", "Is there a business leasing scheme for bikes through work?"),
    Gap("en", "billing", "employer bike lease program?"),
    Gap("de", "billing", "Kann ich ein Dienstrad über meinen Arbeitgeber leasen?"),
    Gap("de", "billing", "Bietet ihr Jobrad-Leasing an?"),
    Gap("nl", "billing", "Kan ik een fiets leasen via mijn werkgever?"),
    Gap("en", "product question", "Do you take my old bike as a trade-in?"),
    Gap("en", "product question", "Can I trade in my current bicycle when buying a new one?"),
    Gap("en", "product question", "will you buy back my old bike if I get a new one from you"),
    Gap("de", "product question", "Nehmt ihr mein altes Fahrrad in Zahlung?"),
    Gap("en", "product question", "Can I rent a bike for the weekend?"),
    Gap("en", "product question", "Do you have bikes to hire for a day trip?"),
    Gap("en", "product question", "is there a bike rental at your Utrecht store"),
    Gap("nl", "product question", "Kan ik bij jullie een fiets huren?"),
    Gap("en", "billing", "Is there a student discount?"),
    Gap("en", "billing", "Do students get money off?"),
    Gap("en", "billing", "any discount for university students"),
    Gap("en", "billing", "Do you price match if I find the same bike cheaper elsewhere?"),
    Gap("en", "billing", "Will you match a lower price from another shop?"),
    Gap("en", "product question", "Can you fit a child seat on my bike?"),
    Gap("en", "product question", "Do you install kids' seats on the rear rack?"),
    Gap("fr", "product question", "Proposez-vous des vélos cargo ?"),
    Gap("en", "shipping", "Can I pick up my order at a parcel locker?"),
    Gap("en", "account", "Can I bring my dog into the store?"),
)  # fmt: skip

AGENT_REPLIES = {
    "en": "Hi, this is {agent} from Northwind Cycles. Thanks for waiting, I'll sort this out now.",
    "de": "Hallo, hier ist {agent} von Northwind Cycles. Danke fürs Warten, ich kümmere mich.",
    "nl": "Hoi, met {agent} van Northwind Cycles. Bedankt voor het wachten, ik help je verder.",
    "fr": "Bonjour, ici {agent} de Northwind Cycles. Merci de votre patience, je m'en occupe.",
    "es": "Hola, soy {agent} de Northwind Cycles. Gracias por esperar, ya me encargo.",
}
DONT_KNOW = {
    "en": "I'm not sure about that. Would you like me to connect you with a member of our team?",
    "de": "Das weiß ich leider nicht. Soll ich Sie mit unserem Team verbinden?",
    "nl": "Dat weet ik helaas niet. Zal ik je doorverbinden met ons team?",
    "fr": "Je ne suis pas sûr. Voulez-vous que je vous mette en contact avec notre équipe ?",
    "es": "No estoy seguro. ¿Quiere que le ponga en contacto con nuestro equipo?",
}
THANKS = {
    "en": "Thanks, that helps!",
    "de": "Danke, das hilft!",
    "nl": "Dank je, dat helpt!",
    "fr": "Merci, c'est utile !",
    "es": "¡Gracias, me ayuda!",
}
