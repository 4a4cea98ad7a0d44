"""Draft replies for agents: the same grounding as the assistant, but the agent edits and sends."""

from __future__ import annotations

import uuid

from channels.db import database_sync_to_async

from assistant.chat import services
from assistant.chat.models import Conversation
from assistant.chat.prompting import HistoryItem, build_prompt
from assistant.chat.retrieval import passages_for
from assistant.llm.base import ModelError
from assistant.llm.types import ChatOptions
from assistant.providers import registry

DRAFT_INSTRUCTIONS = (
    "You are drafting a reply for a human support agent, who will edit it before sending. "
    "Write the reply the agent should send to the customer, nothing else."
)


@database_sync_to_async
def _load(conversation_id: uuid.UUID) -> tuple[Conversation, list[HistoryItem]]:
    conversation = Conversation.objects.select_related("inbox").get(pk=conversation_id)
    recent = conversation.messages.order_by("-seq").values_list("author_kind", "text")[:40]
    return conversation, [HistoryItem(kind, text) for kind, text in reversed(recent)]


async def draft_reply(conversation_id: uuid.UUID) -> str:
    conversation, history = await _load(conversation_id)
    question = next((h.text for h in reversed(history) if h.author_kind == "customer"), "")
    passages = await passages_for(question, language=conversation.language)
    prompt = build_prompt(
        company=conversation.inbox.name,
        instructions=f"{conversation.inbox.instructions}\n\n{DRAFT_INSTRUCTIONS}",
        language=conversation.language,
        passages=passages,
        history=history,
    )
    try:
        result = (
            await registry()
            .route("reply")
            .complete(prompt, passages=passages, options=ChatOptions(max_output_tokens=600))
        )
    except ModelError as error:
        result = error.result
        if result is not None:
            await database_sync_to_async(_record)(conversation, result, "suggestion")
        raise
    await database_sync_to_async(_record)(conversation, result, "suggestion")
    return result.text.strip()


def _record(conversation: Conversation, result: object, purpose: str) -> None:
    # The call counts against the conversation's cost like any other, under its own purpose.
    services.model_call_record(
        conversation=conversation, message=None, result=result, purpose=purpose
    )
