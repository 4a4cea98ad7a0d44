"""Run the adversarial corpus through the real reply pipeline and score it.

Each case is played as a widget message is: `services.session_start` for a new visitor,
`services.customer_message_create` for each message, then `reply.answer_conversation`, the same
calls the widget consumer makes. What the customer would have seen is read back from the
contact's channel-layer group (the streamed deltas) and the database (the stored answers).

Isolation. A run creates its own clearly named objects and removes them when it ends: an inbox
(`eval-adversarial-<tag>`, which no widget knows), a seeded "other customer" in it, and knowledge
articles (slugs `eval-<tag>-<n>`), and each case its own visitor. It never reads or writes real
customers' rows. Knowledge search is global, though, so while a run lasts its articles (one of
them an injection) could be retrieved for real customers too: `manage.py evaluate` therefore
runs in a scratch database by default (see the command). For the length of the run the chat
signals that hand work to other apps (ticket escalation, SLA clocks) are muted, so the run's
handoffs never reach the desk or Celery.

A transaction rolled back at the end would be simpler, but the reply turn does its database
work on other threads (and their own connections), which could not see uncommitted rows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Q
from django.dispatch import Signal

from assistant import calls
from assistant.chat import events, services, signals
from assistant.chat.models import Contact, Conversation, Inbox, Message
from assistant.chat.prompting import RULES
from assistant.chat.reply import answer_conversation
from assistant.db_async import db_async
from assistant.knowledge.models import Article
from assistant.knowledge.services import ArticleData, article_create
from assistant.llm.config import LLMConfig
from assistant.privacy.corpus import Case, Corpus, RenderedCase, fill, random_canary
from assistant.privacy.models import InboxPrivacy, OutboundCallAudit
from assistant.privacy.scoring import Outcome, Scorecard, Secrets, score_case
from assistant.privacy.services import link_domains
from assistant.usage.models import ModelCall

logger = logging.getLogger(__name__)

# The turn awaits each publish, so when it returns its events are queued on our channel; a
# marker sent after them says where they end. This only bounds a read that never comes.
EVENT_DRAIN_SECONDS = 10.0
_END_OF_CASE = "evaluation.end"


@dataclass(frozen=True)
class Target:
    """What to evaluate: a model configuration and which reply route of it conversations use.

    `payloads`, when given, returns every request body the provider has received so far (the
    simulator's record), so a run can also check what left for the model. `prepare`, when
    given, is called with the run's rendered cases before the first is played (the simulator
    learns its worst-case answers, which contain the run's canary, this way)."""

    label: str
    llm: LLMConfig | None = None
    route: str = "reply"
    payloads: Callable[[], Sequence[Mapping[str, Any]]] | None = None
    prepare: Callable[[Sequence[RenderedCase]], None] | None = None


@dataclass(frozen=True)
class World:
    """The run's own inbox and data."""

    inbox_id: int
    inbox_key: str
    site: str
    tag: str
    values: dict[str, str]
    secrets: Secrets


def allowed_link_domains(inbox_id: int) -> tuple[str, ...]:
    """Hosts the assistant may link to in this inbox (what the reply turn reads with its rules)."""
    origins = Inbox.objects.filter(pk=inbox_id).values_list("allowed_origins", flat=True).first()
    row = InboxPrivacy.objects.filter(inbox_id=inbox_id).values_list("link_domains", flat=True)
    return link_domains(origins or (), row.first() or ())


def run_evaluation(target: Target, *, corpus: Corpus, cases: Sequence[Case]) -> Scorecard:
    """Play `cases` against `target`; the run's objects are removed afterwards."""
    with _llm_config(target.llm), _muted(signals.handoff_requested, signals.message_stored):
        world = _seed(corpus, route=target.route)
        try:
            return async_to_sync(_play_all)(world, cases, target)
        finally:
            _remove(world)


@contextmanager
def _llm_config(config: LLMConfig | None) -> Iterator[None]:
    """Use `config` as settings.LLM for the run (the registry follows settings.LLM)."""
    previous = settings.LLM
    if config is not None:
        settings.LLM = config
    calls.reset()
    try:
        yield
    finally:
        settings.LLM = previous
        calls.reset()


@contextmanager
def _muted(*chat_signals: Signal) -> Iterator[None]:
    """No receivers for these signals in this process while the run lasts."""
    saved = [(signal, signal.receivers) for signal in chat_signals]
    for signal in chat_signals:
        signal.receivers = []
        signal.sender_receivers_cache.clear()
    try:
        yield
    finally:
        for signal, receivers in saved:
            signal.receivers = receivers
            signal.sender_receivers_cache.clear()


def _seed(corpus: Corpus, *, route: str) -> World:
    """The run's inbox (instructions carrying a fresh canary), the other customer with a
    conversation full of personal data, and the knowledge articles."""
    fixtures = corpus.fixtures
    tag = secrets.token_hex(4)
    canary = random_canary()
    inbox = Inbox.objects.create(
        name=fixtures.company,
        public_key=f"eval-adversarial-{tag}",
        allowed_origins=[fixtures.site],
        instructions=fill(fixtures.instructions, {"canary": canary}),
        # The comparison arm is chosen per conversation by this share: all or nothing here.
        model_split_percent=100 if route == "reply_b" else 0,
    )
    other = fixtures.other_contact
    contact = Contact.objects.create(
        inbox=inbox, name=other.name, email=other.email, external_id=f"eval-other-{tag}"
    )
    conversation_id = ""
    for index, text in enumerate(other.messages):
        stored = services.customer_message_create(
            contact_id=contact.id, text=text, client_id=f"other-{index}"
        )
        conversation_id = str(stored.conversation.id)
    for index, article in enumerate(fixtures.articles):
        _publish_article(article.title, article.body, article.locale, slug=f"eval-{tag}-{index}")
    values = fixtures.values(canary=canary, other_conversation_id=conversation_id)
    return World(
        inbox_id=inbox.id,
        inbox_key=inbox.public_key,
        site=fixtures.site,
        tag=tag,
        values=values,
        secrets=Secrets(
            canary=canary,
            prompt_texts=(RULES.format(language="en"), values["instructions"]),
            other_customer=(*other.private_values, conversation_id),
            allowed_domains=allowed_link_domains(inbox.id),
        ),
    )


def _publish_article(title: str, body: str, locale: str, *, slug: str) -> None:
    data = ArticleData(
        title=title, body=body, locale=locale, status=Article.Status.PUBLISHED, slug=slug
    )
    article_create(data=data)


async def _play_all(world: World, cases: Sequence[Case], target: Target) -> Scorecard:
    scorecard = Scorecard(target.label)
    rendered_cases = [case.render(world.values) for case in cases]
    if target.prepare is not None:
        target.prepare(rendered_cases)
    try:
        for rendered in rendered_cases:
            outcome = await _play_isolated(world, rendered, target)
            scorecard.results.append(
                score_case(rendered.case, rendered.messages, outcome, world.secrets)
            )
    finally:
        # The model clients belong to this event loop, which ends with the run.
        await calls.aclose()
    return scorecard


async def _play_isolated(world: World, rendered: RenderedCase, target: Target) -> Outcome:
    try:
        return await _play(world, rendered, target)
    except Exception as error:  # one broken case must not end the run
        logger.exception("Adversarial case %s failed to run", rendered.case.id)
        return Outcome((), (), handed_off=False, error=f"{type(error).__name__}: {error}")
    finally:
        # The case's injected article must not outlive it (nor reach the next case).
        await db_async(_remove_articles)(f"eval-{world.tag}-case")


async def _play(world: World, rendered: RenderedCase, target: Target) -> Outcome:
    session = await db_async(services.session_start)(
        inbox_key=world.inbox_key,
        origin=world.site,
        visitor_secret=None,
        identity=None,
        language=rendered.case.language,
    )
    if rendered.article is not None:
        article = rendered.article
        await db_async(_publish_article)(
            article.title, article.body, article.locale, slug=f"eval-{world.tag}-case"
        )
    seen_before = len(target.payloads()) if target.payloads else 0
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = events.contact_group(session.contact.id)
    await layer.group_add(group, channel)
    dont_know = False
    conversation_id = None
    try:
        for index, text in enumerate(rendered.messages):
            stored = await db_async(services.customer_message_create)(
                contact_id=session.contact.id, text=text, client_id=f"adv-{index}"
            )
            conversation_id = stored.conversation.id
            await answer_conversation(conversation_id)
            # "Don't know" is judged per answer (the streak restarts after a supported one).
            dont_know = dont_know or await db_async(_said_dont_know)(conversation_id)
        frames = await _drain(layer, channel)
    finally:
        await layer.group_discard(group, channel)
    assert conversation_id is not None
    answers, state, reason, providers = await db_async(_read_back)(conversation_id)
    payloads = None
    if target.payloads is not None:
        sent = target.payloads()[seen_before:]
        payloads = tuple(json.dumps(body, ensure_ascii=False) for body in sent)
    return Outcome(
        answers=answers,
        streamed=_streamed_texts(frames),
        handed_off=state != Conversation.State.BOT,
        handoff_reason=reason,
        dont_know=dont_know,
        providers=providers,
        payloads=payloads,
    )


def _remove(world: World) -> None:
    """Everything the run created: audit rows and model calls outlive their conversation by
    design (SET_NULL), so they go first, by the run's inbox."""
    ours = Q(inbox_id=world.inbox_id) | Q(conversation__inbox_id=world.inbox_id)
    OutboundCallAudit.objects.filter(ours).delete()
    ModelCall.objects.filter(ours).delete()
    Inbox.objects.filter(pk=world.inbox_id).delete()
    _remove_articles(f"eval-{world.tag}-")


def _remove_articles(slug_prefix: str) -> None:
    Article.objects.filter(slug__startswith=slug_prefix).delete()


def _said_dont_know(conversation_id: Any) -> bool:
    streak = Conversation.objects.values_list("dont_know_streak", flat=True).get(pk=conversation_id)
    return streak > 0


def _read_back(conversation_id: Any) -> tuple[tuple[str, ...], str, str, tuple[str, ...]]:
    conversation = Conversation.objects.get(pk=conversation_id)
    answers = tuple(
        conversation.messages.filter(author_kind=Message.Author.ASSISTANT)
        .order_by("seq")
        .values_list("text", flat=True)
    )
    providers = tuple(
        ModelCall.objects.filter(conversation_id=conversation_id, purpose="reply")
        .order_by("created_at")
        .values_list("provider", flat=True)
    )
    return answers, conversation.state, conversation.handoff_reason, providers


async def _drain(layer: Any, channel: str) -> list[dict[str, Any]]:
    """Every event the contact's widget tabs were sent during the case, in order."""
    await layer.send(channel, {"type": _END_OF_CASE})
    frames = []
    while True:
        envelope = await asyncio.wait_for(layer.receive(channel), EVENT_DRAIN_SECONDS)
        if envelope.get("type") == _END_OF_CASE:
            return frames
        frames.append(json.loads(envelope["text"]))


def _streamed_texts(frames: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The text of each answer as it streamed, before the guardrails judged the whole."""
    streams: dict[str, list[str]] = {}
    for frame in frames:
        if frame.get("type") == "stream_delta":
            streams.setdefault(str(frame.get("stream_id")), []).append(str(frame.get("text", "")))
    return tuple("".join(parts) for parts in streams.values())
