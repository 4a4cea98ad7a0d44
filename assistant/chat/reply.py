"""The reply turn: decide -> retrieve -> prompt -> stream -> store -> decide. In the web process.

It is async and never goes through Celery: each token is forwarded to the channel layer as the
model produces it, without batching. One turn runs at a time per conversation, across all web
processes (a Redis lock); whoever holds the lock answers every customer message that arrived
while it worked, and checks once more after releasing it, so no message is left unanswered.

Handoff decisions: cheap rules run before the model is called; the model may call the
``handoff`` tool while answering; a model-based classifier runs beside the answer when a
classification model is configured. Every handoff records its reason. An answer without
knowledge-base support offers a person but never hands over by itself: the customer's yes (or
the widget's button) does, and a no keeps the conversation here (assistant/chat/consent.py).

While the customer waits for a person the assistant keeps answering (an inbox setting), until
an agent joins; after a handoff that means only a person should reply now (services.
QUIET_REASONS) each new message is acknowledged with the wait instead. No customer message is
left without a visible response.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, Subquery
from django.utils import translation
from django.utils.translation import gettext as _

from assistant import calls
from assistant.actions import tools as actions
from assistant.chat import acting, classifier, consent, events, selectors, services, tabs, turns
from assistant.chat.handoff_rules import HistoryEntry, rule_based_reason
from assistant.chat.models import Contact, Conversation, Message
from assistant.chat.prompting import HistoryItem, build_prompt, cited_passages
from assistant.chat.retrieval import aknowledge_for
from assistant.db_async import db_async
from assistant.knowledge.retrieval import Retrieved
from assistant.kv import async_lock, async_lock_held
from assistant.llm import NO_ANSWER
from assistant.llm.attribution import used_passages
from assistant.llm.base import ModelError
from assistant.llm.types import (
    CallResult,
    ChatOptions,
    Passage,
    TextDelta,
    ToolCall,
    ToolCallEvent,
    ToolSpec,
)
from assistant.llm.types import Message as ModelMessage
from assistant.privacy.guardrails import GuardrailResult, check_answer
from assistant.privacy.outbound import CallScope
from assistant.privacy.policy import PrivacySettings, ResidencyError
from assistant.privacy.services import turn_rules_of
from assistant.privacy.stream_guard import StreamGuard

logger = logging.getLogger(__name__)

MAX_OUTPUT_TOKENS = 800
HISTORY_MESSAGES = 40
# Longer than any turn (the model client's total timeout is 120 s by default); a crashed
# process's lock expires by itself.
LOCK_SECONDS = 180
MAX_TURNS_PER_RUN = 10
CLASSIFIER_GRACE_SECONDS = 3.0
# The states in which a customer's message gets a turn: with the assistant, and waiting for a
# person (answered or acknowledged, see ReplyTurn.while_waiting).
ANSWERED_STATES = (Conversation.State.BOT, Conversation.State.WAITING)

HANDOFF_TOOL = ToolSpec(
    name="handoff",
    description=(
        "Hand the conversation to a human agent: when the customer asks for a person, is upset, "
        "or needs something you cannot do or promise (refunds, compensation, legal, safety, "
        "account changes)."
    ),
    parameters={
        "type": "object",
        "properties": {"reason": {"type": "string", "description": "Why, in a few words."}},
        "required": ["reason"],
    },
)


@dataclass(frozen=True)
class TurnContext:
    conversation_id: uuid.UUID
    contact_id: uuid.UUID
    inbox_id: int
    state: str
    language: str
    company: str
    instructions: str
    history: tuple[HistoryItem, ...]
    budget_left: int
    keywords: tuple[str, ...]
    is_vip: bool
    dont_know_streak: int
    privacy: PrivacySettings
    link_domains: tuple[str, ...]
    route: str = "reply"
    handoff_reason: str = ""
    answer_while_waiting: bool = True
    # The sequence number of the customer's latest message, the one this turn answers.
    question_seq: int = 0
    # The inbox's enabled actions, offered to the model as tools (assistant/actions), and what
    # the widget's verified identity says about the customer (empty when anonymous).
    toolbox: actions.Toolbox = field(default_factory=actions.Toolbox)
    identity: tuple[tuple[str, str], ...] = ()

    @property
    def question(self) -> str:
        return next((h.text for h in reversed(self.history) if h.author_kind == "customer"), "")

    @property
    def customer_texts(self) -> list[str]:
        """What the customer wrote: numbers they said themselves support amounts and dates."""
        return [h.text for h in self.history if h.author_kind == "customer"]

    @property
    def call_scope(self) -> CallScope:
        """Whose data this turn's model calls carry (the inbox's rules, the audit log)."""
        return CallScope(self.inbox_id, self.conversation_id, self.privacy)

    @property
    def caller(self) -> actions.Caller:
        """Whom an action call of this turn is for."""
        return actions.Caller(
            scope=self.call_scope,
            contact_id=self.contact_id,
            language=self.language,
            identity=dict(self.identity),
        )

    def needs_answer(self, answered_up_to: int | None = None) -> bool:
        """The assistant has the turn and a customer message is waiting for it: the last one,
        or (after a turn of this run, ``answered_up_to``) one that arrived during that turn,
        which the turn's answer was stored after."""
        if self.state not in ANSWERED_STATES or not self.history:
            return False
        if answered_up_to is not None:
            return self.question_seq > answered_up_to
        return self.history[-1].author_kind == "customer"

    @property
    def waiting(self) -> bool:
        return self.state == Conversation.State.WAITING

    @property
    def offer_pending(self) -> bool:
        """The last answer could not be supported, and so offered a person."""
        return self.state == Conversation.State.BOT and self.dont_know_streak > 0

    @property
    def stays_quiet(self) -> bool:
        """While waiting: acknowledge with the wait instead of answering."""
        return (
            not self.answer_while_waiting
            or self.handoff_reason in services.QUIET_REASONS
            or self.budget_left <= 0
        )


