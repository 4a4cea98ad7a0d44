"""The offline responder chooses its passage by the question as the knowledge search read it
(ChatOptions.question, typos corrected there), and says "don't know" without offering a person
to a customer who already waits for one."""

from assistant.llm.offline import OfflineResponder
from assistant.llm.types import ChatOptions, Message, Passage, TextDelta

PASSAGES = [
    Passage("1", "Warranty", "Steel frames have a warranty of 10 years."),
    Passage("2", "Making a claim", "The frame number is engraved under the bottom bracket."),
]


async def say(question: str, options: ChatOptions) -> str:
    responder = OfflineResponder(chunk_delay=0)
    stream = responder.stream([Message.user(question)], passages=PASSAGES, options=options)
    return "".join([event.text async for event in stream if isinstance(event, TextDelta)])


async def test_it_quotes_the_passage_the_corrected_question_asks_about() -> None:
    options = ChatOptions(question="How long is the warranty on the frame?")
    text = await say("How long is the warrenty on the frame?", options)
    assert "warranty of 10 years" in text and "Source: Warranty" in text


async def test_without_the_searchs_reading_the_customers_words_are_matched_as_written() -> None:
    text = await say("How long is the warranty on the frame?", ChatOptions())
    assert "warranty of 10 years" in text


async def test_a_waiting_customer_is_not_offered_a_person_again() -> None:
    offered = await say("Do you sell skateboards?", ChatOptions())
    waiting = await say("Do you sell skateboards?", ChatOptions(offer_person=False))
    assert "connect you" in offered
    assert waiting == "I'm sorry, I don't know the answer to that from our help articles."
