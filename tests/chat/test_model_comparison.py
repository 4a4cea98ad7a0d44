"""An inbox can send a share of its new conversations to a second reply route (an A/B test)."""

from __future__ import annotations

import pytest

from assistant.chat.models import Conversation
from assistant.db_async import db_async
from assistant.llm.config import build_llm_config
from assistant.usage.models import ModelCall
from tests import factories
from tests.chat.conftest import Widget

pytestmark = pytest.mark.django_db(transaction=True)


def test_without_its_own_setting_the_second_arm_is_the_reply_route() -> None:
    config = build_llm_config(dashscope_api_key="sk-test")
    assert config.routes["reply_b"] == config.routes["reply"]


def test_the_split_sends_the_configured_share_to_each_arm(db) -> None:
    everyone = factories.make_inbox(model_split_percent=100)
    nobody = factories.make_inbox(model_split_percent=0)
    arms = {factories.make_conversation(everyone, client_id=f"a{n}").model_route for n in range(5)}
    assert arms == {"reply_b"}
    assert factories.make_conversation(nobody).model_route == "reply"
    half = factories.make_inbox(model_split_percent=50)
    arms = [factories.make_conversation(half, client_id=f"h{n}").model_route for n in range(200)]
    assert 60 < arms.count("reply_b") < 140  # p < 1e-4 of a false failure for a fair coin


async def test_a_conversation_on_the_second_arm_is_answered_by_its_route(
    new_session, simulated_llm
) -> None:
    simulated_llm.configure(routes={"reply": ["openai"], "reply_b": ["offline"]})
    inbox = await db_async(factories.make_inbox)(model_split_percent=100)
    session = await new_session(inbox)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say("Hello!", client_id="1")
    await tab.receive_until("stream_end")
    await tab.close()
    conversation = await db_async(Conversation.objects.get)(contact=session.contact)
    call = await db_async(ModelCall.objects.get)(purpose="reply")
    assert (conversation.model_route, call.provider) == ("reply_b", "offline")