def turn_context(conversation_id: uuid.UUID) -> TurnContext | None:
    """What a turn of the conversation reads, in one statement (None: no such conversation)."""
    conversation = selectors.turn_conversation(conversation_id, history=HISTORY_MESSAGES)
    if conversation is None:
        return None
    inbox = conversation.inbox
    try:
        privacy_row = inbox.privacy
    except ObjectDoesNotExist:
        privacy_row = None
    privacy, link_domains = turn_rules_of(privacy_row, allowed_origins=inbox.allowed_origins or ())
    recent = [
        (entry["kind"], entry["text"], entry["name"], entry["seq"]) for entry in conversation.recent
    ]
    # The people this conversation names, so that the detectors find them wherever they are
    # written: the contact and the agents who wrote in the history sent to the model.
    agents = {name for kind, _, name, _ in recent if kind == Message.Author.AGENT and name}
    question_seq = next((seq for kind, _, _, seq in recent if kind == Message.Author.CUSTOMER), 0)
    contact = conversation.contact
    privacy = privacy.with_known_names(contact.name, contact.email, *sorted(agents))
    return TurnContext(
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        inbox_id=conversation.inbox_id,
        state=conversation.state,
        language=conversation.language,
        company=inbox.public_name,
        instructions=inbox.prompt_instructions,
        history=tuple(HistoryItem(kind, text) for kind, text, _, _ in reversed(recent)),
        budget_left=services.token_budget_left(conversation),
        keywords=tuple(str(k) for k in inbox.handoff_keywords or ()),
        # A VIP goes to a person first only where the inbox's rule says so.
        is_vip=contact.is_vip and inbox.vip_to_person,
        dont_know_streak=conversation.dont_know_streak,
        privacy=privacy,
        link_domains=link_domains,
        route=conversation.model_route
        if conversation.model_route in ("reply", "reply_b")
        else "reply",
        handoff_reason=conversation.handoff_reason,
        answer_while_waiting=inbox.answer_while_waiting,
        question_seq=question_seq,
        toolbox=actions.toolbox_of_rows(conversation.enabled_actions),
        identity=_verified_identity(contact),
    )


load_turn_context = db_async(turn_context)


def lock_name(conversation_id: uuid.UUID) -> str:
    """The lock a turn of the conversation holds, in every process (one turn at a time)."""
    return f"reply:{conversation_id}"


