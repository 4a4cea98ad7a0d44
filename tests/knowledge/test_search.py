"""Full-text search: languages, CJK bigrams, drafts, relevance threshold, hostile input."""

import pytest

from assistant.knowledge import search
from assistant.knowledge.models import Article
from assistant.knowledge.retrieval import retrieve_passages
from assistant.knowledge.search import search_articles, search_chunks
from assistant.knowledge.services import article_update

from .conftest import ArticleFactory

pytestmark = pytest.mark.django_db

RETURNS = (
    "# Returning a bike\n\nYou can return any bike within 30 days of delivery.\n\n"
    "## Refunds\n\nRefunds reach your card within 5 working days."
)


def slugs(hits: list[search.SearchHit]) -> list[str]:
    return list(dict.fromkeys(hit.slug for hit in hits))


def test_english_words_match_in_other_forms_through_stemming(make_article: ArticleFactory) -> None:
    make_article("Returns and refunds", RETURNS, slug="returns")
    make_article("Opening hours", "We open at nine on Saturdays.", slug="hours")

    assert slugs(search_chunks("returning bikes", language="en")) == ["returns"]
    assert slugs(search_chunks("refunded", language="en")) == ["returns"]


def test_each_article_is_indexed_with_its_own_languages_configuration(
    make_article: ArticleFactory,
) -> None:
    german = make_article(
        "Rücksendungen", "Sie können Fahrräder innerhalb von 30 Tagen zurückgeben.", locale="de"
    )
    chinese = make_article("退货", "三十天内可以退货。", locale="zh-hans")

    assert {c.search_config for c in german.chunks.all()} == {"german"}
    assert {c.search_config for c in chinese.chunks.all()} == {"simple"}
    # German stemming: "Fahrrad" (singular) finds "Fahrräder" (plural).
    assert slugs(search_chunks("Fahrrad zurückgeben", language="de")) == [german.slug]


def test_chinese_matches_through_character_bigrams(make_article: ArticleFactory) -> None:
    make_article(
        "退货与退款",
        "## 退款时间\n\n我们在收到退货后三个工作日内完成检查，款项通常在5个工作日内到账。",  # noqa: RUF001
        locale="zh-hans",
        slug="zh-returns",
    )
    make_article("配送", "满500欧元免运费。", locale="zh-hans", slug="zh-delivery")

    # No Chinese word is split by PostgreSQL, yet both questions find the right article.
    assert slugs(search_chunks("退款多久到账？", language="zh-hans")) == ["zh-returns"]  # noqa: RUF001
    assert slugs(search_chunks("运费多少钱", language="zh-hans")) == ["zh-delivery"]


def test_japanese_and_korean_match_too(make_article: ArticleFactory) -> None:
    make_article("返品", "商品到着後30日以内に返品できます。", locale="ja", slug="ja-returns")
    make_article("환불 안내", "환불은 5영업일 이내에 처리됩니다.", locale="ko", slug="ko-refunds")

    assert slugs(search_chunks("返品できますか", language="ja")) == ["ja-returns"]
    # Particles attach to Korean nouns (환불은): bigrams still meet the bare noun.
    assert slugs(search_chunks("환불 처리", language="ko")) == ["ko-refunds"]


def test_drafts_are_never_returned(make_article: ArticleFactory) -> None:
    draft = make_article(
        "Tandem returns", "Tandem bikes can be returned within 60 days.", status="draft"
    )

    assert search_chunks("tandem returns", language="en") == []
    assert search_articles("tandem", language="en") == []
    assert retrieve_passages("tandem returns", language="en") == []

    article_update(article=draft, status=Article.Status.PUBLISHED)
    assert slugs(search_chunks("tandem returns", language="en")) == [draft.slug]

    article_update(article=draft, status=Article.Status.DRAFT)
    assert search_chunks("tandem returns", language="en") == []


def test_a_question_the_articles_do_not_answer_finds_nothing(
    make_article: ArticleFactory,
) -> None:
    make_article("Returns and refunds", RETURNS)
    make_article("Stores", "Our store in Utrecht opens at 09:30.")

    # "bike" and "Utrecht" occur, but the specific words of the questions do not.
    assert search_chunks("Do you sell skateboards for kids?", language="en") == []
    assert search_chunks("What is the weather in Utrecht tomorrow?", language="en") == []
    assert search_chunks("你们卖滑板吗？", language="zh-hans") == []  # noqa: RUF001
    # Words that only make up a question are no topic at all.
    assert search_chunks("Hello, can you help me please?", language="en") == []


