"""What the output checks change is flagged: the model call records the action and the checks
that fired (never the words), and the desk shows the flag on the message for the agent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from assistant.db_async import db_async
from assistant.llm.simulator import Rule
from assistant.usage.models import ModelCall
from tests import factories
from tests.chat.conftest import Widget

pytestmark = pytest.mark.django_db(transaction=True)


async def _answer_with(simulated_llm: Any, inbox: Any, reply: str) -> Any:
    rule = Rule.from_dict({"pattern": "say it", "reply": reply})
    rules = simulated_llm.app.config.rules
    simulated_llm.app.config.rules = [rule, *rules]
    try:
        session = await db_async(factories.make_session)(inbox)
        tab = Widget()
        await tab.hello(session.token)
        await tab.say("please say it", client_id="1")
        end, _ = await tab.receive_until("stream_end")
        await tab.close()
    finally:
        simulated_llm.app.config.rules = rules
    return end["message"]


async def test_an_abusive_answer_is_replaced_and_flagged(inbox, simulated_llm) -> None:
    shown = await _answer_with(simulated_llm, inbox, "Shut up, you idiot.")

    assert "idiot" not in shown["text"]
    call = await db_async(ModelCall.objects.get)(purpose="reply")
    assert call.guardrail == "replace"
    assert call.guardrail_findings and all(f.startswith("abuse:") for f in call.guardrail_findings)
    assert not any("idiot" in f for f in call.guardrail_findings)


async def test_an_unsupported_refund_promise_is_flagged_and_shown_to_the_agent(
    inbox, simulated_llm, settings
) -> None:
    shown = await _answer_with(
        simulated_llm, inbox, "Good news: we will refund you 500 dollars today, guaranteed."
    )

    assert "500" not in shown["text"]
    call = await db_async(ModelCall.objects.get)(purpose="reply")
    assert call.guardrail == "handoff"
    assert any(f.startswith("commitment:") for f in call.guardrail_findings)

    def desk_page() -> str:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        admin = factories.make_agent("ada-flags", role="admin")
        client = Client()
        client.force_login(admin)
        return client.get(f"/desk/c/{call.conversation_id}/").content.decode()

    page = await db_async(desk_page)()
    assert 'data-testid="guardrail-flag"' in page and "commitment:" in page
