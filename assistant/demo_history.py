"""A realistic 90-day history for the demo company, so that every analytics chart and the
knowledge-gaps page has something to show on the first `make run`.

About 3,000 conversations over 90 days: more on weekdays than at weekends, peaking late in the
morning and again in the evening (Amsterdam time), growing slowly over the period; two inboxes
(the website and the German shop) and five languages; questions the help articles answer (the
answer cites the article) and questions they do not (flagged unanswered, some handed off for
it); hand-offs for the reasons the product records, agents answering in minutes during business
hours and the next morning outside them; ratings, resolutions, tickets, and a model call with
tokens, cost and latency for every answer, classification and summary. About one conversation
in five came by e-mail (assistant/demo_mail.py), with a subject, and is answered in one piece
after tens of seconds rather than streamed within a few, as the e-mail assistant does.

Every contact of the history is marked `is_demo`, so `remove_history` deletes exactly the
history (its conversations, messages, model calls and tickets hang off those contacts) and never
a conversation someone had with the demo. Rows are written with bulk_create, then their
timestamps set with bulk_update (creation times are stamped "now" on insert); a seeded random
generator makes the same history on every machine.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from assistant.chat.models import Contact, Conversation, Inbox, Message
from assistant.demo import DEMO_INBOX_KEY, DEMO_TIME_ZONE
from assistant.demo_mail import EMAIL_SHARE, email_address, email_subject
from assistant.demo_texts import AGENT_REPLIES, ANSWERED, DONT_KNOW, GAPS, THANKS, Answered, Gap
from assistant.knowledge.models import Article
from assistant.llm.pricing import PriceTable
from assistant.llm.types import Usage
from assistant.usage.models import ModelCall
from tickets.models import Team, Ticket, TicketEvent

DAYS = 90
CONVERSATIONS = 3000
SEED = 20261206
SECOND_INBOX_KEY = "pk_demo_northwind_de"
AGENT_USERNAMES = (("agent", 0.45), ("agent2", 0.40), ("manager", 0.15))
WEEKDAY_WEIGHT = (1.15, 1.10, 1.05, 1.0, 0.95, 0.70, 0.55)  # Monday first
# Share of a day's conversations per hour, Amsterdam time: quiet at night, a late-morning
# peak, a dip at lunch, a second smaller peak after work.
HOUR_WEIGHT = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 4.0, 5.0, 5.2, 4.2, 4.5, 4.6,
               4.3, 3.8, 3.2, 3.0, 3.4, 3.6, 2.8, 1.6, 0.7)  # fmt: skip
LANGUAGE_WEIGHT = {"en": 0.68, "nl": 0.12, "de": 0.10, "fr": 0.05, "es": 0.05}
GAP_SHARE = 0.12  # questions the help articles do not answer
HANDOFF_REASONS = (
    ("customer_request", 0.55),
    ("sentiment", 0.15),
    ("keyword", 0.15),
    ("vip", 0.15),
)
LITE_SHARE = 0.3  # conversations on the cheaper model (the model comparison)


@dataclass(frozen=True)
class HistorySummary:
    conversations: int
    messages: int
    model_calls: int
    tickets: int
    created: bool


@dataclass
class _Rows:
    """Everything one generation writes, with the timestamps to set after the insert."""

    contacts: list[Contact] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    calls: list[ModelCall] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    events: list[tuple[int, str, datetime, int | None]] = field(default_factory=list)


def has_history() -> bool:
    return Contact.objects.filter(is_demo=True).exists()


def generate_history(
    *, conversations: int = CONVERSATIONS, days: int = DAYS, now: datetime | None = None
) -> HistorySummary:
    """Write the demo history unless it is there already (idempotent). Needs the demo data
    (`assistant.demo.load_demo_data`): its inbox, team, agents and articles."""
    if has_history():
        return HistorySummary(0, 0, 0, 0, created=False)
    now = now or timezone.now()
    rows = _Rows()
    generator = _Generator(random.Random(SEED), now, days)
    with transaction.atomic():
        for created_at in generator.arrival_times(conversations):
            generator.conversation(rows, created_at)
        _write(rows)
    return HistorySummary(
        len(rows.conversations), len(rows.messages), len(rows.calls), len(rows.tickets), True
    )


@transaction.atomic
def remove_history() -> int:
    """Delete the demo history and nothing else; returns how many conversations went."""
    ModelCall.objects.filter(conversation__contact__is_demo=True).delete()
    TicketEvent.objects.filter(ticket__contact__is_demo=True).delete()
    Ticket.objects.filter(contact__is_demo=True).delete()
    Message.objects.filter(conversation__contact__is_demo=True).delete()
    removed = (
        Conversation.objects.filter(contact__is_demo=True)
        .delete()[1]
        .get(Conversation._meta.label, 0)
    )
    Contact.objects.filter(is_demo=True).delete()
    # The German shop's inbox exists only for the history; kept if anything real uses it.
    Inbox.objects.filter(public_key=SECOND_INBOX_KEY, contacts__isnull=True).delete()
    return removed


class _Generator:
    def __init__(self, rng: random.Random, now: datetime, days: int) -> None:
        self.rng = rng
        self.now = now
        self.days = days
        self.zone = ZoneInfo(DEMO_TIME_ZONE)
        users = get_user_model().objects.filter(username__in=[u for u, _w in AGENT_USERNAMES])
        by_name = {u.username: u for u in users}
        self.agents = [(by_name[u], w) for u, w in AGENT_USERNAMES if u in by_name]
        if not self.agents:
            raise ValueError("load the demo data first (manage.py seed_demo)")
        self.web = Inbox.objects.get(public_key=DEMO_INBOX_KEY)
        self.shop, _ = Inbox.objects.get_or_create(
            public_key=SECOND_INBOX_KEY,
            defaults={"name": "Northwind Cycles Deutschland", "default_language": "de"},
        )
        self.team = Team.objects.filter(inboxes=self.web).first()
        if self.team is not None:
            self.team.inboxes.add(self.shop)
        self.urls = {a.slug: (a.title, a.public_url) for a in Article.objects.all()}
        self.prices = PriceTable.load()

    # -- when -------------------------------------------------------------------------------

    def arrival_times(self, total: int) -> list[datetime]:
        """`total` start times over the period, by weekday, hour of the day and slow growth."""
        today = timezone.localtime(self.now, self.zone).date()
        days = [today - timedelta(days=n) for n in range(self.days - 1, -1, -1)]
        weights = [
            WEEKDAY_WEIGHT[day.weekday()] * (0.8 + 0.4 * i / max(len(days) - 1, 1))
            for i, day in enumerate(days)
        ]
        scale = total / sum(weights)
        times = []
        for day, weight in zip(days, weights, strict=True):
            for _ in range(self._poisson(weight * scale)):
                moment = self._moment(day)
                if moment < self.now:
                    times.append(moment)
        return sorted(times)

    def _poisson(self, mean: float) -> int:
        # A normal approximation is close enough for daily means of 20-50.
        return max(0, round(self.rng.gauss(mean, mean**0.5)))

    def _moment(self, day: date) -> datetime:
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHT)[0]
        local = datetime(day.year, day.month, day.day, hour, tzinfo=self.zone)
        return local + timedelta(seconds=self.rng.uniform(0, 3600))

    def _after(self, moment: datetime, median_seconds: float, spread: float = 0.6) -> datetime:
        return moment + timedelta(seconds=self.rng.lognormvariate(0, spread) * median_seconds)

    def _next_business_moment(self, moment: datetime) -> datetime:
        """An agent's reply: within minutes in business hours, else the next morning."""
        local = timezone.localtime(moment, self.zone)
        if local.weekday() < 6 and 9 <= local.hour < 17:
            return self._after(moment, 240, 0.8)
        start = local.replace(hour=9, minute=0, second=0, microsecond=0)
        if local.hour >= 9:
            start += timedelta(days=1)
        if start.weekday() == 6:
            start += timedelta(days=1)
        return self._after(start, 1500, 0.7)

    # -- what -------------------------------------------------------------------------------

    def conversation(self, rows: _Rows, created_at: datetime) -> None:
        rng = self.rng
        language = rng.choices(list(LANGUAGE_WEIGHT), weights=list(LANGUAGE_WEIGHT.values()))[0]
        inbox = self.shop if language == "de" and rng.random() < 0.7 else self.web
        unanswered = rng.random() < GAP_SHARE
        pick: Answered | Gap = rng.choice(
            _in_language(GAPS if unanswered else ANSWERED, language)
            or _in_language(GAPS if unanswered else ANSWERED, "en")
        )
        language = pick.language
        by_mail = rng.random() < EMAIL_SHARE
        name = _customer_name(rng)
        contact = Contact(
            id=uuid.uuid4(),
            inbox=inbox,
            name=name,
            email=email_address(rng, name) if by_mail else "",
            language=language,
            is_demo=True,
        )
        contact.created_at = contact.last_seen_at = created_at
        lite = inbox == self.web and rng.random() < LITE_SHARE
        conversation = Conversation(
            id=uuid.uuid4(),
            inbox=inbox,
            contact=contact,
            language=language,
            model_route="reply-lite" if lite else "reply",
            topic=pick.topic,
            channel=Conversation.Channel.EMAIL if by_mail else Conversation.Channel.CHAT,
            subject=email_subject(rng, pick.topic, language) if by_mail else "",
        )
        conversation.created_at = created_at
        thread = _Thread(conversation, rows)
        thread.say(Message.Author.CUSTOMER, pick.question, created_at)
        # A mail is fetched, then answered in one piece by a worker: tens of seconds, not a
        # streamed first token.
        first_answer = 25.0 if by_mail else 2.6 if lite else 3.4
        answered_at = self._after(created_at, first_answer, 0.35)
        if isinstance(pick, Answered):
            title, url = self.urls.get(pick.slug, (pick.slug, ""))
            cites = [{"title": title, "url": url}] if url else []
            thread.say(Message.Author.ASSISTANT, pick.answer, answered_at, citations=cites)
        else:
            thread.say(Message.Author.ASSISTANT, DONT_KNOW[language], answered_at, unanswered=True)
        self._call(rows, conversation, "reply", answered_at, lite)
        self._call(rows, conversation, "classification", answered_at, True)
        conversation.first_response_at = answered_at
        last = answered_at
        handoff_reason = ""
        if unanswered and rng.random() < 0.55:
            handoff_reason = "dont_know"
        elif not unanswered and rng.random() < (0.14 if lite else 0.11):
            handoff_reason = rng.choices(*zip(*HANDOFF_REASONS, strict=True))[0]
        if not handoff_reason and rng.random() < 0.35:
            last = self._after(last, 60)
            thread.say(Message.Author.CUSTOMER, THANKS[language], last)
        agent = None
        if handoff_reason:
            conversation.handoff_reason = handoff_reason
            conversation.handoff_at = self._after(last, 40)
            agent = rng.choices(*zip(*self.agents, strict=True))[0]
            self._call(rows, conversation, "summary", conversation.handoff_at, True)
            replied = self._next_business_moment(conversation.handoff_at)
            if replied < self.now:
                conversation.assigned_agent = agent
                conversation.first_human_response_at = replied
                name = agent.get_short_name() or agent.username
                thread.say(
                    Message.Author.AGENT,
                    AGENT_REPLIES[language].format(agent=name),
                    replied,
                    user=agent,
                )
                last = replied
        self._settle(conversation, last, unanswered=unanswered)
        rows.contacts.append(contact)
        rows.conversations.append(conversation)
        if handoff_reason:
            self._ticket(rows, conversation, pick.question, agent)

    def _settle(self, conversation: Conversation, last: datetime, *, unanswered: bool) -> None:
        """Resolved (and maybe rated), or still open when it is recent."""
        rng = self.rng
        human = bool(conversation.handoff_reason)
        if human and conversation.first_human_response_at is None:
            conversation.state = Conversation.State.WAITING
            conversation.updated_at = conversation.handoff_at
            return
        resolved_at = (
            self._after(last, 1500, 0.9)
            if human
            else last + timedelta(minutes=self.web.idle_resolve_minutes or 24 * 60)
        )
        if resolved_at > self.now:
            conversation.state = Conversation.State.AGENT if human else Conversation.State.BOT
            conversation.updated_at = last
            return
        conversation.state = Conversation.State.RESOLVED
        conversation.resolved_at = conversation.updated_at = resolved_at
        if rng.random() < 0.32:
            good = 0.80 if human else (0.45 if unanswered else 0.72)
            conversation.csat_score = (
                rng.choice((4, 5, 5)) if rng.random() < good else rng.choice((1, 2, 3, 3))
            )

    def _call(
        self, rows: _Rows, conversation: Conversation, purpose: str, at: datetime, lite: bool
    ) -> None:
        rng = self.rng
        model = "qwen-flash" if lite else "qwen-plus"
        if purpose == "reply":
            usage = Usage(int(rng.gauss(1900, 400)), int(rng.gauss(140, 40)), 0)
            ttft = rng.lognormvariate(0, 0.35) * (380 if lite else 620)
            duration = ttft + usage.output_tokens * (9 if lite else 14)
        elif purpose == "summary":
            usage, ttft, duration = Usage(1200, 150), None, rng.lognormvariate(0, 0.3) * 900
        else:
            usage, ttft, duration = Usage(350, 8), None, rng.lognormvariate(0, 0.3) * 300
        cost = self.prices.cost(model, usage, region="intl")
        call = ModelCall(
            inbox_id=conversation.inbox_id,
            conversation=conversation,
            purpose=purpose,
            provider="qwen",
            model=model,
            hosting="external",
            region="intl",
            input_tokens=max(usage.input_tokens, 1),
            output_tokens=max(usage.output_tokens, 1),
            cost=cost.amount if cost else Decimal(0),
            currency=cost.currency if cost else "USD",
            time_to_first_token_ms=ttft,
            duration_ms=duration,
            outcome="ok",
        )
        call.created_at = at
        conversation.tokens_used += call.input_tokens + call.output_tokens
        rows.calls.append(call)

    def _ticket(self, rows: _Rows, conversation: Conversation, question: str, agent: Any) -> None:
        solved = conversation.state == Conversation.State.RESOLVED
        ticket = Ticket(
            inbox_id=conversation.inbox_id,
            contact_id=conversation.contact_id,
            conversation=conversation,
            subject=(conversation.subject or question)[:250],
            status=Ticket.Status.SOLVED if solved else Ticket.Status.OPEN,
            channel=Ticket.Channel.CHAT,
            assignee=conversation.assigned_agent,
            team=self.team,
            handoff_reason=conversation.handoff_reason,
            solved_at=conversation.resolved_at,
        )
        ticket.created_at = conversation.handoff_at
        ticket.updated_at = conversation.updated_at
        index = len(rows.tickets)
        rows.tickets.append(ticket)
        rows.events.append((index, "created", conversation.handoff_at, None))
        if conversation.assigned_agent is not None:
            rows.events.append((index, "assigned", conversation.handoff_at, None))
        if solved and conversation.resolved_at is not None:
            rows.events.append((index, "solved", conversation.resolved_at, agent.pk))


