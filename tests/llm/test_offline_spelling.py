"""The offline responder picks its passage on the question as the articles spell it."""

from assistant.llm.offline import answer, spelled_like
from assistant.llm.types import Passage

PASSAGES = [
    Passage("1", "Warranty", "Steel frames have a warranty of 10 years."),
    Passage("2", "Making a claim", "The frame number is engraved under the bottom bracket."),
]


def test_a_word_one_edit_from_an_article_word_is_read_as_that_word() -> None:
    assert spelled_like("How long is the warrenty on the frame?", PASSAGES) == (
        "How long is the warranty on the frame?"
    )


def test_words_the_articles_use_and_words_with_no_close_match_are_kept() -> None:
    assert spelled_like("Do you sell skateboards with a frame?", PASSAGES) == (
        "Do you sell skateboards with a frame?"
    )


def test_a_typo_does_not_make_the_responder_quote_another_article() -> None:
    chosen = answer("How long is the warrenty on the frame?", PASSAGES)
    assert chosen.passage is not None and chosen.passage.title == "Warranty"
