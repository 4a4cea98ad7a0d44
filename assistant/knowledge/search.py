"""Hybrid search over published chunks: PostgreSQL full-text search fused with vector similarity.

0. Spelling. A word that no published article uses is replaced by the articles' word one edit
   away, if there is one (spelling.py): a typo must not become the question's rarest term. The
   corrected query is returned with the hits (`SearchResult.query`), so that nothing downstream
   corrects spelling a second time.
1. Terms. The query is normalised by PostgreSQL itself (`to_tsvector` with the conversation
   language's configuration), so query and chunks are stemmed alike, minus the filler words of
   questions; CJK text adds its character bigrams (cjk.py), matched against the `simple` bigram
   vector.
2. Weights. Each term is weighted like BM25's IDF, from how many chunks contain it: common ones
   from ANALYZE's statistics, rare ones counted through the index up to COMMON_TERM_CHUNKS.
   Terms whose absence says nothing (numbers, CJK junction bigrams) are dropped when missing.
3. Candidates. Chunks of published articles that contain any term that is not common (or, for a
   query of common words only, all of them: `websearch_to_tsquery`), capped at CANDIDATE_CAP
   rows: ranking then runs over at most that many rows, which is what keeps queries of common
   words fast.
4. Lexical ranking. Each candidate's coverage is the weighted share of the query's terms it
   contains (ties broken by `ts_rank`). Coverage is also the relevance test: a chunk that lacks
   the rare, specific words of a question does not answer it.
5. Vectors. When an embeddings provider is configured, the query is embedded and the nearest
   chunks embedded by the same model are found through the HNSW index (cosine distance). Chunks
   whose embedding is still pending are simply absent from this list.
6. Fusion. Reciprocal rank fusion (Cormack et al., 2009) of the two lists; a hit is kept only if
   its coverage reaches `min_coverage` or its similarity reaches `min_similarity`, or, for a
   model calibrated for it (calibration.py), coverage and similarity together reach its
   `min_combined`. Hits in the conversation's language come first.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import Combinable
from pgvector import HalfVector
from pgvector.django import CosineDistance

from assistant import calls
from assistant.knowledge.calibration import combined_threshold
from assistant.knowledge.cjk import cjk_bigrams, cjk_chains, has_cjk
from assistant.knowledge.embedding import embed_texts, model_key, pad
from assistant.knowledge.languages import base_language, normalize_locale, search_config
from assistant.knowledge.models import (
    NARROW_WIDTHS,
    Article,
    Chunk,
    in_full_width,
    in_width,
    narrow_embedding,
)
from assistant.knowledge.spelling import corrected
from assistant.llm import Embedder, ModelError
from assistant.privacy.outbound import CallScope

logger = logging.getLogger(__name__)

# Measured on the demo articles and the recall fixture (bench/knowledge_recall.py): below this
# share of the question's (IDF-weighted) terms, a chunk was a neighbouring topic, not an answer.
MIN_COVERAGE = 0.5
# Cosine similarity at which a vector hit counts on its own. It depends on the embeddings model,
# so it is deliberately high: below it, a vector hit only reorders lexically relevant hits.
MIN_SIMILARITY = 0.75
CANDIDATE_CAP = 300
COMMON_TERM_CHUNKS = 2000
# How deep each list goes into the fusion, and RRF's damping constant (60 in the paper).
FUSION_DEPTH = 30
RRF_K = 60
# Long pasted texts would otherwise turn into hundreds of terms.
MAX_QUERY_CHARS = 1000
MAX_TERMS = 32

Column = Literal["search_vector", "cjk_vector"]

# Words that questions are made of but no article is about. PostgreSQL's stopword lists are for
# documents; these come on top for queries, stemmed by the same configuration (ts_delete removes
# them). A question that is only fillers has no terms, and so no answer.
QUESTION_FILLERS: dict[str, str] = {
    "english": "find need want get take tell know like help please thanks thank hello hi hey "
    "possible way something anything anyone someone long much many still already ok okay",
}


class TsQuery(SearchQuery):
    """A tsquery written in PostgreSQL's own syntax, cast as is (`%s::tsquery`).

    The lexemes come out of `to_tsvector` already normalised; `to_tsquery` would parse and stem
    them a second time (and split "e-bik" into three).
    """

    def __init__(self, text: str) -> None:
        super().__init__(Value(text))

    def as_sql(self, compiler, connection, function=None, template=None):  # type: ignore[no-untyped-def]
        sql, params = compiler.compile(self.source_expressions[-1])
        return f"({sql})::tsquery", params


def tsquery_literal(lexeme: str) -> str:
    """One lexeme quoted for tsquery input: quotes doubled, backslashes escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Term:
    column: Column
    lexeme: str
    chunks: int = 0  # how many chunks contain it, counted up to COMMON_TERM_CHUNKS
    weight: float = 0.0

    @property
    def query(self) -> TsQuery:
        return TsQuery(tsquery_literal(self.lexeme))


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One chunk found, with the evidence for it."""

    chunk_id: int
    article_id: int
    position: int
    title: str
    slug: str
    heading: str
    text: str
    locale: str
    source_url: str
    score: float  # reciprocal rank fusion
    coverage: float  # weighted share of the query's terms in the chunk, 0..1
    similarity: float | None = None  # cosine similarity, when vectors took part
    lexical_rank: int | None = None
    vector_rank: int | None = None
    same_language: bool = field(default=True)

    @property
    def passage_id(self) -> str:
        return f"article-{self.article_id}#{self.position}"

    @property
    def url(self) -> str:
        """The article's public URL (built on demand: most searches never show it)."""
        return Article(slug=self.slug, source_url=self.source_url).public_url