@dataclass
class ClaimedTurn:
    """A turn claimed by the database call that stored the customer's message: the
    conversation's reply lock was taken there once the message was committed (``token``), and
    the turn's context read under it, as the turn itself would have done first in a database
    call of its own (issue 23: one hop fewer per message)."""

    conversation_id: uuid.UUID
    token: bytes
    context: TurnContext | None
    # Set as the turn begins: a turn cancelled before it began gives the lock back unused.
    taken: bool = False

    def held_lock(self) -> redis.asyncio.lock.Lock:
        return async_lock_held(
            lock_name(self.conversation_id), token=self.token, timeout=LOCK_SECONDS
        )


def _verified_identity(contact: Contact) -> tuple[tuple[str, str], ...]:
    """Only a contact with a verified customer id (set by the HMAC identity check alone) has
    an identity to send; the name and e-mail came with that signed id."""
    if not contact.external_id:
        return ()
    fields = {"customer_id": contact.external_id, "email": contact.email, "name": contact.name}
    return tuple((key, value) for key, value in fields.items() if value)


def _translated(language: str, text: str) -> str:
    with translation.override(language):
        return _(text)


async def answer_conversation(
    conversation_id: uuid.UUID, claimed: ClaimedTurn | None = None
) -> None:
    """Answer every unanswered customer message of the conversation, one turn at a time. The
    first turn may come ``claimed`` (its lock held and its context read already)."""
    if claimed is not None:
        claimed.taken = True
    turns.clear_stop(conversation_id)
    lock = (
        claimed.held_lock()
        if claimed is not None
        else async_lock(lock_name(conversation_id), timeout=LOCK_SECONDS)
    )
    # The customer message the last turn of this run answered. A message written while that
    # turn streamed is stored before the answer, so "the customer spoke last" misses it.
    answered_up_to: int | None = None
    for _turn in range(MAX_TURNS_PER_RUN):
        if claimed is None and not await lock.acquire(blocking=False):
            return  # another turn is running; it re-checks for new messages when it ends
        try:
            if claimed is not None:
                context, claimed = claimed.context, None
            else:
                context = await load_turn_context(conversation_id)
            if context is not None and context.needs_answer(answered_up_to):
                await run_turn(context)
                answered_up_to = context.question_seq
        finally:
            await lock.release()
        # A message that arrived while the lock was held found it taken: answer it here. The
        # full context (history, privacy settings, link domains) is loaded only if there is one.
        if not await _needs_answer(conversation_id, answered_up_to):
            return


@db_async
def _needs_answer(conversation_id: uuid.UUID, answered_up_to: int | None = None) -> bool:
    """TurnContext.needs_answer in one query: the assistant has the turn and the customer spoke
    last, or (``answered_up_to``) wrote after the message a turn of this run answered."""
    if answered_up_to is not None:
        return Message.objects.filter(
            conversation_id=conversation_id,
            conversation__state__in=ANSWERED_STATES,
            author_kind=Message.Author.CUSTOMER,
            seq__gt=answered_up_to,
        ).exists()
    last_author = (
        Message.objects.filter(conversation_id=OuterRef("pk"))
        .order_by("-seq")
        .values("author_kind")[:1]
    )
    return (
        Conversation.objects.filter(pk=conversation_id, state__in=ANSWERED_STATES)
        .annotate(last_author=Subquery(last_author))
        .filter(last_author=Message.Author.CUSTOMER)
        .exists()
    )


async def _publish(
    context: TurnContext, event: dict[str, Any], *, to_desks: bool = False, to_watchers: bool = True
) -> None:
    await events.publish(
        contact_id=context.contact_id,
        conversation_id=context.conversation_id,
        event=event,
        inbox_id=context.inbox_id if to_desks else None,
        to_watchers=to_watchers,
    )


async def _handoff(context: TurnContext, reason: str) -> None:
    await db_async(services.conversation_handoff)(
        conversation_id=context.conversation_id, reason=reason
    )


async def run_turn(context: TurnContext) -> None:
    await ReplyTurn(context).run()


@dataclass(frozen=True)
class Stored:
    """The answer as stored (None: a person took the conversation over meanwhile)."""

    message: Message | None
    dont_know: bool


@dataclass
class Streamed:
    """What the model answered, as far as the customer has seen it."""

    result: CallResult | None
    # Set when the model called the handoff tool instead of answering.
    handoff_reason: str | None = None
    # Set when the model called one of the inbox's actions (arguments restored).
    action_call: ToolCall | None = None
    # What the output checks made of the whole answer, and how it was stored (when answered).
    checked: GuardrailResult | None = None
    stored: Stored | None = None


