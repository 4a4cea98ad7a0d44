"""Draft replies for agents: the same grounding as the assistant, but the agent edits and sends.

Called from a (synchronous) desk view: the database work happens here, in the request's thread,
and only the model call itself runs on the event loop.
"""

from __future__ import annotations

from assistant import calls
from assistant.chat.models import Conversation
from assistant.chat.prompting import DRAFT_RULES, HistoryItem, build_prompt
from assistant.chat.retrieval import knowledge_for
from assistant.chat.selectors import known_names
from assistant.llm import NO_ANSWER
from assistant.llm.types import ChatOptions, Message
from assistant.privacy.outbound import CallScope
from assistant.privacy.services import privacy_settings_for

DRAFT_INSTRUCTIONS = (
    "You are drafting a reply for a human support agent, who will edit it before sending. "
    "Write the reply the agent should send to the customer, nothing else."
)


class NoGroundedDraft(Exception):
    """No help article answers the customer's last message: there is nothing to draft from.

    Offline, the responder's "don't know" would otherwise be pasted into the agent's composer,
    offering the agent a handoff to themself."""


def draft_reply(conversation: Conversation) -> str:
    """A draft answer in the customer's language. With a model: grounded in the passages, or,
    when none answers, a short request for details that states no facts; never an offer of "a
    person" (the agent is that person). Offline: the relevant passage as whole Markdown. Raises
    ModelError when no provider could write one, NoGroundedDraft when offline and the
    knowledge base has no answer."""
    recent = conversation.messages.order_by("-seq").values_list("author_kind", "text")[:40]
    history = [HistoryItem(kind, text) for kind, text in reversed(recent)]
    question = next((h.text for h in reversed(history) if h.author_kind == "customer"), "")
    privacy = privacy_settings_for(conversation.inbox_id)
    scope = CallScope(
        conversation.inbox_id, conversation.id, privacy.with_known_names(*known_names(conversation))
    )
    retrieved = knowledge_for(question, language=conversation.language, scope=scope)
    passages = retrieved.passages
    prompt: list[Message] = build_prompt(
        company=conversation.inbox.name,
        instructions=f"{conversation.inbox.instructions}\n\n{DRAFT_INSTRUCTIONS}",
        language=conversation.language,
        passages=passages,
        history=history,
        rules=DRAFT_RULES,
    )
    # Pseudonymised for an external provider like every call; the draft gets the values back.
    # Its cost counts against the conversation like any other call, under its own name.
    completion = calls.complete_sync(
        prompt,
        purpose="suggestion",
        route="reply",
        scope=scope,
        passages=passages,
        options=ChatOptions(max_output_tokens=600, question=retrieved.question),
    )
    if completion.result.finish_reason == NO_ANSWER:
        raise NoGroundedDraft
    return completion.text.strip()
