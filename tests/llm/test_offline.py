"""The offline responder answers from the passages it is given, and only from them."""

from __future__ import annotations

from assistant.llm.offline import DEFAULT_TEXTS, NO_ANSWER, OfflineResponder
from assistant.llm.types import ChatOptions, Finished, Message, Passage, StreamEvent, TextDelta

PASSAGES = [
    Passage(
        "kb-1",
        "Resetting your password",
        "Open Settings and choose Security. Click 'Reset password' and follow the email we send "
        "you. The link in the email expires after one hour.",
        "https://help.example.com/password",
    ),
    Passage(
        "kb-2",
        "Refund policy",
        "We refund unused items within 30 days of delivery. Refunds reach your card within "
        "5 working days. Shipping costs are not refunded.",
        "https://help.example.com/refunds",
    ),
    Passage(
        "kb-3",
        "退款政策",
        "您可以在收货后30天内申请退款。退款将在5个工作日内退回您的银行卡。运费不予退还。",
        "https://help.example.com/zh/refunds",
    ),
]


async def ask(question: str, passages=PASSAGES, **kwargs) -> tuple[str, list[StreamEvent]]:
    responder = OfflineResponder(chunk_delay=0, **kwargs)
    events = [e async for e in responder.stream([Message.user(question)], passages=passages)]
    return "".join(e.text for e in events if isinstance(e, TextDelta)), events


async def test_it_answers_from_the_best_passage_and_cites_it():
    text, events = await ask("How long until my refund reaches my card?")

    assert "Refunds reach your card within 5 working days." in text
    assert "password" not in text.lower()
    assert text.endswith("Source: Refund policy (https://help.example.com/refunds)")
    finished = events[-1]
    assert isinstance(finished, Finished)
    assert (finished.provider, finished.model, finished.finish_reason) == (
        "offline",
        "offline-extractive",
        "stop",
    )


async def test_it_streams_in_small_chunks_like_a_model():
    text, events = await ask("How do I reset my password?")

    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 5
    assert all(len(d.text) < 40 for d in deltas)
    assert "Reset password" in text


async def test_it_says_it_does_not_know_and_offers_a_human_when_nothing_fits():
    text, events = await ask("Do you sell gift cards for the cinema?")

    assert "don't know" in text
    assert "member of our team" in text
    assert "Source" not in text
    assert isinstance(events[-1], Finished) and events[-1].finish_reason == NO_ANSWER


async def test_it_does_not_know_without_passages():
    text, events = await ask("How do I reset my password?", passages=[])

    assert "don't know" in text
    assert events[-1].finish_reason == NO_ANSWER  # type: ignore[union-attr]


async def test_it_answers_chinese_questions_from_chinese_passages():
    text, _ = await ask("退款多久能到账？")  # noqa: RUF001

    assert "退款将在5个工作日内退回您的银行卡。" in text
    assert "来源：退款政策" in text  # noqa: RUF001


async def test_it_says_it_does_not_know_in_chinese():
    text, events = await ask("你们周末营业吗？")  # noqa: RUF001

    assert "人工客服" in text
    assert events[-1].finish_reason == NO_ANSWER  # type: ignore[union-attr]


async def test_usage_is_reported_and_output_can_be_capped():
    responder = OfflineResponder(chunk_delay=0)
    events = [
        e
        async for e in responder.stream(
            [Message.system("Be brief."), Message.user("How do I reset my password?")],
            passages=PASSAGES,
            options=ChatOptions(max_output_tokens=3),
        )
    ]

    finished = events[-1]
    assert isinstance(finished, Finished)
    assert finished.finish_reason == "length"
    assert finished.usage.input_tokens > 0 and finished.usage.output_tokens > 0


async def test_for_summaries_it_lists_what_the_customer_wrote():
    responder = OfflineResponder(purpose="summary", chunk_delay=0)
    conversation = [
        Message.system("Summarise."),
        Message.user("My parcel never arrived."),
        Message.assistant("Sorry to hear that."),
        Message.user("Order A-1001, please refund it."),
    ]

    text = "".join(
        [e.text async for e in responder.stream(conversation) if isinstance(e, TextDelta)]
    )

    assert "- My parcel never arrived." in text
    assert "- Order A-1001, please refund it." in text
    assert "Sorry to hear that" not in text


async def test_for_classification_it_declines():
    responder = OfflineResponder(purpose="classification", chunk_delay=0)

    events = [e async for e in responder.stream([Message.user("I am furious!")])]

    assert events == [events[-1]]
    assert events[-1].finish_reason == NO_ANSWER  # type: ignore[union-attr]


GERMAN = {
    "de": {
        "dont_know": "Das weiß ich leider nicht.",
        "source": "Quelle",
        "other_language": "Nur in einer anderen Sprache gefunden:",
        "summary_intro": "Zusammenfassung:",
    }
}


async def ask_in(language: str, question: str, passages=PASSAGES) -> str:
    responder = OfflineResponder(chunk_delay=0, texts=GERMAN)
    events = [
        e
        async for e in responder.stream(
            [Message.user(question)], passages=passages, options=ChatOptions(language=language)
        )
    ]
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_it_declines_in_the_customers_language_not_the_questions_script():
    assert await ask_in("de", "Wie repariere ich meinen Vergaser?") == "Das weiß ich leider nicht."


async def test_a_passage_in_another_language_is_quoted_after_a_note_in_the_customers():
    english = [Passage(p.id, p.title, p.text, p.url, language="en") for p in PASSAGES[:2]]
    text = await ask_in("de", "refund card days", passages=english)
    assert text.startswith("Nur in einer anderen Sprache gefunden:\n\n")
    assert "Refunds reach your card within 5 working days." in text
    assert "Nur in einer" not in await ask_in("en", "refund card days", passages=english)


async def test_a_language_without_texts_falls_back_to_the_packages_own_words():
    assert (
        await ask_in("fr", "Comment réparer mon carburateur ?") == DEFAULT_TEXTS["en"]["dont_know"]
    )