class _Thread:
    """Appends a conversation's messages in order, numbering them as the product does."""

    def __init__(self, conversation: Conversation, rows: _Rows) -> None:
        self.conversation = conversation
        self.rows = rows

    def say(
        self,
        kind: str,
        text: str,
        at: datetime,
        *,
        citations: list[dict[str, str]] | None = None,
        unanswered: bool = False,
        user: Any = None,
    ) -> None:
        self.conversation.last_seq += 1
        message = Message(
            conversation=self.conversation,
            seq=self.conversation.last_seq,
            author_kind=kind,
            author_user=user,
            author_name=(user.get_short_name() or user.username) if user else "",
            text=text,
            citations=citations or [],
            unanswered=unanswered,
        )
        message.created_at = at
        self.rows.messages.append(message)


def _in_language(options: Sequence[Any], language: str) -> list[Any]:
    return [o for o in options if o.language == language]


FIRST_NAMES = ("Anna", "Ben", "Chloé", "Daan", "Emma", "Finn", "Greta", "Hugo", "Isabel",
               "Jonas", "Lotte", "Lucas", "Marie", "Noah", "Olivia", "Pablo", "Sanne",
               "Tom")  # fmt: skip
LAST_INITIALS = "ABCDEFGHJKLMNPRSTVWZ"


