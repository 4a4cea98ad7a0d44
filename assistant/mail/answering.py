"""The assistant on e-mail: one complete answer to a customer's mail, through chat's reply turn.

A mail has no socket to stream to, so the answer is written by a Celery task
(`assistant.mail.answer_tasks`), as one whole reply. Everything else is the chat turn's own
parts, so an e-mail gets the same treatment as a chat message: the turn's context (history,
the inbox's privacy rules and handoff keywords, the VIP rule, the token budget, the model
route), the same handoff rules before any model is called, the same knowledge retrieval and
prompt, the one audited model call (pseudonymised for an external provider, recorded with its
cost), the model's handoff tool, the same output checks and the same sources. The inbox's
actions are not offered: a mail cannot show the confirmation card a change needs.

The mail account's mode decides what becomes of the answer: "answer" stores it as the
assistant's message and mails it; "draft" keeps it as a draft for an agent to send or discard
(`assistant.mail.drafts`). Either way a `MailAnswer` row per customer message guards the work:
the task claims it first, and the answer is stored in the transaction that moves the row on,
so a task that runs twice (a retry, a redelivery after a crash) answers once.
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assistant import calls
from assistant.chat import classifier, consent, services
from assistant.chat.handoff_rules import HistoryEntry, rule_based_reason
from assistant.chat.models import Conversation, Message
from assistant.chat.prompting import build_prompt
from assistant.chat.reply import (
    HANDOFF_TOOL,
    MAX_OUTPUT_TOKENS,
    TurnContext,
    answer_citations,
    check_turn_answer,
    load_turn_context,
)
from assistant.chat.retrieval import aknowledge_for
from assistant.db_async import db_async
from assistant.llm import NO_ANSWER
from assistant.llm.base import ModelError
from assistant.llm.types import CallResult, ChatOptions, Passage, TextDelta, ToolCallEvent
from assistant.mail.answer_delivery import announce_draft, deliver_answer
from assistant.mail.models import MailAccount, MailAnswer
from assistant.privacy.guardrails import GuardrailResult
from assistant.privacy.policy import ResidencyError

logger = logging.getLogger(__name__)

# Longer than a task may run (CELERY_TASK_TIME_LIMIT): a pending answer older than this was
# being written by a worker that died, and another run may take it over.
RECLAIM_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 3

# Added to the inbox's instructions: the reply is a whole e-mail body, and the parts of an
# e-mail that the system adds itself are not written twice.
MAIL_INSTRUCTIONS = (
    "The customer wrote by e-mail. Write the body of one complete reply e-mail: no subject "
    "line, no signature and no sign-off with a name (they are added automatically)."
)

ANSWERING_MODES = (MailAccount.AssistantMode.ANSWER, MailAccount.AssistantMode.DRAFT)


@dataclass(frozen=True)
class Claim:
    """The right to answer one customer message: its row, and what the answer becomes."""

    answer_id: int
    conversation_id: uuid.UUID
    question_seq: int
    mode: str


def answer_mail(message_id: int) -> str:
    """Answer (or draft an answer to) one customer message of an e-mail conversation.

    Returns the answer's final state, for the task's log ("" when there was nothing to do)."""
    claim = claim_answer(message_id)
    if claim is None:
        return ""
    return run_on_own_loop(claim)


def run_on_own_loop(claim: Claim) -> str:
    import asyncio

    async def run() -> str:
        try:
            return await MailTurn(claim).run()
        finally:
            # The providers' HTTP clients are bound to this loop, which ends here.
            await calls.aclose()

    return asyncio.run(run())


def claim_answer(message_id: int) -> Claim | None:
    """Claim the answer to this customer message, or None when it is not the assistant's to
    write: not a customer message of an e-mail conversation the assistant has, an inbox
    whose mail assistant is off, or an answer already written (or being written) by another
    run. A claim left pending by a worker that died is taken over after `RECLAIM_AFTER`."""
    question = (
        Message.objects.select_related("conversation__inbox__mail_account")
        .filter(
            pk=message_id,
            author_kind=Message.Author.CUSTOMER,
            conversation__channel=Conversation.Channel.EMAIL,
        )
        .first()
    )
    if question is None:
        return None
    conversation = question.conversation
    account = getattr(conversation.inbox, "mail_account", None)
    if account is None or account.assistant_mode not in ANSWERING_MODES:
        return None
    try:
        with transaction.atomic():
            answer = MailAnswer.objects.create(
                conversation=conversation, question=question, mode=account.assistant_mode
            )
    except IntegrityError:
        answer = _reclaim(question.pk)
        if answer is None:
            return None
    return Claim(answer.pk, conversation.pk, question.seq, answer.mode)


def _reclaim(question_id: int) -> MailAnswer | None:
    """The pending answer of a run that died, taken over by one conditional UPDATE (so two
    runs that find it at once cannot both take it)."""
    stale = timezone.now() - RECLAIM_AFTER
    taken = MailAnswer.objects.filter(
        question_id=question_id,
        state=MailAnswer.State.PENDING,
        updated_at__lt=stale,
        attempts__lt=MAX_ATTEMPTS,
    ).update(attempts=F("attempts") + 1, updated_at=timezone.now())
    return MailAnswer.objects.get(question_id=question_id) if taken else None


def _close(answer_id: int, state: str, reason: str = "") -> None:
    """Leave ``pending`` without an answer (a handoff, nothing to answer any more)."""
    MailAnswer.objects.filter(pk=answer_id, state=MailAnswer.State.PENDING).update(
        state=state, reason=reason, updated_at=timezone.now()
    )


class MailTurn:
    """One answer to one customer e-mail, in the chat turn's steps, without the streaming."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim

    async def run(self) -> str:
        claim = self.claim
        context = await load_turn_context(claim.conversation_id)
        if context is None or context.state != Conversation.State.BOT:
            # A person has it (or is about to): the assistant stays out.
            return await self.close(MailAnswer.State.SKIPPED, "not_with_assistant")
        if context.question_seq != claim.question_seq or not context.needs_answer():
            # A later mail arrived (its own task answers the conversation as it stands then),
            # or the conversation was answered meanwhile.
            return await self.close(MailAnswer.State.SKIPPED, "superseded")
        reason = self.reason_not_to_answer(context)
        if reason is not None:
            return await self.hand_off(reason)
        return await self.answer(context)

    def reason_not_to_answer(self, context: TurnContext) -> str | None:
        """As in chat: the token budget, the customer's yes to an offer of a person, or a rule
        (asks for a person, a VIP, a keyword, anger, a loop)."""
        if context.budget_left <= 0:
            return "token_budget"
        if context.offer_pending and consent.reply_to_offer(context.question) is consent.Reply.YES:
            return "customer_request"
        return rule_based_reason(
            text=context.question,
            history=[HistoryEntry(h.author_kind, h.text) for h in context.history],
            keywords=context.keywords,
            is_vip=context.is_vip,
        )

    async def answer(self, context: TurnContext) -> str:
        retrieved = await aknowledge_for(
            context.question, language=context.language, scope=context.call_scope
        )
        passages = retrieved.passages
        prompt = build_prompt(
            company=context.company,
            instructions=f"{context.instructions}\n\n{MAIL_INSTRUCTIONS}",
            language=context.language,
            passages=passages,
            history=context.history,
        )
        try:
            call = calls.stream(
                prompt,
                purpose="reply",
                route=context.route,
                scope=context.call_scope,
                tools=[HANDOFF_TOOL],
                passages=passages,
                options=ChatOptions(
                    max_output_tokens=MAX_OUTPUT_TOKENS,
                    language=context.language,
                    question=retrieved.question,
                ),
            )
        except ResidencyError as error:
            logger.error("Conversation %s: %s", context.conversation_id, error)
            return await self.hand_off("residency")
        wanted_person = False
        checked: GuardrailResult | None = None
        try:
            # The call's records (audit, cost) are written however the block is left, with the
            # answer in the same transaction when there is one.
            async with call:
                pieces: list[str] = []
                async for event in call:
                    if isinstance(event, ToolCallEvent) and event.call.name == HANDOFF_TOOL.name:
                        wanted_person = True
                        break
                    if isinstance(event, TextDelta):
                        pieces.append(event.text)
                if not wanted_person:
                    text = "".join(pieces).strip()
                    checked = await check_turn_answer(context, text, passages, [])
                    call.finish_with(
                        functools.partial(_store, self.claim, context.language, checked, passages)
                    )
        except ModelError as error:
            logger.warning(
                "Every provider failed for e-mail conversation %s: %s",
                context.conversation_id,
                error,
            )
            await db_async(services.assistant_failure_handoff)(
                conversation_id=context.conversation_id
            )
            return await self.close(MailAnswer.State.HANDED_OFF, "model_error")
        if wanted_person:
            return await self.hand_off("model_tool")
        state: str = call.stored or MailAnswer.State.SKIPPED
        handoff = _handoff_after(checked)
        if handoff is None and state == MailAnswer.State.ANSWERED:
            handoff = await self.classified(context)
        if handoff is not None and state in (MailAnswer.State.ANSWERED, MailAnswer.State.DRAFTED):
            await db_async(services.conversation_handoff)(
                conversation_id=context.conversation_id, reason=handoff
            )
        return state

    async def classified(self, context: TurnContext) -> str | None:
        """The model-based classifier's handoff reason, when one is configured (in chat it runs
        beside the streaming answer; here there is nothing to overlap with)."""
        if not classifier.model_available():
            return None
        verdict = await classifier.classify(
            context.question,
            privacy=context.privacy,
            inbox_id=context.inbox_id,
            conversation_id=context.conversation_id,
        )
        return verdict.reason if verdict is not None else None

    async def hand_off(self, reason: str) -> str:
        await db_async(services.conversation_handoff)(
            conversation_id=self.claim.conversation_id, reason=reason
        )
        return await self.close(MailAnswer.State.HANDED_OFF, reason)

    async def close(self, state: str, reason: str) -> str:
        await db_async(_close)(self.claim.answer_id, state, reason)
        return state