@dataclass(frozen=True)
class QueryVector:
    """A query already embedded, and the vector space it belongs to (`model_key`)."""

    model: str
    vector: list[float]


def normalized_query(query: str) -> str:
    """The text that is searched, and embedded: what the search reads of a query."""
    # PostgreSQL text cannot hold NUL bytes; a pasted one must not turn into a server error.
    return query.replace("\x00", " ").strip()[:MAX_QUERY_CHARS]


def embed_query(query: str, *, scope: CallScope) -> QueryVector | None:
    """The query's vector from the configured provider, through the audited call (in this
    thread), for `search_chunks(query_vector=...)`; None when there is none or it failed (search
    then answers from full text). ``scope`` says whose words these are (an agent's search:
    no inbox, the default rules)."""
    return _query_vector(calls.embed_customer_text_sync(normalized_query(query), scope=scope))


async def aembed_query(query: str, *, scope: CallScope) -> QueryVector | None:
    """`embed_query` for async callers, outside any database call on purpose: the provider may
    take up to the client's timeout to answer, and a database thread that waited for it would
    hold a pooled connection all that time, so a slow provider would stall every other
    conversation's database work."""
    return _query_vector(await calls.embed_customer_text(normalized_query(query), scope=scope))


def _query_vector(embedded: calls.Embedded | None) -> QueryVector | None:
    if embedded is None:
        return None
    (vector,) = embedded.vectors
    return QueryVector(embedded.space.key, pad(vector))


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What a search found, and the words it searched for."""

    hits: list[SearchHit]
    # The query as searched: each word no article uses read as the articles' word one edit away
    # (spelling.py). Whoever matches the hits against the question again (the offline responder
    # choosing the passage it quotes) reads these words, so spelling is corrected in one place.
    query: str


def search_chunks(query: str, **options: Any) -> list[SearchHit]:
    """The hits of `search` alone, for callers that do not read the question again."""
    return search(query, **options).hits


def search(
    query: str,
    *,
    language: str | None = None,
    limit: int = 10,
    query_vector: QueryVector | None = None,
    embedder: Embedder | None = None,
    min_coverage: float = MIN_COVERAGE,
    min_similarity: float = MIN_SIMILARITY,
    min_combined: float | None = None,
) -> SearchResult:
    """Relevant chunks of published articles, best first (conversation language first), with
    the query as it was searched (its typos corrected).

    Vectors take part when the query comes with its `query_vector` (`embed_query`,
    `aembed_query`: the configured provider, audited) or with an `embedder` handed in (the
    tests' and benchmarks' own); otherwise the search is full text only. `min_combined`
    defaults to the embeddings model's calibration for the conversation's language.
    """
    query = normalized_query(query)
    if not query or limit <= 0:
        return SearchResult([], query)
    locale = normalize_locale(language or settings.LANGUAGE_CODE)
    config = search_config(locale)
    # The words are searched as the articles spell them; the vector is of what was written.
    words = corrected(query, config)
    terms = _pruned(_weighted(_terms(words, config)), cjk_chains(words))
    if not terms:
        return SearchResult([], words)
    # When no chunk contains any term, there is nothing to rank (vectors may still find some).
    lexical = _lexical(words, config, terms) if any(t.chunks for t in terms) else []
    if query_vector is None and embedder is not None:
        query_vector = _embedded(query, embedder)
    vector = _vector(query_vector) if query_vector is not None else []
    if min_combined is None and query_vector is not None:
        min_combined = combined_threshold(query_vector.model, locale)
    relevance = _Relevance(min_coverage, min_similarity, min_combined)
    return SearchResult(_fuse(lexical, vector, locale, limit, relevance), words)


def search_articles(
    query: str,
    *,
    language: str | None = None,
    limit: int = 10,
    min_coverage: float = 0.0,
    query_vector: QueryVector | None = None,
) -> list[SearchHit]:
    """Articles for the desk's search box: the best chunk of each, best first.

    Agents judge relevance themselves, so by default any article matching a term is listed.
    """
    best: dict[int, SearchHit] = {}
    hits = search_chunks(
        query,
        language=language,
        limit=limit * 5,
        min_coverage=min_coverage,
        query_vector=query_vector,
    )
    for hit in hits:
        best.setdefault(hit.article_id, hit)
        if len(best) == limit:
            break
    return list(best.values())


# --- steps ------------------------------------------------------------------------------------


def _terms(query: str, config: str) -> list[Term]:
    """Distinct normalised terms of the query: words in its language, and CJK bigrams."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsvector_to_array(ts_delete(to_tsvector(%s::regconfig, %s),"
            " tsvector_to_array(to_tsvector(%s::regconfig, %s))))",
            [config, query, config, QUESTION_FILLERS.get(config, "")],
        )
        (words,) = cursor.fetchone()
    # A run of CJK characters is one "word" to the parser; its bigrams stand for it instead.
    terms = [Term("search_vector", w) for w in words if not has_cjk(w)]
    terms += [Term("cjk_vector", b) for b in dict.fromkeys(cjk_bigrams(query))]
    return terms[:MAX_TERMS]