class ReplyTurn:
    """One turn of the assistant, in steps that can each be followed (and tested) on their own:
    decide whether to answer at all, retrieve passages, stream the answer past the output
    checks, store it, and decide whether a person should take over after it."""

    def __init__(self, context: TurnContext) -> None:
        self.context = context
        self.stream_id = uuid.uuid4().hex[:16]
        self.delta_frame = events.delta_frames(self.stream_id)
        # The key of the contact's sockets in this process (tabs.send_here), made once.
        self.contact_key = str(context.contact_id)
        self.author = {
            "kind": Message.Author.ASSISTANT.value,
            "name": _translated(context.language, "Assistant"),
        }
        # What has been forwarded to the customer's screen, piece by piece.
        self.shown: list[str] = []
        # The answer stored said "don't know": the knowledge base did not support one.
        self.unsupported = False
        # Who sees the answer as it streams (decided as it starts; everyone until then).
        self.audience = tabs.Audience(watchers=True, only_here=False)
        # The turn's action calls and their results, sent to the model after the history, and
        # the results' texts, which support what the answer says (an order's date, its total).
        self.exchange: list[ModelMessage] = []
        self.action_results: list[str] = []

    async def run(self) -> None:
        if self.context.waiting:
            await self.while_waiting()
            return
        if self.context.offer_pending and await self.took_the_offers_answer():
            return
        reason = await self.reason_not_to_answer()
        if reason is not None:
            await _handoff(self.context, reason)
            return
        classification = self.classify_beside()
        stored = await self.answer()
        if classification is not None:
            await _apply_classification(self.context, classification, answered=stored)

    async def took_the_offers_answer(self) -> bool:
        """The customer answered the offer of a person: yes hands over, no keeps the
        conversation here. False when the message is not such an answer (a new question)."""
        context = self.context
        reply = consent.reply_to_offer(context.question)
        if reply is consent.Reply.YES:
            await _handoff(context, "customer_request")
        elif reply is consent.Reply.NO:
            await db_async(services.offer_declined)(conversation_id=context.conversation_id)
        return reply is not None

    async def while_waiting(self) -> None:
        """The customer waits for a person: answer from the knowledge base, or, where the
        handoff means only a person should reply, acknowledge the message with the wait.
        Whatever happens, the customer sees a response to what they wrote."""
        context = self.context
        said = sum(1 for h in context.history if h.author_kind == Message.Author.CUSTOMER)
        if said <= 1:
            # The conversation began waiting (the assistant was switched off): its first
            # message gets the handoff's notice, from tickets, not a second one from here.
            return
        answered = not context.stays_quiet and await self.answer()
        # An answer the knowledge base could not support offers no person here (they are
        # already waiting for one: ChatOptions.offer_person); it is followed by where the
        # customer stands instead.
        if self.unsupported or (not answered and await _needs_answer(context.conversation_id)):
            await db_async(services.waiting_message_acknowledge)(
                conversation_id=context.conversation_id
            )

    async def reason_not_to_answer(self) -> str | None:
        """A handoff reason that stops the turn before any model is called: the conversation's
        token budget is spent, or a rule (keywords, a VIP, a loop...) says a person should."""
        context = self.context
        if context.budget_left <= 0:
            notice = _translated(context.language, "A person from our team will answer you.")
            await _publish(
                context, {"type": "error", "code": "budget_exhausted", "message": notice}
            )
            return "token_budget"
        return rule_based_reason(
            text=context.question,
            history=[HistoryEntry(h.author_kind, h.text) for h in context.history],
            keywords=context.keywords,
            is_vip=context.is_vip,
        )

    def classify_beside(self) -> asyncio.Task[Any] | None:
        """The model-based classifier, started beside the answer when one is configured."""
        if not classifier.model_available():
            return None
        context = self.context
        return asyncio.create_task(
            classifier.classify(
                context.question,
                privacy=context.privacy,
                inbox_id=context.inbox_id,
                conversation_id=context.conversation_id,
            )
        )

    async def answer(self) -> bool:
        """Stream one answer; True if an answer was stored and the assistant still has the turn."""
        context = self.context
        # The search goes first, on a database thread, while the audience is asked and the
        # typing event sent here: the model is called as soon as the passages are in.
        retrieving = asyncio.ensure_future(self.retrieve())
        try:
            # Decided once per answer: a desk that opens the conversation later has missed
            # stream_start, so it ignores the deltas anyway and shows the answer at stream_end.
            self.audience = await tabs.audience(context.contact_id, context.conversation_id)
            await self.publish_streaming({"type": "typing", "author": self.author, "active": True})
        except BaseException:
            retrieving.cancel()
            raise
        retrieved = await retrieving
        passages = retrieved.passages
        if not self.exchange and await self.cannot_act(passages):
            return False
        try:
            call = self.open_call(retrieved)
        except ResidencyError as error:
            logger.error("Conversation %s: %s", context.conversation_id, error)
            await _handoff(context, "residency")
            return False
        # Nothing reaches the screen before the output checks have read it: an obeying model's
        # "Agreed, it's yours for $1" must not be on the customer's screen until stream_end.
        guard = StreamGuard(
            passages=passages,
            allowed_domains=context.link_domains,
            customer_text=[*context.customer_texts, *self.action_results],
            confidential=[context.instructions],
            holdback=settings.STREAM_GUARD_HOLDBACK,
        )
        streamed = await self.stream(call, guard, passages)
        if streamed is None:
            return False
        if streamed.handoff_reason is not None:
            await _withdraw(context, self.stream_id, started=bool(self.shown))
            await _handoff(context, streamed.handoff_reason)
            return False
        if streamed.action_call is not None:
            await _withdraw(context, self.stream_id, started=bool(self.shown))
            outcome = await actions.handle(
                streamed.action_call, toolbox=context.toolbox, caller=context.caller
            )
            return await self.follow(outcome)
        return await self.end(streamed)

    async def follow(self, outcome: actions.Outcome) -> bool:
        """After an action call: give its result to the model to phrase (streamed like any
        answer), or show the confirmation card, or tell the customer why it did not run."""
        if not isinstance(outcome, actions.ForTheModel):
            return await acting.show(
                conversation_id=self.context.conversation_id,
                contact_id=self.context.contact_id,
                outcome=outcome,
            )
        if len(self.exchange) >= 2 * acting.MAX_ACTION_ROUNDS:
            failed = actions.TellTheCustomer(
                actions.in_language(self.context.language, actions.FAILED), handoff=True
            )
            return await acting.show(
                conversation_id=self.context.conversation_id,
                contact_id=self.context.contact_id,
                outcome=failed,
            )
        self.exchange += [
            ModelMessage.assistant(tool_calls=(outcome.call,)),
            ModelMessage.tool(outcome.call.id, outcome.content),
        ]
        self.action_results.append(outcome.content)
        self.stream_id = uuid.uuid4().hex[:16]
        self.shown = []
        return await self.answer()

    async def cannot_act(self, passages: list[Passage]) -> bool:
        """With no model that can call tools, a question for one of the inbox's actions (where
        is my order?) is not answered from an article: the customer is told plainly that it
        cannot be done here, and offered a person."""
        context = self.context
        if not context.toolbox.actions or calls.real_model_first(context.route):
            return False
        if not actions.asks_for_an_action(
            context.question, toolbox=context.toolbox, passages=passages
        ):
            return False
        text = actions.in_language(context.language, actions.NO_TOOLS)
        await acting.show(
            conversation_id=context.conversation_id,
            contact_id=context.contact_id,
            outcome=actions.TellTheCustomer(text),
        )
        return True

    async def retrieve(self) -> Retrieved:
        context = self.context
        return await aknowledge_for(
            context.question, language=context.language, scope=context.call_scope
        )

    def open_call(self, retrieved: Retrieved) -> calls.AuditedStream:
        """The model call, through the one audited path: personal data is pseudonymised before
        it can reach an external provider, and a provider outside the inbox's allowed
        jurisdictions is never called (ResidencyError)."""
        context = self.context
        passages = retrieved.passages
        prompt = build_prompt(
            company=context.company,
            instructions=context.instructions,
            language=context.language,
            passages=passages,
            history=context.history,
            waiting=context.waiting,
        )
        return calls.stream(
            [*prompt, *self.exchange],
            purpose="reply",
            route=context.route,
            scope=context.call_scope,
            tools=[HANDOFF_TOOL, *context.toolbox.tools()],
            passages=passages,
            options=ChatOptions(
                max_output_tokens=MAX_OUTPUT_TOKENS,
                language=context.language,
                question=retrieved.question,
                offer_person=not context.waiting,
            ),
        )

    async def stream(
        self, call: calls.AuditedStream, guard: StreamGuard, passages: list[Passage]
    ) -> Streamed | None:
        """Forward the answer as it comes, past the output checks, and have it stored with the
        call's records. None when every provider failed: the partial answer is withdrawn and a
        person takes over."""
        context = self.context
        handoff_reason: str | None = None
        action_call: ToolCall | None = None
        checked: GuardrailResult | None = None
        try:
            # The call's records are written however this block is left (with the answer, in
            # one transaction, when it was settled).
            async with call:
                async for event in call:
                    if turns.stop_requested(context.conversation_id):
                        raise asyncio.CancelledError
                    if isinstance(event, ToolCallEvent) and event.call.name == HANDOFF_TOOL.name:
                        handoff_reason = "model_tool"
                        break
                    if isinstance(event, ToolCallEvent) and context.toolbox.offers(event.call.name):
                        action_call = event.call
                        break
                    if isinstance(event, TextDelta) and event.text:
                        # Placeholders ([EMAIL_1]) come back already restored by the call.
                        await self.forward(guard.feed(event.text))
                if handoff_reason is None and action_call is None:
                    checked = await self.settle(call, guard, passages)
        except ModelError as error:
            logger.warning(
                "Every provider failed for conversation %s: %s", context.conversation_id, error
            )
            await _withdraw(context, self.stream_id, started=bool(self.shown))
            await db_async(services.assistant_failure_handoff)(
                conversation_id=context.conversation_id
            )
            return None
        except asyncio.CancelledError:
            # A human took the conversation over mid-answer: drop the partial answer (its cost
            # is on record with the call).
            await asyncio.shield(_withdraw(context, self.stream_id, started=bool(self.shown)))
            raise
        # Read after the block: the router reports its result as the call is closed.
        return Streamed(call.result, handoff_reason, action_call, checked, call.stored)

    async def settle(
        self, call: calls.AuditedStream, guard: StreamGuard, passages: list[Passage]
    ) -> GuardrailResult:
        """The whole answer is in: check it, show the rest of it if the checks let it through
        unchanged, and have the call store it on its way out."""
        context = self.context
        checked = await check_turn_answer(
            context, guard.text.strip(), passages, self.action_results
        )
        if checked.action == "replace":
            logger.warning("Replaced an unsafe answer in conversation %s", context.conversation_id)
        elif checked.action != "handoff" and checked.shown_unchanged:
            await self.forward(guard.rest())
        call.finish_with(
            functools.partial(
                _store_answer,
                context.conversation_id,
                context.language,
                checked.text.strip(),
                passages,
                checked,
                grounded_by_action=bool(self.action_results),
            )
        )
        return checked

    async def forward(self, piece: str) -> None:
        """One piece of the answer to the customer's tabs (and desks that watch)."""
        if not piece:
            return
        if not self.shown:
            await self.publish_streaming(
                {"type": "stream_start", "stream_id": self.stream_id, "author": self.author}
            )
        self.shown.append(piece)
        if self.audience.only_here:
            # The common case, once per piece: the frame encoded without an event dict.
            await tabs.send_here(self.contact_key, self.delta_frame(piece))
            return
        await self.publish_streaming(
            {"type": "stream_delta", "stream_id": self.stream_id, "text": piece}
        )

    async def publish_streaming(self, event: dict[str, Any]) -> None:
        """An event of the answer while it streams (typing, stream_start, the deltas). When
        every tab of the contact is in this process and no desk watches, straight to its
        sockets, in order; else through the channel layer, to desks only while one watches
        (typing always). stream_end always goes through the layer, after these."""
        context = self.context
        if self.audience.only_here:
            await tabs.send_here(self.contact_key, events.encode(event))
            return
        to_watchers = self.audience.watchers or event["type"] == "typing"
        await _publish(context, event, to_watchers=to_watchers)

    async def end(self, streamed: Streamed) -> bool:
        """End the stream with the stored answer; then hand over when the checks say a person
        should answer. (An answer the knowledge base did not support offers a person; the
        customer decides: `took_the_offers_answer`.)"""
        context, stored, checked = self.context, streamed.stored, streamed.checked
        message = stored.message if stored is not None else None
        payload = events.message_payload(message) if message is not None else None
        end = {"type": "stream_end", "stream_id": self.stream_id, "message": payload}
        await _publish(
            context, {**end, "conversation_id": str(context.conversation_id)}, to_desks=True
        )
        if stored is None or message is None:
            return False
        self.unsupported = stored.dont_know
        handoff_reason: str | None = None
        if checked is not None and checked.action == "handoff":
            handoff_reason = "commitment"
        elif checked is not None and checked.action == "replace":
            # Abuse or a leaked prompt means something is wrong with this conversation: a
            # person looks at it (the agent sees the flagged answer in the desk).
            handoff_reason = "guardrail"
        if handoff_reason is not None:
            await _handoff(context, handoff_reason)
            return False
        return True


