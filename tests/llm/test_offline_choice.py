"""Which passage the offline responder quotes when several share the question's words: the one
whose heading says what was asked, then the one holding the kind of value asked for, then the
search's order; never the one that merely repeats a word most often."""

from assistant.llm.answer_types import answer_fit
from assistant.llm.offline import answer
from assistant.llm.types import Passage

COSTS = Passage(
    "d#1",
    "Delivery options and costs › Free shipping over €500",  # noqa: RUF001
    "Delivery is free over €500. Below that, delivery of a bike costs €39.",
)
TIMES = Passage(
    "d#2",
    "Delivery options and costs › How long delivery takes",  # noqa: RUF001
    "- Netherlands: 1-2 working days for parcels.\n- Germany: 3-6 working days for bikes.",
)
DAMAGE = Passage(
    "x#1",
    "Damaged or missing items",
    "Check your delivery when it arrives. Report damage within 48 hours of delivery, with "
    "photos of the delivery box.",
)


def test_a_heading_that_repeats_the_question_wins_over_a_word_said_more_often() -> None:
    chosen = answer("How long does delivery take?", [DAMAGE, COSTS, TIMES])
    assert chosen.passage == TIMES


def test_a_value_of_the_kind_asked_for_decides_between_equal_sections() -> None:
    untitled = [Passage(p.id, "Delivery", p.text) for p in (TIMES, COSTS)]
    assert answer("How much is delivery?", untitled).passage == untitled[1]
    assert answer("How soon is the delivery?", untitled[::-1]).passage == untitled[0]


def test_otherwise_the_search_order_decides() -> None:
    first, second = (Passage(p.id, "Delivery", p.text) for p in (COSTS, DAMAGE))
    assert answer("Tell me about delivery", [first, second]).passage == first
    assert answer("Tell me about delivery", [second, first]).passage == second


def test_answer_types_in_english_and_chinese() -> None:
    assert answer_fit("How long does it take?", "2\u20134 working days") == 1
    assert answer_fit("What does the battery cost?", "€649") == 1
    assert answer_fit("退货需要多久？", "三个工作日内完成检查") == 1  # noqa: RUF001
    assert answer_fit("运费多少钱", "运费为39欧元") == 1
    assert answer_fit("How long does it take?", "€649") == 0
    assert answer_fit("Where are your stores?", "09:30-18:00") == 0  # nothing asked for