def _pruned(terms: list[Term], chains: list[list[str]]) -> list[Term]:
    """Drop the terms whose absence from every chunk says nothing about the question.

    - Numbers ("175 cm", an order number) rarely appear verbatim in an article.
    - A single CJK character left between question words (钱 in 运费多少钱) is too ambiguous.
    - Without a dictionary, "申请退款" also yields 请退, which no article contains: a bigram found
      in no chunk whose neighbours are found (or, at the end of a run, whose one neighbour is) is
      taken for such a junction between two words.

    A term that is missing otherwise is a word the knowledge base does not know, and keeps its
    high weight: that is what makes an off-topic question find nothing.
    """
    found = {t.lexeme: t.chunks > 0 for t in terms if t.column == "cjk_vector"}
    junctions = set()
    for chain in chains:
        for i, gram in enumerate(chain):
            neighbours = [chain[j] for j in (i - 1, i + 1) if 0 <= j < len(chain)]
            if neighbours and not found.get(gram, True) and all(found.get(n) for n in neighbours):
                junctions.add(gram)
    return [
        t
        for t in terms
        if t.chunks > 0
        or not (
            t.lexeme.isdigit()
            or (t.column == "cjk_vector" and (len(t.lexeme) == 1 or t.lexeme in junctions))
        )
    ]


