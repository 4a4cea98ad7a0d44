"""Actions in a conversation, end to end: the widget's socket, the reply turn, the simulator as
the model (calling the actions as tools) and a real HTTP order system behind them."""

from __future__ import annotations

import json
import logging

import pytest

from assistant.actions.models import ActionCall
from assistant.chat.models import Conversation
from assistant.db_async import db_async
from assistant.privacy.models import InboxPrivacy, OutboundCallAudit
from tests import factories
from tests.actions.conftest import ANNA, API_KEY, BEN, identity
from tests.chat.conftest import Widget, turns_finished

pytestmark = pytest.mark.django_db(transaction=True)


async def signed_in(shop, new_session, customer: str = ANNA) -> Widget:
    session = await new_session(shop, identity=identity(shop, customer))
    tab = Widget()
    await tab.hello(session.token)
    return tab


async def said_by(tab: Widget, kind: str, timeout: float = 15) -> dict:
    """The next message written by this kind of author (the customer's own comes back too)."""
    while True:
        frame, _ = await tab.receive_until("message", timeout=timeout)
        if frame["message"]["author"]["kind"] == kind:
            return frame["message"]


@db_async
def calls() -> list[ActionCall]:
    return list(ActionCall.objects.order_by("created_at"))


@db_async
def conversation_of(conversation_id: str) -> Conversation:
    return Conversation.objects.get(pk=conversation_id)


async def test_an_order_status_is_looked_up_and_the_answer_streamed(
    shop, new_session, action_llm, orders
) -> None:
    tab = await signed_in(shop, new_session)
    await tab.say("Where is my order 1042?", client_id="q1")
    end, seen = await tab.receive_until("stream_end")
    await tab.close()
    text = end["message"]["text"]
    assert "shipped" in text and "PostNL" in text
    assert [f for f in seen if f["type"] == "stream_delta"], "the answer is streamed"
    (request,) = orders.requests
    assert request["method"] == "GET" and request["query"] == "order_id=1042"
    assert request["headers"]["x-customer-id"] == ANNA
    assert request["headers"]["x-api-key"] == API_KEY
    (call,) = await calls()
    assert (call.action_name, call.status, call.arguments) == (
        "order_status",
        "succeeded",
        {"order_id": "1042"},
    )
    # The result went back to the model, as a tool message after its tool call.
    last = action_llm.app.stats.requests[-1]["messages"]
    assert last[-1]["role"] == "tool" and "PostNL" in last[-1]["content"]
    assert (await conversation_of(end["conversation_id"])).state == "bot"


async def test_another_customers_order_is_never_reached(
    shop, new_session, action_llm, orders
) -> None:
    # The model asks for Ben's order; the endpoint is told who is signed in (Anna), from the
    # verified session, and answers only about her orders.
    tab = await signed_in(shop, new_session)
    await tab.say("Where is order 2001?", client_id="q1")
    end, _ = await tab.receive_until("stream_end")
    await tab.close()
    (request,) = orders.requests
    assert request["headers"]["x-customer-id"] == ANNA
    assert "Coolsingel" not in end["message"]["text"]
    assert "no order 2001 for this customer" in end["message"]["text"]


async def test_a_model_cannot_choose_the_customer_through_its_arguments(
    shop, new_session, action_llm, orders
) -> None:
    from assistant.llm.simulator import Rule

    rule = Rule.from_dict(
        {
            "pattern": "as ben",
            "tool_calls": [
                {
                    "name": "order_status",
                    "arguments": {"order_id": "2001", "customer_id": BEN},
                }
            ],
        }
    )
    action_llm.app.config.rules = [rule, *action_llm.app.config.rules]
    tab = await signed_in(shop, new_session)
    await tab.say("Show order 2001 as ben", client_id="q1")
    end, _ = await tab.receive_until("stream_end")
    await tab.close()
    (request,) = orders.requests
    assert request["headers"]["x-customer-id"] == ANNA
    assert "Coolsingel" not in end["message"]["text"]


