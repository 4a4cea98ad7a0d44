"""How each help article did in conversations: how often answers cited it, and how the
conversations that cited it ended (handed to a person or not, and their customers' ratings).

Answers store their sources as citations ({"title", "url"}; assistant/chat/reply.py), and an
article's citation URL is its public URL (`Article.public_url`), so articles are matched by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection


@dataclass(frozen=True)
class ArticleOutcome:
    citations: int  # answers that cited the article
    conversations: int  # conversations with at least one of them
    handed_off: int  # of those, the ones that went to a person
    ratings: int
    csat_sum: int

    @property
    def handoff_rate(self) -> float | None:
        return self.handed_off / self.conversations if self.conversations else None

    @property
    def csat(self) -> float | None:
        """The average rating (1-5) of the rated ones."""
        return self.csat_sum / self.ratings if self.ratings else None


def article_outcomes(
    urls: Iterable[str], *, since: datetime | None = None
) -> dict[str, ArticleOutcome]:
    """The outcomes per citation URL, for the given URLs (absent: never cited)."""
    urls = list(dict.fromkeys(urls))
    if not urls:
        return {}
    # One statement for all articles: the citations are unnested once, then each cited
    # conversation is counted once per article however many of its answers cited it.
    sql = """
        WITH cited AS (
            SELECT c.value ->> 'url' AS url, m.conversation_id, count(*) AS answers
            FROM chat_message m
            CROSS JOIN LATERAL jsonb_array_elements(m.citations) AS c(value)
            WHERE m.author_kind = 'assistant'
              AND jsonb_typeof(m.citations) = 'array'
              AND m.citations <> '[]'::jsonb
              AND (%(since)s::timestamptz IS NULL OR m.created_at >= %(since)s)
              AND c.value ->> 'url' = ANY(%(urls)s)
            GROUP BY 1, 2
        )
        SELECT cited.url, sum(cited.answers), count(*),
               count(*) FILTER (WHERE conv.handoff_at IS NOT NULL),
               count(conv.csat_score), coalesce(sum(conv.csat_score), 0)
        FROM cited JOIN chat_conversation conv ON conv.id = cited.conversation_id
        GROUP BY cited.url
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"urls": urls, "since": since})
        rows = cursor.fetchall()
    return {
        url: ArticleOutcome(
            citations=int(answers),
            conversations=int(conversations),
            handed_off=int(handed),
            ratings=int(ratings),
            csat_sum=int(csat_sum),
        )
        for url, answers, conversations, handed, ratings, csat_sum in rows
    }