def test_articles_in_the_conversations_language_come_first(make_article: ArticleFactory) -> None:
    # Product names are spelled, and stemmed, alike in both languages.
    make_article("Northwind Volt", "The Northwind Volt has a Bosch motor.", slug="volt-en")
    make_article("Northwind Volt", "Das Northwind Volt hat einen Bosch Motor.", locale="de",
                 slug="volt-de")  # fmt: skip

    assert slugs(search_chunks("Northwind Volt Bosch", language="en")) == ["volt-en", "volt-de"]
    assert slugs(search_chunks("Northwind Volt Bosch", language="de")) == ["volt-de", "volt-en"]


@pytest.mark.parametrize(
    "query",
    ['"return', "-return -bike", "return & | ! <-> :* ' \\", "'); DROP TABLE knowledge_chunk; --",
     "return " * 400, "\x00", "退款 'refund' \"退货\""],
)  # fmt: skip
def test_hostile_or_odd_queries_are_harmless(make_article: ArticleFactory, query: str) -> None:
    make_article("Returns and refunds", RETURNS)
    search_chunks(query, language="en")
    assert Article.objects.count() == 1


def test_common_words_are_searched_over_a_capped_candidate_set(
    make_article: ArticleFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(12):
        make_article(f"Bike guide {number}", f"Every bike needs care, part {number}.")
    monkeypatch.setattr(search, "COMMON_TERM_CHUNKS", 5)
    monkeypatch.setattr(search, "CANDIDATE_CAP", 3)

    hits = search_chunks("bike care", language="en")

    # "bike" and "care" are now common, so only chunks with both are candidates, at most 3.
    assert 1 <= len(hits) <= 3


def test_article_search_lists_each_article_once(make_article: ArticleFactory) -> None:
    returns = make_article("Returns and refunds", RETURNS)
    hits = search_articles("refund return", language="en")
    assert [hit.article_id for hit in hits] == [returns.pk]


def _counted_the_old_way(terms: list[search.Term]) -> tuple[float, list[int]]:
    """What the weights were computed from in three statements before issue 23: ANALYZE's
    statistics and the chunk estimate, counts of the other terms, the count of chunks."""
    from django.db import connection

    from assistant.knowledge.models import Chunk

    table = Chunk._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, most_common_elems::text::text[], most_common_elem_freqs"
            " FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s",
            [table],
        )
        frequent = {
            (name, lexeme): frequency
            for name, lexemes, freqs in cursor.fetchall()
            if lexemes
            for lexeme, frequency in zip(lexemes, freqs, strict=False)
        }
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        (estimate,) = cursor.fetchone()
    counts = []
    for term in terms:
        frequency = frequent.get((term.column, term.lexeme))
        if frequency is not None and estimate > 0:
            counts.append(min(round(frequency * estimate), search.COMMON_TERM_CHUNKS))
        else:
            counts.append(
                Chunk.objects.filter(**{term.column: term.query})[
                    : search.COMMON_TERM_CHUNKS
                ].count()
            )
    total = estimate if estimate > 0 else Chunk.objects.count()
    return max(total, *counts, 1), counts


@pytest.mark.parametrize("analyzed", [False, True])
def test_the_terms_are_weighted_in_one_statement_as_from_the_statistics_and_counts(
    make_article: ArticleFactory, analyzed: bool
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(40):
        extra = " Refunds reach your card quickly." if number % 4 == 0 else ""
        make_article(f"Bike guide {number}", f"Every bike needs care, part {number}.{extra}")
    if analyzed:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_chunk")
    terms = [
        search.Term("search_vector", lexeme) for lexeme in ("bike", "care", "refund", "unicycl")
    ] + [search.Term("cjk_vector", "退货")]
    total, expected = _counted_the_old_way(terms)
    if analyzed:
        assert expected[0] > 0  # "bike" came from the statistics
    with CaptureQueriesContext(connection) as queries:
        weighted = search._weighted(terms)
    assert len(queries) == 1
    assert [term.chunks for term in weighted] == expected
    assert [term.weight for term in weighted] == [search._idf(n, total) for n in expected]
    assert expected[2] == 10 and expected[3] == 0 and expected[4] == 0
