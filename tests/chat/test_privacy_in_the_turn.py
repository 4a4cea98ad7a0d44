"""What reaches an external model provider: pseudonyms, never the customer's personal data;
what the customer reads: the real values again. And every outbound call is in the audit log."""

from __future__ import annotations

import json

import pytest

from assistant.chat.models import Contact
from assistant.db_async import db_async
from assistant.llm.simulator import Rule
from assistant.privacy.models import OutboundCallAudit
from tests.chat.conftest import Widget

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_EMAIL = "ada.lovelace@example.com"
SECRET_CARD = "4111 1111 1111 1111"


async def test_the_provider_sees_placeholders_and_the_customer_sees_the_values(
    inbox, new_session, simulated_llm
) -> None:
    # The simulator runs on loopback, which would count as self-hosted (exempt): label it as
    # the external provider it stands in for.
    simulated_llm.configure(openai_hosting="external", openai_jurisdiction="US")
    rule = Rule.from_dict(
        {"pattern": "confirm my email", "reply": "Sure, I will write to [EMAIL_1] today."}
    )
    rules = simulated_llm.app.config.rules
    simulated_llm.app.config.rules = [rule, *rules]
    try:
        session = await new_session(inbox)
        tab = Widget()
        await tab.hello(session.token)
        text = f"Please confirm my email {SECRET_EMAIL}, my card is {SECRET_CARD}"
        await tab.say(text, client_id="pii")
        end, _ = await tab.receive_until("stream_end")
        # Every request the provider received: the answer and the classification beside it.
        sent = json.dumps(simulated_llm.app.stats.requests)
    finally:
        simulated_llm.app.config.rules = rules
    await tab.close()
    assert SECRET_EMAIL not in sent and "4111" not in sent
    assert "[EMAIL_1]" in sent and "[CARD_" in sent
    assert end["message"]["text"] == f"Sure, I will write to {SECRET_EMAIL} today."
    audits = await db_async(lambda: list(OutboundCallAudit.objects.filter(purpose="reply")))()
    assert audits and audits[0].provider == "openai"
    assert audits[0].redaction_counts.get("EMAIL") == 1
    assert SECRET_EMAIL not in json.dumps(audits[0].redacted_payload or "")


# Values from the countries added to the default and the kinds added with them: a name introduced
# by the customer, the contact's own surname (known, so found without any introduction), a
# German street address, a German social insurance number, an Italian codice fiscale, a Dutch
# BSN and mobile, a Brazilian mobile and an IP address.
NAME = "Anna Schmidt"
ADDRESS = "Hauptstraße 12, 10115 Berlin"
NEW_COUNTRY_VALUES = (
    "65170839J003",
    "RSSMRA85T10A562S",
    "111222333",
    "06 12345678",
    "+55 11 91234-5678",
    "192.168.1.20",
)


async def test_names_addresses_and_new_countries_reach_the_provider_as_placeholders_only(
    inbox, new_session, simulated_llm
) -> None:
    simulated_llm.configure(openai_hosting="external", openai_jurisdiction="US")
    rule = Rule.from_dict(
        {"pattern": "please send it", "reply": "Thanks [NAME_1], we will ship to [ADDRESS_1]."}
    )
    rules = simulated_llm.app.config.rules
    simulated_llm.app.config.rules = [rule, *rules]
    try:
        session = await new_session(inbox)
        await db_async(
            lambda: Contact.objects.filter(pk=session.contact.pk).update(
                name="Grace Hopper", email="grace.hopper@example.org"
            )
        )()
        tab = Widget()
        await tab.hello(session.token)
        text = (
            f"My name is {NAME}, please send it to {ADDRESS}. Sozialversicherungsnummer "
            f"{NEW_COUNTRY_VALUES[0]}, codice fiscale {NEW_COUNTRY_VALUES[1]}, BSN "
            f"{NEW_COUNTRY_VALUES[2]}, mobiel {NEW_COUNTRY_VALUES[3]}, celular "
            f"{NEW_COUNTRY_VALUES[4]}, my router is {NEW_COUNTRY_VALUES[5]}. Hopper is my "
            "maiden name."
        )
        await tab.say(text, client_id="pii-new")
        end, _ = await tab.receive_until("stream_end")
        sent = json.dumps(simulated_llm.app.stats.requests, ensure_ascii=False)
    finally:
        simulated_llm.app.config.rules = rules
    await tab.close()
    for value in (NAME, "Schmidt", "Hauptstraße", "10115", "Hopper", *NEW_COUNTRY_VALUES):
        assert value not in sent, value
    for placeholder in ("[NAME_1]", "[ADDRESS_1]", "[NATIONAL_ID_", "[PHONE_", "[IP_ADDRESS_1]"):
        assert placeholder in sent, placeholder
    assert end["message"]["text"] == f"Thanks {NAME}, we will ship to {ADDRESS}."
    audits = await db_async(lambda: list(OutboundCallAudit.objects.filter(purpose="reply")))()
    counts = audits[0].redaction_counts
    assert counts.get("NAME") == 2 and counts.get("ADDRESS") == 1
    assert counts.get("NATIONAL_ID") == 3 and counts.get("PHONE") == 2
    assert counts.get("IP_ADDRESS") == 1


async def test_the_offline_responder_is_internal_and_needs_no_redaction(inbox, new_session) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say(f"my email is {SECRET_EMAIL}", client_id="pii")
    await tab.receive_until("stream_end")
    await tab.close()
    audits = await db_async(lambda: list(OutboundCallAudit.objects.all()))()
    assert all(audit.hosting == "internal" for audit in audits)
