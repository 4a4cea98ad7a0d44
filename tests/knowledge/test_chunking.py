"""Splitting Markdown into chunks along headings and paragraphs, with a little overlap."""

import itertools

from hypothesis import given
from hypothesis import strategies as st

from assistant.knowledge.chunking import MAX_TOKENS, OVERLAP_TOKENS, chunk_markdown
from assistant.llm.textmatch import estimate_tokens


def test_each_section_becomes_a_chunk_with_its_heading_path() -> None:
    chunks = chunk_markdown(
        "Intro paragraph.\n\n# Returns\n\nWithin 30 days.\n\n## Refunds\n\nWithin 14 days.\n\n"
        "# Warranty\n\nTen years."
    )
    assert [(c.position, c.heading, c.text) for c in chunks] == [
        (0, "", "Intro paragraph."),
        (1, "Returns", "Within 30 days."),
        (2, "Returns > Refunds", "Within 14 days."),
        (3, "Warranty", "Ten years."),
    ]


def test_a_heading_without_text_adds_to_the_path_but_makes_no_chunk() -> None:
    chunks = chunk_markdown("# Delivery\n\n## Costs\n\nFree over 500 euros.")
    assert [(c.heading, c.text) for c in chunks] == [("Delivery > Costs", "Free over 500 euros.")]


def test_a_long_section_breaks_between_paragraphs_and_repeats_its_end() -> None:
    paragraphs = [f"Paragraph {i} says something about bikes. It ends here {i}." for i in range(40)]
    chunks = chunk_markdown("# Long\n\n" + "\n\n".join(paragraphs))
    assert len(chunks) > 2
    for previous, following in itertools.pairwise(chunks):
        overlap = following.text.split("\n\n")[0]
        assert previous.text.endswith(overlap)
        assert estimate_tokens(overlap) <= OVERLAP_TOKENS
        assert following.heading == "Long"


def test_a_paragraph_longer_than_the_maximum_is_cut_between_sentences() -> None:
    sentence = "The battery charges in about four and a half hours with the supplied charger."
    chunks = chunk_markdown(" ".join([sentence] * 60))
    assert len(chunks) > 1
    assert all(estimate_tokens(c.text) <= MAX_TOKENS + OVERLAP_TOKENS for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)


def test_chinese_sentences_are_rejoined_without_spaces() -> None:
    sentence = "电池可以随时充电，没有记忆效应，充满后充电器会自动停止。"  # noqa: RUF001
    chunks = chunk_markdown(sentence * 30)
    assert len(chunks) > 1
    assert all(" " not in c.text for c in chunks)


def test_a_fenced_code_block_stays_whole_and_hides_its_hash_lines() -> None:
    body = "# Setup\n\n```\n# not a heading\n\nstill code\n```\n\nAfter."
    chunks = chunk_markdown(body)
    assert len(chunks) == 1
    assert "# not a heading\n\nstill code" in chunks[0].text
    assert chunks[0].heading == "Setup"


def test_an_empty_body_has_no_chunks() -> None:
    assert chunk_markdown("") == []
    assert chunk_markdown("\n\n   \n") == []


words = st.text(alphabet="abcdefghij ", min_size=1, max_size=80).map(str.strip).filter(bool)


@given(st.lists(st.tuples(st.booleans(), words), min_size=1, max_size=30))
def test_no_text_is_lost_and_positions_count_up(blocks: list[tuple[bool, str]]) -> None:
    markdown = "\n\n".join(f"## {text}" if is_heading else text for is_heading, text in blocks)
    chunks = chunk_markdown(markdown)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    joined = "\n\n".join(c.text for c in chunks)
    for is_heading, text in blocks:
        if not is_heading:
            assert " ".join(text.split()) in " ".join(joined.split())


def test_the_next_chunk_never_starts_with_the_end_of_a_table_or_list() -> None:
    prose = " ".join(f"Sentence {i} about opening hours and the stores." for i in range(14))
    table = "| Day | Hours |\n|---|---|\n" + "\n".join(
        f"| Day {i} | 09:30-18:00 |" for i in range(6)
    )
    items = "\n".join(f"- Item {i} of the list." for i in range(6))
    chunks = chunk_markdown(f"# Hours\n\n{prose}\n\n{table}\n\n{prose}\n\n{items}\n\n{prose}")
    assert len(chunks) > 2
    for chunk in chunks[1:]:
        first_line = chunk.text.split("\n")[0]
        assert not first_line.startswith(("| Day ", "- Item")), chunk.text


def test_a_table_longer_than_the_maximum_is_cut_between_rows_under_its_header() -> None:
    rows = "\n".join(f"| Store number {i} in the city | 09:30-18:00 every day |" for i in range(60))
    chunks = chunk_markdown(f"| Store | Hours |\n|---|---|\n{rows}")
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.text.startswith("| Store | Hours |\n|---|---|\n| Store number")
    assert sum(c.text.count("| Store number") for c in chunks) == 60