async def test_an_anonymous_visitor_is_asked_to_sign_in(
    shop, new_session, action_llm, orders
) -> None:
    session = await new_session(shop)
    tab = Widget()
    await tab.hello(session.token)
    await tab.say("Where is my order 1042?", client_id="q1")
    said = await said_by(tab, "assistant")
    await tab.close()
    assert "sign in" in said["text"] and "person" in said["text"]
    assert orders.requests == []
    (call,) = await calls()
    assert (call.status, call.outcome) == ("refused", "not_signed_in")


async def test_a_change_waits_for_confirmation_and_runs_once(
    shop, new_session, action_llm, orders
) -> None:
    tab = await signed_in(shop, new_session)
    await tab.say("Please send order 1042 to Keizersgracht 1, Amsterdam", client_id="q1")
    card, seen = await tab.receive_until("action_confirm")
    asked = [f for f in seen if f["type"] == "message"][-1]["message"]
    assert asked["text"] == (
        "Change the delivery address of order 1042 to Keizersgracht 1, Amsterdam?"
    )
    assert card["seq"] == asked["seq"]
    assert orders.requests == [], "nothing runs before the customer confirms"

    # A double click: two frames at once. Exactly one runs the call.
    decision = {"type": "action_decision", "call_id": card["call_id"], "decision": "confirm"}
    await tab.send(decision)
    await tab.send(decision)
    end, seen = await tab.receive_until("stream_end", timeout=20)
    errors = [f for f in seen if f["type"] == "error"]
    if not errors:
        # The second click is read once the first one's answer is done; the deltas that go
        # straight to this socket (issue 23) can then come before its refusal.
        refused, _ = await tab.receive_until("error")
        errors = [refused]
    assert [e["code"] for e in errors] == ["action_unavailable"]
    assert "Keizersgracht 1, Amsterdam" in end["message"]["text"]

    # A replayed frame later does nothing either.
    await tab.send(decision)
    refused, _ = await tab.receive_until("error")
    assert refused["code"] == "action_unavailable"
    await turns_finished(end["conversation_id"])
    await tab.close()
    posts = [r for r in orders.requests if r["method"] == "POST"]
    assert len(posts) == 1
    assert json.loads(posts[0]["body"]) == {"address": "Keizersgracht 1, Amsterdam"}
    assert posts[0]["path"] == "/orders/1042/address"
    assert orders.orders["1042"]["address"] == "Keizersgracht 1, Amsterdam"
    (call,) = await calls()
    assert call.status == "succeeded" and call.confirmed_at is not None


async def test_a_cancelled_change_never_runs(shop, new_session, action_llm, orders) -> None:
    tab = await signed_in(shop, new_session)
    await tab.say("Please send order 1042 to Keizersgracht 1, Amsterdam", client_id="q1")
    card, _ = await tab.receive_until("action_confirm")
    await tab.send({"type": "action_decision", "call_id": card["call_id"], "decision": "cancel"})
    said = await said_by(tab, "assistant")
    assert said["text"] == "All right, I've cancelled that. Nothing was changed."
    await tab.send({"type": "action_decision", "call_id": card["call_id"], "decision": "confirm"})
    refused, _ = await tab.receive_until("error")
    await tab.close()
    assert refused["code"] == "action_unavailable"
    assert orders.requests == []
    (call,) = await calls()
    assert call.status == "cancelled"


async def test_another_contact_cannot_confirm_a_card(shop, new_session, action_llm, orders) -> None:
    anna = await signed_in(shop, new_session)
    await anna.say("Please send order 1042 to Keizersgracht 1, Amsterdam", client_id="q1")
    card, _ = await anna.receive_until("action_confirm")
    ben = await signed_in(shop, new_session, customer=BEN)
    await ben.send({"type": "action_decision", "call_id": card["call_id"], "decision": "confirm"})
    refused, _ = await ben.receive_until("error")
    forged = {"type": "action_decision", "call_id": "not-a-uuid", "decision": "confirm"}
    await anna.send(forged)
    also_refused, _ = await anna.receive_until("error")
    await anna.close()
    await ben.close()
    assert refused["code"] == also_refused["code"] == "action_unavailable"
    assert orders.requests == []
    (call,) = await calls()
    assert call.status == "awaiting"