def _weighted(terms: list[Term]) -> list[Term]:
    """The terms with their chunk counts and IDF weights, in one statement.

    Common lexemes are looked up in the statistics ANALYZE keeps for tsvector columns (the most
    common elements and their frequencies), because counting them, even up to a cap, reads
    thousands of rows. The others are rare by definition, and counted through the GIN index, up
    to COMMON_TERM_CHUNKS (PostgreSQL evaluates a CASE branch's subquery only when it is taken).
    The number of chunks is the planner's estimate, or a count when the table was never
    analyzed (small, so counting is cheap). Statistics, counts and total were three round trips
    on every search, even of an empty knowledge base (issue 23).
    """
    if not terms:
        return []
    table = connection.ops.quote_name(Chunk._meta.db_table)
    per_term = ", ".join(
        f"(SELECT CASE WHEN frequency IS NOT NULL AND (SELECT estimate FROM total) > 0"
        f" THEN least(round(frequency * (SELECT estimate FROM total)), {COMMON_TERM_CHUNKS})"
        f" ELSE (SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {term.column} @@ %s::tsquery"
        f" LIMIT {COMMON_TERM_CHUNKS}) AS t{index}) END"
        f" FROM (SELECT (SELECT freqs[array_position(lexemes, %s)] FROM stats"
        f" WHERE attname = %s) AS frequency) AS f{index})"
        for index, term in enumerate(terms)
    )
    params: list[object] = [Chunk._meta.db_table, Chunk._meta.db_table]
    for term in terms:
        params += [tsquery_literal(term.lexeme), term.lexeme, term.column]
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH stats AS (SELECT attname::text AS attname,"
            " most_common_elems::text::text[] AS lexemes, most_common_elem_freqs::float8[] AS freqs"
            " FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s"
            " AND attname IN ('search_vector', 'cjk_vector')),"
            " total AS (SELECT reltuples::float8 AS estimate FROM pg_class"
            " WHERE oid = %s::regclass)"
            f" SELECT CASE WHEN (SELECT estimate FROM total) > 0 THEN (SELECT estimate FROM total)"
            f" ELSE (SELECT count(*) FROM {table}) END, {per_term}",
            params,
        )
        total, *found = cursor.fetchone()
    counts = [int(count) for count in found]
    total = max(float(total), *counts, 1)
    return [
        Term(term.column, term.lexeme, count, _idf(count, total))
        for term, count in zip(terms, counts, strict=True)
    ]


def _idf(chunks: int, total: float) -> float:
    """BM25's inverse document frequency: high for rare terms, near zero for ubiquitous ones."""
    return math.log(1 + (total - chunks + 0.5) / (chunks + 0.5))


def _any_of(terms: list[Term], column: Column) -> TsQuery | None:
    lexemes = [tsquery_literal(t.lexeme) for t in terms if t.column == column]
    return TsQuery(" | ".join(lexemes)) if lexemes else None


@dataclass(frozen=True, slots=True)
class _Relevance:
    """When a hit is worth grounding an answer on (the module's step 6)."""

    min_coverage: float
    min_similarity: float
    min_combined: float | None

    def passes(self, coverage: float | None, similarity: float | None) -> bool:
        if coverage is not None and coverage >= self.min_coverage:
            return True
        if similarity is None:
            return False
        if similarity >= self.min_similarity:
            return True
        # Both kinds of evidence, each too weak alone: some of the question's words and a close
        # meaning ("money back" in the refunds article that says "refund").
        return (
            self.min_combined is not None
            and coverage is not None
            and coverage > 0
            and coverage + similarity >= self.min_combined
        )


@dataclass(frozen=True, slots=True)
class _Found:
    row: dict[str, object]
    rank: int
    coverage: float = 0.0
    similarity: float | None = None


_FIELDS = ("pk", "article_id", "position", "heading", "text", "article__title", "article__slug",
           "article__locale", "article__source_url")  # fmt: skip


