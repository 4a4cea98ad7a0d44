"""The reply turn: retrieve -> prompt -> stream -> store -> decide. Runs in the web process.

It is async and never goes through Celery: each token is forwarded to the channel layer as the
model produces it, without batching. One turn runs at a time per conversation, across all web
processes (a Redis lock); whoever holds the lock answers every customer message that arrived
while it worked, and checks once more after releasing it, so no message is left unanswered.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext as _

from assistant.chat import events, services
from assistant.chat.models import Conversation, Message
from assistant.chat.prompting import HistoryItem, build_prompt, cited_passages
from assistant.chat.retrieval import apassages_for
from assistant.kv import async_lock
from assistant.llm.base import ModelError
from assistant.llm.types import ChatOptions, TextDelta
from assistant.providers import registry

logger = logging.getLogger(__name__)

MAX_OUTPUT_TOKENS = 800
HISTORY_MESSAGES = 40
# Longer than any turn (the model client's total timeout is 120 s by default); a crashed
# process's lock expires by itself.
LOCK_SECONDS = 180
MAX_TURNS_PER_RUN = 10


# Conversations whose running turn must stop (a human took over). Cancelling the task alone is
# not enough: a cancellation that lands while the task waits in sync_to_async is absorbed by
# asgiref, so the streaming loop also checks this set before forwarding each piece.
_stop_requested: set[uuid.UUID] = set()


def request_stop(conversation_id: uuid.UUID) -> None:
    _stop_requested.add(conversation_id)


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

    @property
    def question(self) -> str:
        return next((h.text for h in reversed(self.history) if h.author_kind == "customer"), "")

    @property
    def needs_answer(self) -> bool:
        return (
            self.state == Conversation.State.BOT
            and bool(self.history)
            and self.history[-1].author_kind == "customer"
        )


@database_sync_to_async
def load_turn_context(conversation_id: uuid.UUID) -> TurnContext | None:
    conversation = Conversation.objects.select_related("inbox").filter(pk=conversation_id).first()
    if conversation is None:
        return None
    recent = conversation.messages.order_by("-seq").values_list("author_kind", "text")[
        :HISTORY_MESSAGES
    ]
    return TurnContext(
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        inbox_id=conversation.inbox_id,
        state=conversation.state,
        language=conversation.language,
        company=conversation.inbox.name,
        instructions=conversation.inbox.instructions,
        history=tuple(HistoryItem(kind, text) for kind, text in reversed(recent)),
        budget_left=services.token_budget_left(conversation),
    )


def _translated(language: str, text: str) -> str:
    with translation.override(language):
        return _(text)


async def answer_conversation(conversation_id: uuid.UUID) -> None:
    """Answer every unanswered customer message of the conversation, one turn at a time."""
    _stop_requested.discard(conversation_id)
    lock = async_lock(f"reply:{conversation_id}", timeout=LOCK_SECONDS)
    for _attempt in range(MAX_TURNS_PER_RUN):
        if not await lock.acquire(blocking=False):
            return  # another turn is running; it re-checks for new messages when it ends
        try:
            for _turn in range(MAX_TURNS_PER_RUN):
                context = await load_turn_context(conversation_id)
                if context is None or not context.needs_answer:
                    break
                await run_turn(context)
        finally:
            await lock.release()
        context = await load_turn_context(conversation_id)
        if context is None or not context.needs_answer:
            return


async def _publish(context: TurnContext, event: dict, *, to_desks: bool = False) -> None:
    await events.publish(
        contact_id=context.contact_id,
        conversation_id=context.conversation_id,
        event=event,
        inbox_id=context.inbox_id if to_desks else None,
    )


async def run_turn(context: TurnContext) -> None:
    if context.budget_left <= 0:
        notice = _translated(context.language, "A person from our team will answer you.")
        await _publish(context, {"type": "error", "code": "budget_exhausted", "message": notice})
        await database_sync_to_async(services.conversation_handoff)(
            conversation_id=context.conversation_id, reason="token_budget"
        )
        return

    assistant = {
        "kind": Message.Author.ASSISTANT.value,
        "name": _translated(context.language, "Assistant"),
    }
    await _publish(context, {"type": "typing", "author": assistant, "active": True})
    passages = await apassages_for(context.question, language=context.language)
    prompt = build_prompt(
        company=context.company,
        instructions=context.instructions,
        language=context.language,
        passages=passages,
        history=context.history,
    )
    stream_id = uuid.uuid4().hex[:16]
    parts: list[str] = []
    call = (
        registry()
        .route("reply")
        .stream(prompt, passages=passages, options=ChatOptions(max_output_tokens=MAX_OUTPUT_TOKENS))
    )
    failed = False
    try:
        async with call:
            async for event in call:
                if context.conversation_id in _stop_requested:
                    raise asyncio.CancelledError
                if isinstance(event, TextDelta) and event.text:
                    if not parts:
                        await _publish(
                            context,
                            {"type": "stream_start", "stream_id": stream_id, "author": assistant},
                        )
                    parts.append(event.text)
                    await _publish(
                        context,
                        {"type": "stream_delta", "stream_id": stream_id, "text": event.text},
                    )
    except ModelError as error:
        logger.warning(
            "Every provider failed for conversation %s: %s", context.conversation_id, error
        )
        failed = True
    except asyncio.CancelledError:
        # A human took the conversation over mid-answer: drop the partial answer, keep the cost.
        await asyncio.shield(
            _finish_cancelled(context, stream_id, started=bool(parts), call_result=call.result)
        )
        raise

    if failed:
        await _fail(context, stream_id, started=bool(parts), call_result=call.result)
        return
    text = "".join(parts).strip()
    citations = [{"title": p.title, "url": p.url} for p in cited_passages(text, passages) if p.url]
    message = await database_sync_to_async(services.assistant_message_store)(
        conversation_id=context.conversation_id, text=text, citations=citations, result=call.result
    )
    payload = events.message_payload(message) if message is not None else None
    end = {"type": "stream_end", "stream_id": stream_id, "message": payload}
    await _publish(context, {**end, "conversation_id": str(context.conversation_id)}, to_desks=True)


async def _finish_cancelled(
    context: TurnContext, stream_id: str, *, started: bool, call_result: object
) -> None:
    if started:
        await _publish(context, {"type": "stream_end", "stream_id": stream_id, "message": None})
    if call_result is not None:
        await database_sync_to_async(services.model_call_store)(
            conversation_id=context.conversation_id, result=call_result
        )


async def _fail(
    context: TurnContext, stream_id: str, *, started: bool, call_result: object
) -> None:
    """Every provider failed: apologise and hand the conversation to a human; never go silent."""
    if started:
        await _publish(context, {"type": "stream_end", "stream_id": stream_id, "message": None})
    await database_sync_to_async(services.assistant_failure_handoff)(
        conversation_id=context.conversation_id, result=call_result
    )