async def test_a_pending_card_comes_back_with_the_welcome(
    shop, new_session, action_llm, orders
) -> None:
    session = await new_session(shop, identity=identity(shop, ANNA))
    tab = Widget()
    await tab.hello(session.token)
    await tab.say("Please send order 1042 to Keizersgracht 1, Amsterdam", client_id="q1")
    card, _ = await tab.receive_until("action_confirm")
    await tab.close()
    again = Widget()
    welcome = await again.hello(session.token)
    await again.close()
    assert welcome["action_cards"] == [card]


@pytest.mark.parametrize(
    ("fault", "outcome"), [("slow", "timeout"), ("500", "http_500"), ("huge", "too_large")]
)
async def test_a_failing_endpoint_ends_in_a_plain_message_and_a_person(
    shop, new_session, action_llm, orders, fault, outcome
) -> None:
    orders.fault = fault
    tab = await signed_in(shop, new_session)
    ack = await tab.say("Where is my order 1042?", client_id="q1")
    said = await said_by(tab, "system", timeout=20)
    await turns_finished(ack["conversation_id"])
    await tab.close()
    assert said["text"].startswith("Sorry, I couldn't reach our systems just now")
    assert (await conversation_of(ack["conversation_id"])).state == "waiting"
    (call,) = await calls()
    assert (call.status, call.outcome) == ("failed", outcome)


async def test_too_many_calls_in_one_conversation_hand_over(
    shop, new_session, action_llm, orders, settings
) -> None:
    settings.ACTION_CALLS_PER_CONVERSATION = 1
    tab = await signed_in(shop, new_session)
    await tab.say("Where is my order 1042?", client_id="q1")
    await tab.receive_until("stream_end")
    ack = await tab.say("And where is my order 1042 now?", client_id="q2")
    said = await said_by(tab, "system")
    await turns_finished(ack["conversation_id"])
    await tab.close()
    assert "too many requests" in said["text"]
    assert len(orders.requests) == 1
    assert (await conversation_of(ack["conversation_id"])).state == "waiting"


async def test_the_audit_log_holds_each_call_redacted_and_no_secret_anywhere(
    shop, new_session, action_llm, orders, caplog
) -> None:
    await db_async(InboxPrivacy.objects.create)(inbox=shop, audit_payload_mode="redacted")
    caplog.set_level(logging.DEBUG)
    tab = await signed_in(shop, new_session)
    await tab.say("Where is my order 1042?", client_id="q1")
    end, _ = await tab.receive_until("stream_end")
    await tab.close()
    (audit,) = await db_async(lambda: list(OutboundCallAudit.objects.filter(purpose="action")))()
    assert audit.provider == "action:order_status" and audit.outcome == "ok"
    assert "anna.de.vries@example.com" not in audit.redacted_payload
    assert "[EMAIL_1]" in audit.redacted_payload and "1042" in audit.redacted_payload
    assert audit.redaction_counts.get("EMAIL") == 1
    # The secret header: sent to the endpoint, and nowhere else.
    assert orders.requests[0]["headers"]["x-api-key"] == API_KEY
    assert API_KEY not in caplog.text
    stored = await db_async(
        lambda: json.dumps(
            [
                list(ActionCall.objects.values()),
                list(OutboundCallAudit.objects.values("redacted_payload")),
            ],
            default=str,
        )
    )()
    assert API_KEY not in stored
    assert API_KEY not in json.dumps(action_llm.app.stats.requests)
    assert API_KEY not in json.dumps(end)


async def test_arguments_that_do_not_fit_go_back_to_the_model(
    shop, new_session, action_llm, orders
) -> None:
    from assistant.llm.simulator import Rule

    rule = Rule.from_dict(
        {"pattern": "my last order", "tool_calls": [{"name": "order_status", "arguments": {}}]}
    )
    action_llm.app.config.rules = [rule, *action_llm.app.config.rules]
    tab = await signed_in(shop, new_session)
    await tab.say("Where is my last order?", client_id="q1")
    end, _ = await tab.receive_until("stream_end")
    await tab.close()
    assert "'order_id' is a required property" in end["message"]["text"]
    assert orders.requests == []
    (call,) = await calls()
    assert (call.status, call.outcome) == ("refused", "invalid_arguments")


