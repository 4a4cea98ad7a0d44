"""What reaches an external model provider: pseudonyms, never the customer's personal data;
what the customer reads: the real values again. And every outbound call is in the audit log."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

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
    audits = await database_sync_to_async(
        lambda: list(OutboundCallAudit.objects.filter(purpose="reply"))
    )()
    assert audits and audits[0].provider == "openai"
    assert audits[0].redaction_counts.get("EMAIL") == 1
    assert SECRET_EMAIL not in json.dumps(audits[0].redacted_payload or "")


async def test_the_offline_responder_is_internal_and_needs_no_redaction(inbox, new_session) -> None:
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say(f"my email is {SECRET_EMAIL}", client_id="pii")
    await tab.receive_until("stream_end")
    await tab.close()
    audits = await database_sync_to_async(lambda: list(OutboundCallAudit.objects.all()))()
    assert all(audit.hosting == "internal" for audit in audits)
