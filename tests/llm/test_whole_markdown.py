"""Offline answers are whole Markdown, and cite exactly the passages they quote.

The passages are the demo help center's own chunks, cut the way the knowledge base cuts them,
so these tests read what a customer of the demo shop would be sent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.knowledge.chunking import chunk_markdown
from assistant.llm.attribution import statements, used_passages
from assistant.llm.mdblocks import blocks, units
from assistant.llm.offline import answer
from assistant.llm.quoting import quote
from assistant.llm.textmatch import rank
from assistant.llm.types import Passage

DEMO = Path(__file__).resolve().parents[2] / "assistant" / "knowledge" / "demo_articles"
DELIVERY = """Delivery is free for every order over €500. Below €500 standard delivery costs:

| What you order | Delivery cost |
|---|---|
| Parts, clothing and accessories | €6.95 |
| A bicycle or e-bike | €39 |

Items in stock leave our warehouse on the next working day.

- Netherlands: 1-2 working days.
- Belgium and Germany: 2-4 working days.
- France and Denmark: 3-6 working days."""


def demo_passages() -> list[Passage]:
    """Every chunk of every English demo article, as the search hands passages over."""
    passages = []
    for path in sorted(DEMO.glob("*.md")):
        if path.name.startswith("zh-"):
            continue
        _, front, body = path.read_text().split("---", 2)
        title = re.search(r"^title: \"?(.+?)\"?$", front, re.MULTILINE).group(1)
        for chunk in chunk_markdown(body):
            section = chunk.heading.split(" > ")[-1]
            passages.append(
                Passage(
                    id=f"{path.stem}:{chunk.position}",
                    title=f"{title} › {section}" if section else title,  # noqa: RUF001
                    text=chunk.text,
                    url=f"http://localhost/help/{path.stem}/",
                )
            )
    return passages


def retrieved(question: str, passages: list[Passage], limit: int = 4) -> list[Passage]:
    """The few passages a search returns, best first (the offline ranking stands in for it)."""
    matches = rank(question, [f"{p.title}\n{p.text}" for p in passages])
    return [passages[m.index] for m in matches[:limit] if m.score > 0]


# --- blocks and units --------------------------------------------------------------------------


def test_a_table_is_one_block_with_its_header_row() -> None:
    table = [b for b in blocks(DELIVERY) if b.kind == "table"]
    assert len(table) == 1
    assert table[0].text.splitlines()[0] == "| What you order | Delivery cost |"
    assert table[0].text.splitlines()[-1] == "| A bicycle or e-bike | €39 |"


def test_a_list_is_one_block_with_every_item_on_its_own_line() -> None:
    (listing,) = [b for b in blocks(DELIVERY) if b.kind == "list"]
    assert listing.text.split("\n") == [
        "- Netherlands: 1-2 working days.",
        "- Belgium and Germany: 2-4 working days.",
        "- France and Denmark: 3-6 working days.",
    ]


def test_a_lead_in_ending_in_a_colon_stays_with_what_it_introduces() -> None:
    first = units(DELIVERY)[0]
    assert first.kinds == ("paragraph", "table")
    assert first.text.startswith("Delivery is free")
    assert first.text.endswith("| A bicycle or e-bike | €39 |")


def test_a_lead_in_whose_content_is_missing_is_left_out() -> None:
    cut = "Returns are free in store.\n\nFree over €500. Below €500 standard delivery costs:"
    assert [u.text for u in units(cut)] == ["Returns are free in store.", "Free over €500."]
    assert [u.text for u in units("Opening hours:\n\nWe are open every day.")] == [
        "We are open every day."
    ]


def test_a_nested_list_stays_one_unit() -> None:
    nested = "1. Log in.\n2. Choose how:\n   - **In store**: free.\n   - **Parcel**: €7.\n3. Done."
    assert [u.text for u in units(nested)] == [nested]


def test_raw_html_is_text_not_a_block_of_its_own() -> None:
    assert [b.kind for b in blocks("<div>\n<script>x</script>\n</div>")] == ["paragraph"]


# --- what is quoted ------------------------------------------------------------------------------


def test_a_price_question_gets_the_whole_table_with_the_price_row() -> None:
    long_passage = DELIVERY + "\n\n" + "Bikes arrive in a box, almost fully assembled. " * 12
    quoted = quote("How much does delivery of parts cost?", long_passage)
    assert "| What you order | Delivery cost |" in quoted
    assert "| Parts, clothing and accessories | €6.95 |" in quoted
    assert "Bikes arrive in a box" not in quoted


def test_a_short_passage_is_quoted_whole() -> None:
    assert quote("how long does delivery take", DELIVERY) == DELIVERY


def test_a_long_paragraph_is_cut_to_whole_sentences_without_a_dangling_colon() -> None:
    filler = "Our mechanics check every bike before it leaves the workshop. " * 15
    paragraph = f"{filler}The warranty on frames lasts ten years. These parts are covered: "
    quoted = quote("how long is the frame warranty", paragraph)
    assert "The warranty on frames lasts ten years." in quoted
    assert not quoted.rstrip().endswith(":")


# --- the demo help center, answered offline ------------------------------------------------------

DEMO_QUESTIONS = {
    # question: the article whose passage answers it
    "How long does delivery take?": "delivery-options-and-costs",
    "How much does delivery cost for a bike?": "delivery-options-and-costs",
    "What are the opening hours of your stores?": "stores-and-opening-hours",
    "When are your stores open?": "stores-and-opening-hours",
    "My e-bike battery won't charge": "e-bike-battery-charging-and-care",
    "How much does a new e-bike battery cost?": "e-bike-battery-replacement-and-recycling",
    "How long is the warranty on the frame?": "warranty",
    "How do I return an item?": "returns-policy",
}


@pytest.mark.parametrize("question", sorted(DEMO_QUESTIONS))
def test_demo_questions_get_whole_markdown_from_the_right_article(question: str) -> None:
    passages = retrieved(question, demo_passages())
    result = answer(question, passages, cite_inline=False)
    assert result.passage is not None, result.text
    assert result.passage.id.split(":")[0] == DEMO_QUESTIONS[question]
    text = result.text
    assert not text.rstrip().endswith((":", "：")), text  # noqa: RUF001
    assert not re.search(r"[.!?;][ \t]+- ", text), f"list items run together: {text}"
    for block in blocks(text):
        if block.kind == "table":
            header, separator = block.text.split("\n")[:2]
            assert set(separator) <= set("|-: "), f"a table without its header row: {header}"
        for line in block.text.split("\n"):
            # A table row on its own would be a paragraph that starts with a pipe.
            assert not (block.kind == "paragraph" and line.startswith("|")), text


def test_the_price_question_gets_the_price_table_with_its_header() -> None:
    question = "How much does a new e-bike battery cost?"
    text = answer(question, retrieved(question, demo_passages()), cite_inline=False).text
    assert "| Battery | Price |" in text
    assert "| Bosch PowerTube 500 Wh | €649 |" in text


# --- honest citations ----------------------------------------------------------------------------


@pytest.mark.parametrize("question", sorted(DEMO_QUESTIONS))
def test_an_offline_answer_is_attributed_to_exactly_the_passage_it_quotes(question: str) -> None:
    passages = retrieved(question, demo_passages())
    result = answer(question, passages, cite_inline=False)
    assert used_passages(result.text, passages) == [result.passage]


def test_the_quoted_passage_is_cited_even_when_the_search_ranked_another_first() -> None:
    passages = demo_passages()
    recycling = next(p for p in passages if "Recycling" in p.title)
    prices = next(p for p in passages if "replacement" in p.id and "Prices" in p.title)
    result = answer("What does a new battery cost?", [recycling, prices], cite_inline=False)
    assert result.passage == prices
    assert used_passages(result.text, [recycling, prices]) == [prices]


def test_a_statement_no_passage_holds_cites_nothing() -> None:
    passages = demo_passages()[:5]
    assert used_passages("Our rockets reach orbit in eleven minutes flat.", passages) == []


def test_a_model_answer_cites_each_passage_it_draws_on_and_no_other() -> None:
    passages = demo_passages()
    warranty = next(p for p in passages if p.id.startswith("warranty") and "| Part |" in p.text)
    stores = next(p for p in passages if "Opening hours" in p.title)
    unrelated = next(p for p in passages if p.id.startswith("gift-cards"))
    reply = (
        "Steel and aluminium frames and rigid forks have a warranty of 10 years. "
        "On Thursday both stores and workshops are open from 09:30 to 20:00. Happy riding!"
    )
    assert used_passages(reply, [unrelated, warranty, stores]) == [warranty, stores]


def test_statements_are_sentences_rows_and_items() -> None:
    assert statements(DELIVERY)[:2] == [
        "Delivery is free for every order over €500.",
        "Below €500 standard delivery costs:",
    ]
    assert "| A bicycle or e-bike | €39 |" in statements(DELIVERY)
    assert "- France and Denmark: 3-6 working days." in statements(DELIVERY)
