"""What a rollup row sums, written once as SQL over fact rows (alias `f`).

The refresh evaluates these expressions over stored facts to build rollup rows; the raw
computation evaluates the same expressions over facts computed from the raw tables. Reading a
rollup then only adds the stored columns up (`sum(column)`), and sparse counts are merged key by
key, so the two paths can only differ if the rollup machinery loses or double-counts a row.
"""

from __future__ import annotations

CSAT_SCORES = (1, 2, 3, 4, 5)

CONVERSATION_SUMS: tuple[tuple[str, str], ...] = (
    ("conversations", "count(*)"),
    ("resolved", "count(*) FILTER (WHERE f.resolved)"),
    ("handed_off", "count(*) FILTER (WHERE f.handed_off)"),
    ("human", "count(*) FILTER (WHERE f.human)"),
    ("automated", "count(*) FILTER (WHERE f.automated)"),
    ("reopened", "count(*) FILTER (WHERE f.reopened)"),
    ("resolved_human", "count(*) FILTER (WHERE f.resolved AND f.human)"),
    ("sla_breaches", "coalesce(sum(f.sla_breaches), 0)"),
    ("model_calls", "coalesce(sum(f.model_calls), 0)"),
    ("tokens", "coalesce(sum(f.tokens), 0)"),
    ("cost", "coalesce(sum(f.cost), 0)"),
    ("cost_human", "coalesce(sum(f.cost) FILTER (WHERE f.human), 0)"),
    ("cost_sq", "coalesce(sum(f.cost::float8 * f.cost::float8), 0)"),
    *(
        (f"csat_a{score}", f"count(*) FILTER (WHERE NOT f.human AND f.csat = {score})")
        for score in CSAT_SCORES
    ),
    *(
        (f"csat_h{score}", f"count(*) FILTER (WHERE f.human AND f.csat = {score})")
        for score in CSAT_SCORES
    ),
)

# Sparse counts: (metric, key) pairs that one fact row contributes. Durations count in seconds
# buckets (analytics/buckets.py); handoff reasons count by reason.
CONVERSATION_SPARSE = """
    SELECT 'frt_a' AS metric, analytics_bucket(f.frt_assistant_s)::text AS k
        WHERE f.frt_assistant_s IS NOT NULL
    UNION ALL SELECT 'frt_h', analytics_bucket(f.frt_human_s)::text
        WHERE f.frt_human_s IS NOT NULL
    UNION ALL SELECT 'resolution', analytics_bucket(f.resolution_s)::text
        WHERE f.resolution_s IS NOT NULL
    UNION ALL SELECT 'reply_h', analytics_bucket(u.s)::text FROM unnest(f.human_reply_s) AS u(s)
    UNION ALL SELECT 'reason', f.handoff_reason WHERE f.handed_off
"""
CONVERSATION_SPARSE_METRICS = ("frt_a", "frt_h", "resolution", "reply_h", "reason")

CALL_SUMS: tuple[tuple[str, str], ...] = (
    ("calls", "count(*)"),
    ("errors", "count(*) FILTER (WHERE f.outcome = 'error')"),
    ("fallbacks", "count(*) FILTER (WHERE f.fallback_used)"),
    ("input_tokens", "coalesce(sum(f.input_tokens), 0)"),
    ("output_tokens", "coalesce(sum(f.output_tokens), 0)"),
    ("cost", "coalesce(sum(f.cost), 0)"),
    ("unpriced", "count(*) FILTER (WHERE f.cost IS NULL)"),
    ("duration_ms", "coalesce(sum(f.duration_ms), 0)"),
)

CALL_SPARSE = """
    SELECT 'ttft' AS metric, analytics_bucket(f.time_to_first_token_ms)::text AS k
        WHERE f.time_to_first_token_ms IS NOT NULL
"""
CALL_SPARSE_METRICS = ("ttft",)

# Model calls as rows `f`, from the raw tables; {where} restricts `mc`.
CALLS_SELECT = """
SELECT mc.created_at, mc.inbox_id, c.channel, coalesce(c.model_route, '') AS route,
       mc.provider, mc.model, mc.purpose, mc.currency, mc.outcome, mc.fallback_used,
       mc.input_tokens, mc.output_tokens, mc.cost, mc.duration_ms, mc.time_to_first_token_ms
FROM chat_modelcall mc
LEFT JOIN chat_conversation c ON c.id = mc.conversation_id
WHERE {where}
"""