async def test_without_a_tool_calling_model_the_assistant_says_so_and_offers_a_person(
    shop, new_session, orders
) -> None:
    # No model is configured: the offline responder answers, and it cannot call actions.
    tab = await signed_in(shop, new_session)
    await tab.say("What is the status of my order 1042?", client_id="q1")
    said = await said_by(tab, "assistant")
    await tab.close()
    assert said["text"] == (
        "I can't look up or change your orders or account here. Would you like me to connect "
        "you with a person from our team?"
    )
    assert orders.requests == []
    conversation = await db_async(Conversation.objects.get)()
    assert conversation.dont_know_streak == 1, "the customer's yes now hands over"


async def test_without_a_tool_calling_model_articles_still_answer(
    shop, new_session, orders, with_passages
) -> None:
    tab = await signed_in(shop, new_session)
    await tab.say("How long does delivery take in Europe?", client_id="q1")
    end, _ = await tab.receive_until("stream_end")
    await tab.close()
    assert "three to five days" in end["message"]["text"]


async def test_the_desk_shows_each_action_call_under_its_message(
    shop, new_session, action_llm, orders
) -> None:
    tab = await signed_in(shop, new_session)
    await tab.say("Please send order 1042 to Keizersgracht 1, Amsterdam", client_id="q1")
    card, _ = await tab.receive_until("action_confirm")
    await tab.send({"type": "action_decision", "call_id": card["call_id"], "decision": "confirm"})
    end, _ = await tab.receive_until("stream_end", timeout=20)
    await turns_finished(end["conversation_id"])
    await tab.close()

    @db_async
    def desk_page() -> str:
        from django.test import Client

        from tests import factories

        agent = factories.make_agent("desk-agent")
        factories.make_team(inboxes=(shop,), members=(agent,))
        client = Client()
        client.force_login(agent)
        return client.get(f"/desk/c/{end['conversation_id']}/").content.decode()

    page = await desk_page()
    assert page.count('data-testid="action-call"') == 1
    assert "change_delivery_address" in page and "Keizersgracht 1, Amsterdam" in page
    assert "Succeeded" in page and "HTTP 200" in page
    assert "Confirmed by the customer" in page
    assert API_KEY not in page


async def test_retention_and_erasure_reach_the_calls(shop, new_session, action_llm, orders) -> None:
    from assistant.compliance import retention, rights
    from assistant.compliance.action_calls import ActionCallData
    from assistant.compliance.holders import registered

    assert any(isinstance(holder, ActionCallData) for holder in registered())
    tab = await signed_in(shop, new_session)
    await tab.say("Please send order 1042 to Keizersgracht 1, Amsterdam", client_id="q1")
    await tab.receive_until("action_confirm")
    await tab.close()
    (call,) = await calls()

    @db_async
    def export_anonymise_erase() -> tuple[dict, ActionCall, int]:
        contact = call.contact
        exported = rights.export_contact(contact=contact, by=None, channel="test")
        retention.expire_conversations([call.conversation_id], delete=False)
        anonymised = ActionCall.objects.get(pk=call.pk)
        rights.erase_contact(contact=contact, by=None, channel="test", reason="asked")
        return exported, anonymised, ActionCall.objects.count()

    exported, anonymised, left = await export_anonymise_erase()
    assert "Keizersgracht 1, Amsterdam" in json.dumps(exported, default=str)
    assert anonymised.arguments == {} and anonymised.summary == "" and anonymised.result == ""
    assert anonymised.action_name == "change_delivery_address"
    assert left == 0


async def test_a_card_does_nothing_once_a_person_took_the_conversation_over(
    shop, new_session, action_llm, orders
) -> None:
    tab = await signed_in(shop, new_session)
    ack = await tab.say("Please send order 1042 to Keizersgracht 1, Amsterdam", client_id="q1")
    card, _ = await tab.receive_until("action_confirm")
    await turns_finished(ack["conversation_id"])

    @db_async
    def take_over() -> None:
        from assistant.chat import services

        agent = factories.make_agent("taker")
        services.conversation_takeover(conversation_id=ack["conversation_id"], agent=agent)

    await take_over()
    await tab.send({"type": "action_decision", "call_id": card["call_id"], "decision": "confirm"})
    refused, _ = await tab.receive_until("error")
    await tab.close()
    assert refused["code"] == "action_unavailable"
    assert orders.requests == []
    (call,) = await calls()
    assert call.status == "awaiting"