def _store_answer(
    conversation_id: uuid.UUID,
    language: str,
    text: str,
    passages: list[Passage],
    checked: GuardrailResult,
    result: CallResult | None,
    *,
    grounded_by_action: bool = False,
) -> tuple[calls.Settled, Stored]:
    """Store the checked answer (on a database thread, in the transaction that records the
    call which wrote it: `calls.AuditedStream.finish_with`). An answer phrased from an
    action's result is supported by it, with or without passages."""
    dont_know = not grounded_by_action and (
        not passages or (result is not None and result.finish_reason == NO_ANSWER)
    )
    citations = [] if dont_know else answer_citations(text, passages)
    message = services.assistant_message_store(
        conversation_id=conversation_id,
        language=language,
        text=text,
        citations=citations,
        result=result,
        dont_know=dont_know,
    )
    settled = calls.Settled(
        message_id=message.pk if message is not None else None,
        guardrail="" if checked.action == "show" else checked.action,
        guardrail_findings=[f"{f.check}:{f.kind}" for f in checked.findings],
        tokens_counted=message is not None,
    )
    return settled, Stored(message, dont_know)


async def _apply_classification(
    context: TurnContext, task: asyncio.Task[Any], *, answered: bool
) -> None:
    try:
        verdict = await asyncio.wait_for(task, CLASSIFIER_GRACE_SECONDS)
    except (TimeoutError, asyncio.CancelledError):
        task.cancel()
        return
    if answered and verdict is not None and verdict.reason is not None:
        await _handoff(context, verdict.reason)