def _customer_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}."


BATCH = 1000


def _write(rows: _Rows) -> None:
    """Insert everything in bulk, parents first."""
    _insert(Contact, rows.contacts, ["created_at", "last_seen_at"])
    _insert(Conversation, rows.conversations, ["created_at", "updated_at"])
    _insert(Message, rows.messages, ["created_at"])
    _insert(ModelCall, rows.calls, ["created_at"])
    _insert(Ticket, rows.tickets, ["created_at", "updated_at"])
    events = []
    for index, kind, at, actor_id in rows.events:
        event = TicketEvent(ticket=rows.tickets[index], kind=kind, actor_id=actor_id)
        event.created_at = at
        events.append(event)
    _insert(TicketEvent, events, ["created_at"])


def _insert(model: type[models.Model], objects: list[Any], stamps: list[str]) -> None:
    """bulk_create the objects, then set their historical timestamps: an insert stamps
    `auto_now`/`auto_now_add` fields with the present moment, an UPDATE by bulk_update does
    not."""
    wanted = [[getattr(obj, name) for name in stamps] for obj in objects]
    model.objects.bulk_create(objects, batch_size=BATCH)
    for obj, values in zip(objects, wanted, strict=True):
        for name, value in zip(stamps, values, strict=True):
            setattr(obj, name, value)
    model.objects.bulk_update(objects, stamps, batch_size=BATCH)