def _handoff_after(checked: GuardrailResult | None) -> str | None:
    """As in chat: an answer that needed a commitment, or that the checks replaced (abuse, a
    leaked prompt), goes out as the checks wrote it, and a person takes the conversation."""
    if checked is None:
        return None
    if checked.action == "handoff":
        return "commitment"
    if checked.action == "replace":
        return "guardrail"
    return None


def _store(
    claim: Claim,
    language: str,
    checked: GuardrailResult,
    passages: list[Passage],
    result: CallResult | None,
) -> tuple[calls.Settled, str]:
    """Store the checked answer, inside the transaction that records the call which wrote it
    (`calls.AuditedStream.finish_with`): the claim moves out of ``pending`` first, by a
    conditional UPDATE, so of two runs only one stores anything. The call's record says what
    the output checks did, and which message the answer became."""
    text = checked.text.strip()
    checks = {
        "guardrail": "" if checked.action == "show" else checked.action,
        "guardrail_findings": [f"{f.check}:{f.kind}" for f in checked.findings],
    }
    dont_know = not passages or (result is not None and result.finish_reason == NO_ANSWER)
    citations = [] if dont_know else answer_citations(text, passages)
    pending = MailAnswer.objects.filter(pk=claim.answer_id, state=MailAnswer.State.PENDING)
    if claim.mode == MailAnswer.Mode.DRAFT:
        fields = {"text": text, "citations": citations, "language": language}
        drafted = pending.update(
            state=MailAnswer.State.DRAFTED, dont_know=dont_know, updated_at=timezone.now(), **fields
        )
        if drafted:
            announce_draft(claim.conversation_id)
        return calls.Settled(**checks), MailAnswer.State.DRAFTED if drafted else ""
    if not pending.update(state=MailAnswer.State.ANSWERED, updated_at=timezone.now()):
        return calls.NOTHING_SETTLED, ""
    message = services.assistant_message_store(
        conversation_id=claim.conversation_id,
        language=language,
        text=text,
        citations=citations,
        result=result,
        dont_know=dont_know,
    )
    if message is None:
        # A person took the conversation over while the answer was being written.
        MailAnswer.objects.filter(pk=claim.answer_id).update(
            state=MailAnswer.State.SKIPPED, reason="not_with_assistant"
        )
        return calls.NOTHING_SETTLED, MailAnswer.State.SKIPPED
    MailAnswer.objects.filter(pk=claim.answer_id).update(answer=message, language=language)
    deliver_answer(message)
    settled = calls.Settled(message_id=message.pk, tokens_counted=True, **checks)
    return settled, MailAnswer.State.ANSWERED
