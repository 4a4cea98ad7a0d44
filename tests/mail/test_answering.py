"""The assistant on e-mail: one whole answer per customer mail, through the chat turn's parts
(retrieval, privacy, guardrails, handoff rules, the audited call), offline or with a model;
"draft" mode sends nothing until an agent approves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from assistant.chat import channel_intake
from assistant.chat.models import Conversation, Inbox, Message
from assistant.knowledge.demo import load_demo_articles
from assistant.llm.simulator import Rule
from assistant.mail import drafts
from assistant.mail.answer_tasks import answer_customer_mail
from assistant.mail.answering import answer_mail
from assistant.mail.models import MailAccount, MailAnswer, OutboundMail
from assistant.privacy.models import OutboundCallAudit
from assistant.usage.models import ModelCall
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

BATTERY_TABLE = "| Battery | Price |\n|---|---|\n| Bosch PowerTube 500 Wh | €649 |"


def mail_inbox(mode: str = MailAccount.AssistantMode.ANSWER, **fields: Any) -> Inbox:
    inbox = factories.make_inbox(**fields)
    MailAccount.objects.create(
        inbox=inbox, address=f"support-{inbox.pk}@shop.example", assistant_mode=mode
    )
    return inbox


def mail_question(inbox: Inbox, text: str, *, language: str = "en") -> Message:
    """A customer's e-mail, stored as mail intake stores it: the first message of a new e-mail
    conversation of a contact with that address."""
    contact = factories.make_session(inbox, language=language).contact
    contact.email = "customer@example.org"
    contact.save(update_fields=["email"])
    stored = channel_intake.conversation_start_from_channel(
        contact_id=contact.pk,
        channel=Conversation.Channel.EMAIL,
        subject="A question",
        text=text,
        client_id=f"mail-{contact.pk}",
        with_assistant=True,
    )
    Conversation.objects.filter(pk=stored.conversation.pk).update(language=language)
    return stored.message


def assistant_answers(question: Message) -> list[Message]:
    return list(
        Message.objects.filter(
            conversation_id=question.conversation_id, author_kind=Message.Author.ASSISTANT
        )
    )


@contextmanager
def simulator_says(simulated_llm: Any, pattern: str, reply: str) -> Iterator[None]:
    rules = simulated_llm.app.config.rules
    simulated_llm.app.config.rules = [Rule.from_dict({"pattern": pattern, "reply": reply}), *rules]
    try:
        yield
    finally:
        simulated_llm.app.config.rules = rules


def test_offline_the_answer_is_the_whole_passage_stored_with_its_source_and_mailed() -> None:
    load_demo_articles()
    question = mail_question(mail_inbox(), "How much does a new e-bike battery cost?")

    assert answer_mail(question.pk) == MailAnswer.State.ANSWERED

    [answer] = assistant_answers(question)
    assert BATTERY_TABLE in answer.text
    assert answer.citations and all(c["url"] for c in answer.citations)
    assert not answer.unanswered
    mail = OutboundMail.objects.get(chat_message=answer)
    assert mail.to_address == "customer@example.org"
    record = MailAnswer.objects.get(question=question)
    assert record.answer_id == answer.pk and record.mode == MailAnswer.Mode.ANSWER


def test_the_task_run_twice_answers_once() -> None:
    load_demo_articles()
    question = mail_question(mail_inbox(), "How much does a new e-bike battery cost?")

    first = answer_customer_mail.run(question.pk)
    second = answer_customer_mail.run(question.pk)

    assert (first, second) == (MailAnswer.State.ANSWERED, "")
    assert len(assistant_answers(question)) == 1
    assert OutboundMail.objects.filter(conversation_id=question.conversation_id).count() == 1


def test_a_claim_left_by_a_dead_worker_is_taken_over_later_not_at_once() -> None:
    load_demo_articles()
    question = mail_question(mail_inbox(), "How much does a new e-bike battery cost?")
    MailAnswer.objects.create(
        conversation_id=question.conversation_id, question=question, mode="answer"
    )

    assert answer_mail(question.pk) == ""
    assert assistant_answers(question) == []

    from datetime import timedelta

    from django.utils import timezone

    MailAnswer.objects.filter(question=question).update(
        updated_at=timezone.now() - timedelta(minutes=10)
    )
    assert answer_mail(question.pk) == MailAnswer.State.ANSWERED
    assert len(assistant_answers(question)) == 1
    assert MailAnswer.objects.get(question=question).attempts == 2


def test_a_handoff_keyword_in_a_mail_hands_the_conversation_to_a_person() -> None:
    load_demo_articles()
    inbox = mail_inbox(handoff_keywords=["chargeback"])
    question = mail_question(inbox, "I will file a chargeback for my battery order.")

    assert answer_mail(question.pk) == MailAnswer.State.HANDED_OFF

    conversation = Conversation.objects.get(pk=question.conversation_id)
    assert conversation.state == Conversation.State.WAITING
    assert conversation.handoff_reason == "keyword"
    assert assistant_answers(question) == []
    assert MailAnswer.objects.get(question=question).reason == "keyword"


def test_a_mail_asking_for_a_person_is_handed_over_without_a_model_call(simulated_llm) -> None:
    question = mail_question(mail_inbox(), "I want to talk to a human please.")

    assert answer_mail(question.pk) == MailAnswer.State.HANDED_OFF

    assert Conversation.objects.get(pk=question.conversation_id).handoff_reason == (
        "customer_request"
    )
    assert simulated_llm.app.stats.requests == []


def test_the_inboxes_mail_assistant_off_or_a_person_in_charge_means_no_answer() -> None:
    load_demo_articles()
    off = mail_question(
        mail_inbox(MailAccount.AssistantMode.OFF), "How much does a new e-bike battery cost?"
    )
    taken = mail_question(mail_inbox(), "How much does a new e-bike battery cost?")
    Conversation.objects.filter(pk=taken.conversation_id).update(state=Conversation.State.AGENT)
    chat = factories.make_conversation(mail_inbox(), text="How much does a new battery cost?")

    assert answer_mail(off.pk) == ""
    assert answer_mail(taken.pk) == MailAnswer.State.SKIPPED
    assert answer_mail(chat.messages.get(author_kind="customer").pk) == ""
    assert assistant_answers(off) == assistant_answers(taken) == []


def test_draft_mode_stores_a_draft_and_sends_nothing_until_an_agent_approves() -> None:
    load_demo_articles()
    question = mail_question(
        mail_inbox(MailAccount.AssistantMode.DRAFT), "How much does a new e-bike battery cost?"
    )

    assert answer_mail(question.pk) == MailAnswer.State.DRAFTED

    [draft] = drafts.open_drafts(question.conversation_id)
    assert BATTERY_TABLE in draft.text and draft.citations
    assert assistant_answers(question) == []
    assert not OutboundMail.objects.exists()

    agent = factories.make_agent("drafty")
    message = drafts.draft_send(
        draft_id=draft.pk,
        conversation_id=question.conversation_id,
        text=draft.text + "\n\nKind regards",
        by=agent,
    )

    assert message.author_kind == Message.Author.ASSISTANT
    assert message.text.endswith("Kind regards") and message.citations == draft.citations
    draft.refresh_from_db()
    assert (draft.state, draft.decided_by, draft.edited) == ("sent", agent, True)
    assert OutboundMail.objects.get(chat_message=message).to_address == "customer@example.org"
    with pytest.raises(drafts.DraftRefused):
        drafts.draft_send(
            draft_id=draft.pk, conversation_id=question.conversation_id, text=None, by=agent
        )
    assert len(assistant_answers(question)) == 1


def test_a_discarded_draft_sends_nothing_and_records_who_discarded_it() -> None:
    load_demo_articles()
    question = mail_question(
        mail_inbox(MailAccount.AssistantMode.DRAFT), "How much does a new e-bike battery cost?"
    )
    answer_mail(question.pk)
    draft = MailAnswer.objects.get(question=question)
    agent = factories.make_agent("discarder")

    drafts.draft_discard(draft_id=draft.pk, conversation_id=question.conversation_id, by=agent)

    draft.refresh_from_db()
    assert (draft.state, draft.decided_by) == ("discarded", agent)
    assert assistant_answers(question) == [] and not OutboundMail.objects.exists()
    other = factories.make_conversation(factories.make_inbox())
    with pytest.raises(drafts.DraftRefused):
        # Another conversation's id does not reach this draft.
        drafts.draft_send(draft_id=draft.pk, conversation_id=other.pk, text=None, by=agent)


def test_with_a_model_the_mail_is_answered_in_the_customers_language_and_recorded(
    simulated_llm,
) -> None:
    load_demo_articles()
    question = mail_question(mail_inbox(), "Wie viel kostet ein neuer E-Bike-Akku?", language="de")

    assert answer_mail(question.pk) == MailAnswer.State.ANSWERED

    # The answer's request (the classifier's follows it, when one is configured).
    [request] = [
        r
        for r in simulated_llm.app.stats.requests
        if "customer-service assistant" in r["messages"][0]["content"]
    ]
    system = request["messages"][0]["content"]
    assert "Reply in the customer's language (de)" in system
    assert "The customer wrote by e-mail." in system
    assert any(t["function"]["name"] == "handoff" for t in request.get("tools", []))
    [answer] = assistant_answers(question)
    call = ModelCall.objects.get(purpose="reply")
    assert call.message_id == answer.pk and call.conversation_id == question.conversation_id


def test_with_a_model_the_answer_comes_from_the_passages_and_cites_them(simulated_llm) -> None:
    load_demo_articles()
    question = mail_question(mail_inbox(), "How much does a new e-bike battery cost?")

    assert answer_mail(question.pk) == MailAnswer.State.ANSWERED

    [answer] = assistant_answers(question)
    assert "€649" in answer.text
    assert answer.citations and "battery" in answer.citations[0]["url"].lower()


def test_the_customers_address_and_phone_in_a_mail_never_reach_the_provider(
    simulated_llm,
) -> None:
    simulated_llm.configure(openai_hosting="external", openai_jurisdiction="US")
    secret_mail, secret_phone = "grace.hopper@example.com", "+44 20 7946 0958"
    reply = "Thanks, we will write to [EMAIL_1] and call [PHONE_1]."
    with simulator_says(simulated_llm, "reach me", reply):
        question = mail_question(
            mail_inbox(), f"Please reach me at {secret_mail} or {secret_phone}, thanks."
        )
        assert answer_mail(question.pk) == MailAnswer.State.ANSWERED
        sent = json.dumps(simulated_llm.app.stats.requests)

    assert secret_mail not in sent and "7946" not in sent
    assert "[EMAIL_1]" in sent
    [answer] = assistant_answers(question)
    assert secret_mail in answer.text and secret_phone in answer.text
    audit = OutboundCallAudit.objects.get(purpose="reply")
    assert secret_mail not in json.dumps(audit.redacted_payload or "")


def test_an_unsupported_promise_is_replaced_mailed_as_such_and_handed_to_a_person(
    simulated_llm,
) -> None:
    promise = "Good news: we will refund you 500 dollars today, guaranteed."
    with simulator_says(simulated_llm, "say it", promise):
        question = mail_question(mail_inbox(), "please say it")
        assert answer_mail(question.pk) == MailAnswer.State.ANSWERED

    [answer] = assistant_answers(question)
    assert "500" not in answer.text
    assert OutboundMail.objects.filter(chat_message=answer).exists()
    conversation = Conversation.objects.get(pk=question.conversation_id)
    assert (conversation.state, conversation.handoff_reason) == ("waiting", "commitment")
    assert ModelCall.objects.get(purpose="reply").guardrail == "handoff"


def test_a_draft_is_checked_too_and_its_promise_never_reaches_the_agent_unflagged(
    simulated_llm,
) -> None:
    promise = "Good news: we will refund you 500 dollars today, guaranteed."
    with simulator_says(simulated_llm, "say it", promise):
        question = mail_question(mail_inbox(MailAccount.AssistantMode.DRAFT), "please say it")
        assert answer_mail(question.pk) == MailAnswer.State.DRAFTED

    draft = MailAnswer.objects.get(question=question)
    assert "500" not in draft.text
    assert ModelCall.objects.get(purpose="reply").guardrail == "handoff"
    assert not OutboundMail.objects.exists()


def test_the_model_asking_for_a_person_hands_the_mail_over(simulated_llm) -> None:
    rules = simulated_llm.app.config.rules
    handoff = {"name": "handoff", "arguments": {"reason": "upset customer"}}
    simulated_llm.app.config.rules = [
        Rule.from_dict({"pattern": "frame number", "tool_call": handoff}),
        *rules,
    ]
    try:
        question = mail_question(mail_inbox(), "Could you check the frame number of my bike?")
        state = answer_mail(question.pk)
    finally:
        simulated_llm.app.config.rules = rules

    assert state == MailAnswer.State.HANDED_OFF
    assert Conversation.objects.get(pk=question.conversation_id).handoff_reason == "model_tool"
    assert assistant_answers(question) == []


def test_chats_recovery_of_unanswered_conversations_leaves_a_waiting_draft_alone() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from assistant.chat.tasks import stalled_conversations

    load_demo_articles()
    question = mail_question(
        mail_inbox(MailAccount.AssistantMode.DRAFT), "How much does a new e-bike battery cost?"
    )
    answer_mail(question.pk)
    chat = factories.make_conversation(factories.make_inbox(), text="Hello?")
    long_ago = timezone.now() - timedelta(minutes=10)
    Conversation.objects.update(updated_at=long_ago)

    # The chat's unanswered message is recovered; the mail waits for its agent.
    assert stalled_conversations() == [str(chat.pk)]


def test_a_draft_is_in_the_customers_export_anonymised_by_retention_and_erased_with_them() -> None:
    from assistant.compliance import rights
    from assistant.compliance.retention import expire_conversations

    load_demo_articles()
    question = mail_question(
        mail_inbox(MailAccount.AssistantMode.DRAFT), "How much does a new e-bike battery cost?"
    )
    answer_mail(question.pk)
    contact = question.conversation.contact

    exported = rights.export_contact(contact=contact, by=None, channel="test")
    [draft] = exported["email_answer_drafts"]
    assert BATTERY_TABLE in draft["text"] and draft["state"] == "drafted"

    counts = expire_conversations([question.conversation_id], delete=False)
    assert counts["mail_answers_anonymised"] == 1
    kept = MailAnswer.objects.get(question=question)
    assert (kept.text, kept.citations, kept.state) == ("", [], "discarded")
    assert not drafts.open_drafts(question.conversation_id).exists()

    rights.erase_contact(contact=contact, by=None, channel="test", reason="asked")
    assert not MailAnswer.objects.exists()


async def test_desks_watching_the_conversation_see_the_answer_arrive() -> None:
    import asyncio

    from channels.layers import get_channel_layer

    from assistant.chat import events
    from assistant.db_async import db_async

    await db_async(load_demo_articles)()
    inbox = await db_async(mail_inbox)()
    question = await db_async(mail_question)(inbox, "How much does a new e-bike battery cost?")
    layer = get_channel_layer()
    desk = await layer.new_channel()
    await layer.group_add(events.conversation_group(question.conversation_id), desk)

    def task() -> str:
        from django.db import connections

        try:
            return answer_mail(question.pk)
        finally:
            connections.close_all()  # this thread's connection would outlive the test database

    # The task runs in a thread with an event loop of its own, as in a Celery worker.
    state = await asyncio.to_thread(task)

    assert state == MailAnswer.State.ANSWERED
    envelope = await asyncio.wait_for(layer.receive(desk), 10)
    event = json.loads(envelope["text"])
    assert event["type"] == "message" and event["message"]["author"]["kind"] == "assistant"
    assert BATTERY_TABLE in event["message"]["text"]
