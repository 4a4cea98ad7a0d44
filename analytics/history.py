"""Realistic history, generated in SQL: a million conversations take a few minutes, not hours.

The shape follows a small online shop's support: volume grows over the period and peaks in
business hours; three inboxes of different sizes; six languages; about a quarter of
conversations go to a human (for the reasons the product records), agents answer in minutes and
resolve in hours (some across midnight or over days); a third of resolved conversations are
rated; some customers come back within the reopen window; one in five came by e-mail. The
busiest inbox splits new conversations between two model routes for the last 120 days, the
second route on a cheaper model that hands off a little more often, so the model comparison has
something to find.

Every row is written with INSERT ... SELECT from temporary tables; random() is seeded, and
parallel query is off for the session, so a seed gives the same history every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from assistant.chat.models import Contact, Conversation, Inbox, Message
from assistant.usage.models import ModelCall
from tickets.models import AgentProfile, Role, Team, Ticket, TicketEvent

KEY_PREFIX = "pk_history_"
INBOXES = (("Northwind Cycles", 0.6), ("Northwind Outdoor", 0.3), ("Northwind Pro", 0.1))
AGENTS_PER_TEAM = 4
REASONS = (
    ("customer_request", 0.40),
    ("dont_know", 0.22),
    ("sentiment", 0.12),
    ("keyword", 0.08),
    ("repetition", 0.06),
    ("token_budget", 0.04),
    ("model_error", 0.04),
    ("vip", 0.04),
)
# Conversations that came by e-mail (with a subject) rather than the website chat.
EMAIL_SHARE = 0.2
LANGUAGES = (("en", 0.55), ("de", 0.15), ("es", 0.10), ("zh-hans", 0.10), ("fr", 0.05),
             ("ja", 0.05))  # fmt: skip
TOPICS = (("order status", 0.22), ("returns", 0.15), ("shipping", 0.14), ("billing", 0.10),
          ("warranty", 0.08), ("sizing", 0.08), ("repairs", 0.07), ("account", 0.06),
          ("product question", 0.06), ("", 0.04))  # fmt: skip


@dataclass(frozen=True)
class Generated:
    conversations: int
    messages: int
    model_calls: int
    tickets: int
    reused: bool


def _pick(options: tuple[tuple[str, float], ...], variable: str) -> str:
    """A CASE expression choosing among weighted options by a uniform variable in [0, 1)."""
    cumulative, parts = 0.0, []
    for value, weight in options[:-1]:
        cumulative += weight
        parts.append(f"WHEN {variable} < {cumulative:.6f} THEN '{value}'")
    return f"(CASE {' '.join(parts)} ELSE '{options[-1][0]}' END)"


def existing_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM chat_conversation c JOIN chat_inbox i ON i.id = c.inbox_id "
            "WHERE i.public_key LIKE %s",
            [KEY_PREFIX + "%"],
        )
        return int(cursor.fetchone()[0])


def delete_history() -> None:
    """Remove earlier generated history (only rows of the generated inboxes), in bulk SQL."""
    inboxes = "(SELECT id FROM chat_inbox WHERE public_key LIKE %(prefix)s)"
    statements = [
        "DELETE FROM tickets_ticketevent WHERE ticket_id IN "
        f"(SELECT id FROM tickets_ticket WHERE inbox_id IN {inboxes})",
        f"DELETE FROM tickets_ticket WHERE inbox_id IN {inboxes}",
        f"DELETE FROM chat_modelcall WHERE inbox_id IN {inboxes}",
        "DELETE FROM chat_message WHERE conversation_id IN "
        f"(SELECT id FROM chat_conversation WHERE inbox_id IN {inboxes})",
        f"DELETE FROM chat_conversation WHERE inbox_id IN {inboxes}",
        f"DELETE FROM chat_contact WHERE inbox_id IN {inboxes}",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, {"prefix": KEY_PREFIX + "%"})


def _setup_people() -> tuple[list[int], dict[int, int], dict[int, list[int]]]:
    """Inboxes, one team per inbox and four agents per team (idempotent)."""
    inbox_ids, team_of, agents_of = [], {}, {}
    users = get_user_model()
    for number, (name, _weight) in enumerate(INBOXES, start=1):
        inbox, _created = Inbox.objects.get_or_create(
            public_key=f"{KEY_PREFIX}{number}", defaults={"name": name}
        )
        team, _created = Team.objects.get_or_create(name=f"{name} support")
        team.inboxes.add(inbox)
        members = []
        for a in range(1, AGENTS_PER_TEAM + 1):
            username = f"history-{number}-{a}"
            user = users.objects.filter(username=username).first()
            if user is None:
                user = users(username=username, first_name=f"Agent {number}.{a}")
                user.set_unusable_password()
                user.save()
                AgentProfile.objects.create(user=user, role=Role.AGENT)
            team.members.add(user)
            members.append(user.pk)
        inbox_ids.append(inbox.pk)
        team_of[inbox.pk] = team.pk
        agents_of[inbox.pk] = members
    return inbox_ids, team_of, agents_of


def _insert(cursor: Any, model: type[Model], columns: str, select: str,
            params: dict[str, Any] | None = None) -> int:  # fmt: skip
    """INSERT the rows of `select` (which yields `columns`, in order). Columns this generator
    does not know (added by later features) get their field's default, so it keeps working as
    the models grow."""
    named = {name.strip() for name in columns.split(",")}
    extra_cols, extra_values, all_params = [], [], dict(params or {})
    for f in model._meta.concrete_fields:
        if f.column in named or f.null or f.primary_key:
            continue
        extra_cols.append(f.column)
        extra_values.append(f"%(x_{f.column})s")
        all_params[f"x_{f.column}"] = f.get_db_prep_save(f.get_default(), connection)
    cols = ", ".join([columns, *extra_cols])
    values = ", ".join(["s.*", *extra_values])
    sql = f"INSERT INTO {model._meta.db_table} ({cols}) SELECT {values} FROM ({select}) s"
    cursor.execute(sql, all_params)
    return cursor.rowcount


# Standard normal from two uniforms (Box-Muller); lognormal durations use it.
NORMAL = "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"


def generate(*, conversations: int, days: int = 730, seed: float = 0.42,
             now: datetime | None = None) -> Generated:  # fmt: skip
    if existing_count() == conversations:
        return Generated(conversations, 0, 0, 0, reused=True)
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=days)
    with transaction.atomic():
        delete_history()
        inbox_ids, team_of, agents_of = _setup_people()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SELECT setseed(%s)", [seed])
            _specs(cursor, conversations, start, days, inbox_ids, team_of, agents_of)
            counts = _write(cursor, now)
    return Generated(conversations, counts[0], counts[1], counts[2], reused=False)


def _specs(cursor, n: int, start: datetime, days: int, inbox_ids: list[int],
           team_of: dict[int, int], agents_of: dict[int, list[int]]) -> None:  # fmt: skip
    inbox_case = _pick(
        tuple((str(i), w) for i, (_name, w) in zip(inbox_ids, INBOXES, strict=True)), "u_inbox"
    )
    team_case = "(CASE inbox_id " + " ".join(f"WHEN {i} THEN {t}" for i, t in team_of.items())
    team_case += " END)"
    agent_case = (
        "(CASE inbox_id "
        + " ".join(
            f"WHEN {i} THEN (ARRAY{agents}::int[])[1 + floor(u_agent * {len(agents)})::int]"
            for i, agents in agents_of.items()
        )
        + " END)"
    )
    split_from = f"'{(start + timedelta(days=days - 120)).isoformat()}'::timestamptz"
    cursor.execute("DROP TABLE IF EXISTS gen_times")
    # Times first: growth over the period (density rising linearly, sqrt of a uniform), 75 % in
    # business hours (08-20 UTC), the rest any time.
    cursor.execute(
        """
        CREATE TEMP TABLE gen_times ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY t) AS n, t AS created_at FROM (
            SELECT date_trunc('day', %(start)s::timestamptz
                       + sqrt(random()) * %(days)s * interval '1 day')
                   + CASE WHEN random() < 0.75 THEN interval '8 hours' + random() * interval '12 hours'
                          ELSE random() * interval '24 hours' END AS t
            FROM generate_series(1, %(n)s)
        ) x
        """,  # noqa: E501
        {"start": start, "days": days - 1, "n": n},
    )
    cursor.execute("DROP TABLE IF EXISTS gen")
    # One conversation in ten is a customer coming back: the contact of one of the few hundred
    # conversations before it (hours earlier), so some resolutions are reopened. Only first-time
    # conversations (n not a multiple of 5, after the shift below) are referred to.
    cursor.execute(
        f"""
        CREATE TEMP TABLE gen ON COMMIT DROP AS
        WITH base AS (
            SELECT n, created_at,
                   CASE WHEN mod(n, 5) = 0 AND n > 400 AND random() < 0.5
                        THEN n - 1 - floor(random() * 300)::bigint ELSE n END AS ref_n,
                   random() AS u_inbox
            FROM gen_times
        ),
        placed AS (
            -- A returning customer is the contact of an earlier first-time conversation.
            SELECT b.n, b.created_at,
                   CASE WHEN mod(b.ref_n, 5) = 0 AND b.ref_n <> b.n THEN b.ref_n - 1 ELSE b.ref_n END
                       AS contact_n,
                   b.u_inbox
            FROM base b
        ),
        inboxed AS (
            SELECT p.n, p.created_at, p.contact_n,
                   {inbox_case.replace("u_inbox", "o.u_inbox")}::int AS inbox_id
            FROM placed p JOIN base o ON o.n = p.contact_n
        ),
        drawn AS (
            SELECT p.*, gen_random_uuid() AS id, random() AS u_lang, random() AS u_topic,
                   random() AS u_route, random() AS u_human, random() AS u_reason,
                   random() AS u_agent, random() AS u_resolved, random() AS u_rated,
                   random() AS u_score, random() AS u_more, random() AS u_sla, random() AS u_err,
                   random() AS u_reopen, random() AS u_channel,
                   {NORMAL} AS z1, {NORMAL} AS z2, {NORMAL} AS z3, {NORMAL} AS z4
            FROM inboxed p
        ),
        routed AS (
            SELECT d.*,
                   CASE WHEN d.inbox_id = {inbox_ids[0]} AND d.created_at >= {split_from}
                             AND d.u_route < 0.5 THEN 'reply-lite' ELSE 'reply' END AS route
            FROM drawn d
        )
        SELECT r.*,
               {_pick(LANGUAGES, "r.u_lang")} AS language,
               {_pick(TOPICS, "r.u_topic")} AS topic,
               r.u_human < CASE WHEN r.route = 'reply-lite' THEN 0.30 ELSE 0.25 END AS human,
               {_pick(REASONS, "r.u_reason")} AS reason,
               {team_case.replace("inbox_id", "r.inbox_id")} AS team_id,
               {agent_case.replace("inbox_id", "r.inbox_id").replace("u_agent", "r.u_agent")}
                   AS agent_id,
               r.u_resolved < 0.93 AS resolved,
               -- assistant's first answer: ~2.5 s (flash) or ~3.5 s (plus), lognormal
               exp(ln(CASE WHEN r.route = 'reply-lite' THEN 2.5 ELSE 3.5 END) + 0.35 * r.z1)
                   AS frt_a,
               30 + exp(ln(90) + 0.8 * r.z2) AS handoff_after,
               exp(ln(180) + 0.9 * r.z3) AS frt_h,
               exp(ln(CASE WHEN r.u_human < 0.3 THEN 2400 ELSE 420 END) + 1.0 * r.z4)
                   AS resolve_after
        FROM routed r
        """,  # noqa: E501
    )
    cursor.execute("CREATE INDEX ON gen (n)")
    cursor.execute("ANALYZE gen")


def _write(cursor, now: datetime) -> tuple[int, int, int]:
    _insert(
        cursor,
        Contact,
        "id, inbox_id, name, email, language, is_vip, created_at, last_seen_at",
        """
        SELECT md5('contact' || g.contact_n)::uuid, g.inbox_id,
               'Customer ' || g.contact_n, '', g.language, false, g.created_at, g.created_at
        FROM gen g WHERE g.contact_n = g.n
        """,
    )
    # Timeline of each conversation, in seconds from its start.
    cursor.execute(
        """
        CREATE TEMP TABLE gen_t ON COMMIT DROP AS
        SELECT g.*, md5('contact' || g.contact_n)::uuid AS contact_id,
               g.created_at + g.frt_a * interval '1 second' AS assistant_at,
               CASE WHEN g.human THEN g.created_at + (g.frt_a + g.handoff_after)
                    * interval '1 second' END AS handoff_at,
               CASE WHEN g.human THEN g.created_at + (g.frt_a + g.handoff_after + g.frt_h)
                    * interval '1 second' END AS agent_at,
               CASE WHEN g.human THEN g.u_more < 0.5 ELSE g.u_more < 0.4 END AS more,
               CASE WHEN g.human THEN exp(ln(90) + 0.7 * g.z1) ELSE 3 END AS reply2_s
        FROM gen g
        """
    )
    cursor.execute(
        """
        CREATE TEMP TABLE gen_c ON COMMIT DROP AS
        SELECT t.*,
               CASE WHEN t.resolved THEN
                   greatest(coalesce(t.agent_at, t.assistant_at)
                                + (70 + t.reply2_s) * interval '1 second',
                            t.created_at + t.resolve_after * interval '1 second')
               END AS resolved_at,
               CASE WHEN t.resolved AND t.u_rated < 0.35 THEN
                   CASE WHEN t.human THEN
                       CASE WHEN t.u_score < 0.05 THEN 1 WHEN t.u_score < 0.10 THEN 2
                            WHEN t.u_score < 0.20 THEN 3 WHEN t.u_score < 0.45 THEN 4 ELSE 5 END
                   WHEN t.route = 'reply-lite' THEN
                       CASE WHEN t.u_score < 0.11 THEN 1 WHEN t.u_score < 0.20 THEN 2
                            WHEN t.u_score < 0.33 THEN 3 WHEN t.u_score < 0.58 THEN 4 ELSE 5 END
                   ELSE
                       CASE WHEN t.u_score < 0.09 THEN 1 WHEN t.u_score < 0.17 THEN 2
                            WHEN t.u_score < 0.29 THEN 3 WHEN t.u_score < 0.55 THEN 4 ELSE 5 END
                   END
               END AS csat
        FROM gen_t t
        """
    )
    # Not yet resolved at the end of the history.
    cursor.execute(
        "UPDATE gen_c SET resolved = false, resolved_at = NULL, csat = NULL WHERE resolved_at > %s",
        [now],
    )
    _insert(
        cursor,
        Conversation,
        "id, inbox_id, contact_id, state, language, model_route, last_seq, tokens_used, "
        "assigned_agent_id, handoff_reason, dont_know_streak, summary, topic, csat_score, "
        "csat_comment, created_at, updated_at, first_response_at, first_human_response_at, "
        "handoff_at, resolved_at, channel, subject",
        """
        SELECT c.id, c.inbox_id, c.contact_id,
               CASE WHEN c.resolved THEN 'resolved' WHEN c.human THEN 'agent' ELSE 'bot' END,
               c.language, c.route,
               CASE WHEN c.human THEN 3 ELSE 2 END + CASE WHEN c.more THEN 2 ELSE 0 END,
               0, CASE WHEN c.human THEN c.agent_id END,
               CASE WHEN c.human THEN c.reason ELSE '' END, 0, '', c.topic, c.csat, '',
               c.created_at, coalesce(c.resolved_at, c.agent_at, c.assistant_at),
               c.assistant_at, c.agent_at, c.handoff_at, c.resolved_at,
               CASE WHEN c.u_channel < %(email_share)s THEN 'email' ELSE 'chat' END,
               CASE WHEN c.u_channel < %(email_share)s
                    THEN 'Question about ' || coalesce(nullif(c.topic, ''), 'my order') ELSE '' END
        FROM gen_c c
        """,
        {"email_share": EMAIL_SHARE},
    )
    # Messages: customer, assistant, maybe another exchange; for human conversations the agent
    # answers after the handoff, and maybe once more.
    messages = _insert(
        cursor,
        Message,
        "conversation_id, seq, author_kind, author_name, text, citations, created_at, "
        "author_user_id",
        """
        SELECT c.id, m.seq, m.kind, '', m.text, '[]'::jsonb, m.at,
               CASE WHEN m.kind = 'agent' THEN c.agent_id END
        FROM gen_c c
        CROSS JOIN LATERAL (VALUES
            (1, 'customer', 'Where is my order?', c.created_at),
            (2, 'assistant', 'Your order ships within two days.', c.assistant_at),
            (3, CASE WHEN c.human THEN 'agent' END, 'Hi, I am looking into it.', c.agent_at),
            (CASE WHEN c.human THEN 4 ELSE 3 END, CASE WHEN c.more THEN 'customer' END,
             'Thanks, one more question.',
             coalesce(c.agent_at, c.assistant_at) + interval '40 seconds'),
            (CASE WHEN c.human THEN 5 ELSE 4 END, CASE WHEN c.more THEN
                 CASE WHEN c.human THEN 'agent' ELSE 'assistant' END END,
             'Here is the answer.',
             coalesce(c.agent_at, c.assistant_at) + interval '40 seconds'
                 + c.reply2_s * interval '1 second')
        ) AS m(seq, kind, text, at)
        WHERE m.kind IS NOT NULL
        """,
    )
    # Model calls: one per assistant message (replies), a classification per conversation and a
    # summary per handoff. 2 % of replies fail over to the fallback provider.
    calls = _insert(
        cursor,
        ModelCall,
        "inbox_id, conversation_id, purpose, provider, model, hosting, jurisdiction, region, "
        "input_tokens, output_tokens, cached_input_tokens, cost, currency, "
        "time_to_first_token_ms, duration_ms, outcome, fallback_used, error_kind, created_at",
        """
        SELECT c.inbox_id, c.id, k.purpose, k.provider, k.model, 'external', '', 'intl',
               k.input_tokens, k.output_tokens, 0,
               round((k.input_tokens * k.in_price + k.output_tokens * k.out_price) / 1e6, 8),
               'USD', k.ttft, k.ttft + k.output_tokens * 12, k.outcome, k.fallback, '', k.at
        FROM gen_c c
        CROSS JOIN LATERAL (
            SELECT x.*, (1800 + 900 * c.z2)::int AS input_tokens_raw FROM (VALUES (1), (2)) v(i)
            CROSS JOIN LATERAL (SELECT
                CASE WHEN c.u_err < 0.02 THEN 'openai' ELSE 'qwen' END AS provider,
                CASE WHEN c.u_err < 0.02 THEN 'gpt-4o-mini'
                     WHEN c.route = 'reply-lite' THEN 'qwen-flash' ELSE 'qwen-plus' END AS model,
                'reply' AS purpose,
                CASE WHEN c.u_err < 0.02 THEN 0.15 WHEN c.route = 'reply-lite' THEN 0.05
                     ELSE 0.40 END AS in_price,
                CASE WHEN c.u_err < 0.02 THEN 0.60 WHEN c.route = 'reply-lite' THEN 0.40
                     ELSE 1.20 END AS out_price,
                exp(ln(CASE WHEN c.route = 'reply-lite' THEN 380 ELSE 620 END) + 0.4 * c.z3)
                    AS ttft,
                'ok' AS outcome, c.u_err < 0.02 AS fallback,
                CASE WHEN v.i = 1 THEN c.assistant_at
                     ELSE coalesce(c.agent_at, c.assistant_at) + interval '42 seconds' END AS at
            ) x
            WHERE v.i = 1 OR (c.more AND NOT c.human)
        ) r0
        CROSS JOIN LATERAL (VALUES
            (r0.purpose, r0.provider, r0.model, greatest(400, r0.input_tokens_raw),
             120 + (80 * abs(c.z4))::int, r0.in_price, r0.out_price, r0.ttft, r0.outcome,
             r0.fallback, r0.at)
        ) k(purpose, provider, model, input_tokens, output_tokens, in_price, out_price, ttft,
            outcome, fallback, at)
        UNION ALL
        SELECT c.inbox_id, c.id, 'classification', 'qwen', 'qwen-flash', 'external', '', 'intl',
               350, 8, 0, round((350 * 0.05 + 8 * 0.40) / 1e6, 8), 'USD', NULL,
               exp(ln(300) + 0.3 * c.z1), CASE WHEN c.u_err > 0.995 THEN 'error' ELSE 'ok' END,
               false, '', c.assistant_at + interval '2 seconds'
        FROM gen_c c
        UNION ALL
        SELECT c.inbox_id, c.id, 'summary', 'qwen', 'qwen-flash', 'external', '', 'intl',
               1200, 150, 0, round((1200 * 0.05 + 150 * 0.40) / 1e6, 8), 'USD', NULL,
               exp(ln(900) + 0.3 * c.z2), 'ok', false, '', c.handoff_at + interval '3 seconds'
        FROM gen_c c WHERE c.human
        """,
    )
    tickets = _insert(
        cursor,
        Ticket,
        "inbox_id, contact_id, conversation_id, subject, status, priority, channel, assignee_id, "
        "team_id, tags, summary, handoff_reason, created_at, updated_at, solved_at",
        """
        SELECT c.inbox_id, c.contact_id, c.id, 'Where is my order?',
               CASE WHEN c.resolved THEN 'solved' ELSE 'open' END, 2, 'chat', c.agent_id,
               c.team_id, '{}'::varchar[], '', c.reason, c.handoff_at,
               coalesce(c.resolved_at, c.agent_at), c.resolved_at
        FROM gen_c c WHERE c.human
        """,
    )
    _insert(
        cursor,
        TicketEvent,
        "ticket_id, kind, before, after, created_at",
        """
        SELECT t.id, e.kind, NULL::jsonb, NULL::jsonb, e.at
        FROM tickets_ticket t JOIN gen_c c ON c.id = t.conversation_id
        CROSS JOIN LATERAL (VALUES
            ('created', c.handoff_at),
            ('assigned', c.handoff_at + interval '1 second'),
            (CASE WHEN c.u_sla < 0.08 THEN 'sla_breach' END, c.handoff_at + interval '1 hour'),
            (CASE WHEN c.resolved THEN 'solved' END, c.resolved_at),
            (CASE WHEN c.resolved AND c.u_reopen < 0.03 THEN 'reopened' END,
             c.resolved_at + interval '20 hours')
        ) AS e(kind, at)
        WHERE e.kind IS NOT NULL AND e.at <= %(now)s
        """,
        {"now": now},
    )
    return messages, calls, tickets