def _lexical(query: str, config: str, terms: list[Term]) -> list[_Found]:
    # The article's status is read per matching chunk (one primary-key probe each) rather than
    # joined: a join let PostgreSQL hash every article before returning the first candidate,
    # which grew with the knowledge base (7 ms at 20,000 articles; issue 23, B6), while the cap
    # below stops the probes after CANDIDATE_CAP matches.
    status = Article.objects.filter(pk=OuterRef("article_id")).values("status")
    published = Chunk.objects.alias(article_status=Subquery(status)).filter(
        article_status=Article.Status.PUBLISHED
    )
    specific = [t for t in terms if t.chunks < COMMON_TERM_CHUNKS]
    match = Q()
    for column in ("search_vector", "cjk_vector"):
        if (any_specific := _any_of(specific, column)) is not None:
            match |= Q(**{column: any_specific})
    if not specific:
        # Only common words: the chunks that contain them all. Not asked otherwise, because a
        # chunk with every word of the question has its specific ones too, and intersecting
        # the common words' long posting lists grew with the knowledge base (22 ms at 300,000
        # chunks; issue 23, B6).
        match = Q(search_vector=SearchQuery(query, config=config, search_type="websearch"))
    # No ordering: an ORDER BY here would make PostgreSQL walk the table in that order instead of
    # stopping at the first CANDIDATE_CAP matches.
    candidates = published.filter(match).order_by().values("pk")[:CANDIDATE_CAP]

    matched: Combinable = Value(0.0)
    for term in terms:
        matched = matched + Case(
            When(Q(**{term.column: term.query}), then=Value(term.weight)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    rank: Combinable = Value(0.0)
    for column in ("search_vector", "cjk_vector"):
        if (any_term := _any_of(terms, column)) is not None:
            rank = rank + SearchRank(F(column), any_term)
    rows = (
        Chunk.objects.filter(pk__in=Subquery(candidates))
        .annotate(matched=matched, rank=rank)
        .order_by("-matched", "-rank", "pk")
        .values(*_FIELDS, "matched")[:FUSION_DEPTH]
    )
    total = sum(term.weight for term in terms)
    return [
        _Found(row, position, coverage=float(row["matched"]) / total)
        for position, row in enumerate(rows, start=1)
    ]


def _embedded(query: str, embedder: Embedder) -> QueryVector | None:
    try:
        (vector,) = embed_texts(embedder, [query])
    except ModelError as error:
        # Search must keep answering while the provider is down: full-text results only.
        logger.warning("Query embedding failed, searching full-text only: %s", error)
        return None
    return QueryVector(model_key(embedder), vector)


def _vector(query_vector: QueryVector) -> list[_Found]:
    """The nearest chunks of the query's vector space, through its HNSW index (models.py).

    A narrow model's chunks are ordered by the distance between the leading dimensions in half
    precision, the narrow index's own expression and condition (the planner uses an index only
    for its exact expression), while the similarity reported and judged is the full-precision
    one, so that thresholds read the same numbers whichever index found the chunk.
    """
    width = _narrow_width(query_vector.model)
    chunks = Chunk.objects.filter(
        article__status=Article.Status.PUBLISHED, embedding_model=query_vector.model
    ).annotate(distance=CosineDistance("embedding", query_vector.vector))
    if width is None:
        ordered = chunks.filter(in_full_width()).order_by("distance")
    else:
        narrow = HalfVector(query_vector.vector[:width])
        ordered = chunks.filter(in_width(width)).order_by(
            CosineDistance(narrow_embedding(width), narrow)
        )
    rows = ordered.values(*_FIELDS, "distance")[:FUSION_DEPTH]
    return [
        _Found(row, position, similarity=1.0 - float(row["distance"]))
        for position, row in enumerate(rows, start=1)
    ]


def _narrow_width(model: str) -> int | None:
    """The width of the query's vector space when it has a narrow index of its own."""
    width = model.rsplit("/", 1)[-1]
    return int(width) if width.isdigit() and int(width) in NARROW_WIDTHS else None


def _fuse(
    lexical: list[_Found],
    vector: list[_Found],
    locale: str,
    limit: int,
    relevance: _Relevance,
) -> list[SearchHit]:
    by_lexical = {found.row["pk"]: found for found in lexical}
    by_vector = {found.row["pk"]: found for found in vector}
    language = base_language(locale)
    hits = []
    for pk in by_lexical.keys() | by_vector.keys():
        lex, vec = by_lexical.get(pk), by_vector.get(pk)
        coverage = lex.coverage if lex else 0.0
        similarity = vec.similarity if vec else None
        if not relevance.passes(lex.coverage if lex else None, similarity):
            continue
        row = (lex or vec).row  # type: ignore[union-attr]
        hits.append(
            SearchHit(
                chunk_id=row["pk"],
                article_id=row["article_id"],
                position=row["position"],
                title=row["article__title"],
                slug=row["article__slug"],
                heading=row["heading"],
                text=row["text"],
                locale=row["article__locale"],
                source_url=row["article__source_url"],
                score=sum(1.0 / (RRF_K + f.rank) for f in (lex, vec) if f is not None),
                coverage=coverage,
                similarity=similarity,
                lexical_rank=lex.rank if lex else None,
                vector_rank=vec.rank if vec else None,
                same_language=base_language(row["article__locale"]) == language,
            )
        )
    hits.sort(key=lambda h: (not h.same_language, -h.score, -h.coverage, h.chunk_id))
    return hits[:limit]