def answer_citations(text: str, passages: list[Passage]) -> list[dict[str, str]]:
    """The sources shown under an answer: the passages it cites by number or title, else those
    its statements came from (one link per article). Never a passage it did not use, such as
    the search's first when the answer quotes another."""
    chosen = cited_passages(text, passages) or used_passages(text, passages)
    links: dict[str, dict[str, str]] = {}
    for passage in chosen:
        if passage.url and passage.url not in links:
            # Passage titles read "Article, then a right angle quote, then Section"; the link
            # names the article.
            title = passage.title.split(" \u203a ")[0]
            links[passage.url] = {"title": title, "url": passage.url}
    return list(links.values())


async def check_turn_answer(
    context: TurnContext, text: str, passages: list[Passage], action_results: list[str]
) -> GuardrailResult:
    """Output checks before the answer is stored for good: links only to allowed hosts, no
    commitments the knowledge base (or an action's result) does not support, nothing abusive."""
    domains = context.link_domains
    return check_answer(
        text,
        passages=passages,
        allowed_domains=domains,
        customer_text=[*context.customer_texts, *action_results],
        confidential=[context.instructions],
        safe_message=_translated(
            context.language,
            "Sorry, I can't help with that here. A person from our team will take a look.",
        ),
        handoff_message=_translated(
            context.language,
            "A person from our team will confirm this for you. One moment, please.",
        ),
    )


async def _withdraw(context: TurnContext, stream_id: str, *, started: bool) -> None:
    if started:
        await _publish(context, {"type": "stream_end", "stream_id": stream_id, "message": None})
