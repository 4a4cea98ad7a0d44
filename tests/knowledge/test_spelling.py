"""Typo tolerance: a misspelled word is read as the articles' word, real words are left alone."""

import pytest

from assistant.knowledge.retrieval import retrieve
from assistant.knowledge.search import search_chunks
from assistant.knowledge.spelling import corrected
from tests.knowledge.conftest import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(make_article: ArticleFactory) -> None:
    make_article(
        "Warranty",
        "Every frame has a ten-year warranty. Brake pads and tyres wear out and are not covered.",
    )
    make_article(
        "Delivery options and costs",
        "Standard delivery costs 4.95 euros and arrives in two to four working days.",
    )
    make_article("Gift cards", "A gift card is valid for three years from the day you buy it.")


@pytest.mark.usefixtures("articles")
@pytest.mark.parametrize(
    ("question", "meant"),
    [
        ("How long is the warrenty?", "How long is the warranty?"),  # a letter changed
        ("How much does delivry cost?", "How much does delivery cost?"),  # a letter missing
        ("Is a gift crad still valid?", "Is a gift card still valid?"),  # two letters swapped
        ("Are the brakke pads covered?", "Are the brake pads covered?"),  # a letter added
        ("WARRENTY for the frame", "warranty for the frame"),  # as the articles spell it
    ],
)
def test_a_misspelled_word_is_read_as_the_articles_word(question: str, meant: str) -> None:
    assert corrected(question, "english") == meant


@pytest.mark.usefixtures("articles")
@pytest.mark.parametrize(
    "question",
    [
        "Which bike is best for me?",  # a common word no article uses ("best" is not "test")
        "The parcel arrived yesterday",  # another form of an article's word ("arrives")
        "Were the tyres covered?",  # a stop word ("were" is not "where")
        "It hasn't come",  # part of a contraction
        "Do you sell skateboards?",  # nothing one edit away: keeps its weight
        "Is the 4.95 price right?",  # numbers
        "保修多久",  # CJK text
    ],
)
def test_real_words_and_words_without_a_neighbour_are_left_alone(question: str) -> None:
    assert corrected(question, "english") == question


def test_the_vocabulary_follows_the_articles(make_article: ArticleFactory) -> None:
    make_article("Gift cards", "A gift card is valid for three years.")
    assert corrected("Can I use a voucer?", "english") == "Can I use a voucer?"

    make_article("Vouchers", "A voucher can be used once, in a store or online.")

    assert corrected("Can I use a voucer?", "english") == "Can I use a voucher?"


@pytest.mark.usefixtures("articles")
def test_a_typo_no_longer_sinks_the_question_while_an_unknown_word_still_does() -> None:
    (hit, *_) = search_chunks("How long is the warrenty on the frame?", language="en")
    assert hit.title == "Warranty" and hit.coverage >= 0.5

    assert search_chunks("Do you sell skateboards?", language="en") == []


def test_drafts_lend_no_words(make_article: ArticleFactory) -> None:
    make_article("Vouchers", "A voucher can be used once.", status="draft")

    assert corrected("Can I use a voucer?", "english") == "Can I use a voucer?"


@pytest.mark.usefixtures("articles")
def test_the_search_returns_the_question_as_it_searched_it() -> None:
    """One place corrects spelling: whoever reads the question again (the offline responder
    choosing its passage) gets the corrected words with the passages."""
    found = retrieve("How long is the warrenty on the frame?", language="en")
    assert found.question == "How long is the warranty on the frame?"
    assert [p.title for p in found.passages][:1] == ["Warranty"]
    assert retrieve("Do you sell skateboards?", language="en").question == (
        "Do you sell skateboards?"
    )


def test_among_words_one_edit_away_the_likelier_slip_is_chosen(
    make_article: ArticleFactory,
) -> None:
    """Two letters swapped keep every letter ("opne" is "open", not the commoner "one"), and a
    first letter is rarely the one mistyped ("ebike" is "e-bike", not "bike")."""
    make_article("Stores", "Our stores open at ten. One store is in Utrecht, one in Rotterdam.")
    make_article("Bikes", "Every bike and every e-bike is checked. A bike, a bike, a bike.")

    assert corrected("When do the stores opne?", "english") == "When do the stores open?"
    assert corrected("Is my ebike checked?", "english") == "Is my e-bike checked?"


def test_the_vocabulary_forgets_the_words_of_deleted_articles(
    make_article: ArticleFactory,
) -> None:
    warranty = make_article("Warranty", "Every frame has a lifetime warranty.", slug="warranty")
    make_article("Battery care", "Charge the battery indoors.", slug="battery")
    assert corrected("How long is the waranty?", "english") == "How long is the warranty?"

    # No chunk is added, so only the deletion counter can tell that the words have changed.
    warranty.delete()

    assert corrected("How long is the waranty?", "english") == "How long is the waranty?"
