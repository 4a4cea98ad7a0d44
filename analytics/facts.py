"""One conversation's facts, computed from the raw rows in SQL: the single definition of every
per-conversation number (docs/analytics.md, "Definitions", says the same in words).

The rollup refresh stores these rows in analytics_conversationfact; the raw computation used by
the benchmark and the tests aggregates them straight from this query instead. Both therefore
agree by construction on what a conversation is worth, and the tests can check that the rollup
machinery (incremental refresh, grouping levels, hour/day merging, time zones) loses nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

# Columns of analytics_conversationfact, in the order FACTS_SELECT yields them.
FACT_COLUMNS = (
    "conversation_id",
    "created_at",
    "inbox_id",
    "channel",
    "language",
    "topic",
    "route",
    "model",
    "team_id",
    "agent_id",
    "state",
    "resolved_at",
    "resolved",
    "handed_off",
    "handoff_reason",
    "human",
    "reopened",
    "automated",
    "csat",
    "frt_assistant_s",
    "frt_human_s",
    "resolution_s",
    "human_reply_s",
    "sla_breaches",
    "model_calls",
    "tokens",
    "cost",
)

# {where} restricts `c` (chat_conversation); parameters are named (see fact_params()).
FACTS_SELECT = """
SELECT
    c.id AS conversation_id,
    c.created_at,
    c.inbox_id,
    c.channel,
    c.language,
    c.topic,
    c.model_route AS route,
    coalesce(first_reply.model, '') AS model,
    t.team_id,
    coalesce(t.assignee_id, c.assigned_agent_id) AS agent_id,
    c.state,
    c.resolved_at,
    base.resolved,
    base.handed_off,
    c.handoff_reason,
    base.human,
    base.reopened,
    base.resolved AND NOT base.human AND NOT base.reopened
        AND coalesce(c.csat_score > 2, true) AS automated,
    c.csat_score AS csat,
    extract(epoch FROM firsts.first_assistant_at - c.created_at)::float8 AS frt_assistant_s,
    CASE WHEN c.first_human_response_at IS NOT NULL THEN greatest(0, extract(epoch FROM
        c.first_human_response_at - coalesce(c.handoff_at, c.created_at)))::float8 END
        AS frt_human_s,
    CASE WHEN base.resolved
         THEN greatest(0, extract(epoch FROM c.resolved_at - c.created_at))::float8 END
        AS resolution_s,
    coalesce(waits.samples, '{{}}'::float8[]) AS human_reply_s,
    coalesce(breaches.n, 0) AS sla_breaches,
    coalesce(calls.n, 0) AS model_calls,
    coalesce(calls.tokens, 0) AS tokens,
    coalesce(calls.cost, 0) AS cost
FROM chat_conversation c
LEFT JOIN tickets_ticket t ON t.conversation_id = c.id
LEFT JOIN LATERAL (
    SELECT min(m.created_at) FILTER (WHERE m.author_kind = 'assistant') AS first_assistant_at,
           bool_or(m.author_kind = 'agent') AS agent_wrote
    FROM chat_message m WHERE m.conversation_id = c.id
) firsts ON true
CROSS JOIN LATERAL (
    SELECT
        c.state = 'resolved' AND c.resolved_at IS NOT NULL AS resolved,
        c.handoff_at IS NOT NULL AS handed_off,
        c.handoff_at IS NOT NULL OR coalesce(firsts.agent_wrote, false) AS human,
        c.state = 'resolved' AND c.resolved_at IS NOT NULL AND (
            EXISTS (
                SELECT 1 FROM chat_conversation later
                WHERE later.contact_id = c.contact_id AND later.id <> c.id
                  AND later.created_at > c.resolved_at
                  AND later.created_at <= c.resolved_at + %(window)s
            )
            OR EXISTS (
                SELECT 1 FROM tickets_ticketevent e
                WHERE e.ticket_id = t.id AND e.kind = 'reopened'
                  AND e.created_at > c.resolved_at
                  AND e.created_at <= c.resolved_at + %(window)s
            )
        ) AS reopened
) base
LEFT JOIN LATERAL (
    -- Human response time samples: each agent message that directly follows a customer
    -- message (counting only customer and agent messages from the handoff on), measured from
    -- the first customer message of that unanswered run.
    SELECT array_agg(extract(epoch FROM r.created_at - r.run_started)::float8 ORDER BY r.seq)
               FILTER (WHERE r.author_kind = 'agent' AND r.previous_kind = 'customer') AS samples
    FROM (
        SELECT s.seq, s.author_kind, s.created_at, s.previous_kind,
               max(s.created_at) FILTER (
                   WHERE s.author_kind = 'customer' AND s.previous_kind IS DISTINCT FROM 'customer'
               ) OVER (ORDER BY s.seq) AS run_started
        FROM (
            SELECT m.seq, m.author_kind, m.created_at,
                   lag(m.author_kind) OVER (ORDER BY m.seq) AS previous_kind
            FROM chat_message m
            WHERE m.conversation_id = c.id AND c.handoff_at IS NOT NULL
              AND m.author_kind IN ('customer', 'agent') AND m.created_at >= c.handoff_at
        ) s
    ) r
) waits ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS n FROM tickets_ticketevent e
    WHERE e.ticket_id = t.id AND e.kind = 'sla_breach'
) breaches ON t.id IS NOT NULL
LEFT JOIN LATERAL (
    SELECT count(*) AS n,
           sum(mc.input_tokens + mc.output_tokens) AS tokens,
           sum(mc.cost) FILTER (WHERE mc.currency = %(currency)s) AS cost
    FROM chat_modelcall mc WHERE mc.conversation_id = c.id
) calls ON true
LEFT JOIN LATERAL (
    SELECT mc.provider || '/' || mc.model AS model
    FROM chat_modelcall mc
    WHERE mc.conversation_id = c.id AND mc.purpose = 'reply' AND mc.outcome = 'ok'
    ORDER BY mc.created_at, mc.id LIMIT 1
) first_reply ON true
WHERE {where}
"""


def fact_params(**extra: Any) -> dict[str, Any]:
    return {
        "window": timedelta(hours=settings.ANALYTICS_REOPEN_WINDOW_HOURS),
        "currency": settings.ANALYTICS_CURRENCY,
        **extra,
    }


def facts_sql(where: str) -> str:
    return FACTS_SELECT.format(where=where)
