"""The reply turn's hook: the inbox's actions as tools, and what to do with a call the model
makes. The turn streams and stores; this module decides, for one tool call, whether it runs now
(a read), waits for the customer's confirmation (a change), or is refused (no verified identity,
arguments that do not fit, too many calls), and phrases what the customer is told when it fails.

Identity is never the model's: the customer's id goes to the endpoint from the verified session
(`Caller.identity`), in headers the arguments cannot reach.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assistant.actions import execution, schema, selectors, services
from assistant.actions.models import ActionCall
from assistant.actions.spec import ActionSpec
from assistant.db_async import db_async
from assistant.llm.offline import MIN_COVERAGE
from assistant.llm.textmatch import rank
from assistant.llm.types import Passage, ToolCall, ToolSpec
from assistant.privacy.outbound import CallScope

Status = ActionCall.Status


@dataclass(frozen=True)
class Caller:
    """Whom the turn answers: their conversation's scope and what their verified identity
    says (empty for an anonymous visitor)."""

    scope: CallScope
    contact_id: uuid.UUID
    language: str
    identity: Mapping[str, str] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return bool(self.identity.get("customer_id"))


@dataclass(frozen=True)
class Toolbox:
    """The actions offered in one turn, by tool name."""

    actions: Mapping[str, ActionSpec] = field(default_factory=dict)

    @classmethod
    def of(cls, specs: tuple[ActionSpec, ...]) -> Toolbox:
        return cls({spec.name: spec for spec in specs})

    def tools(self) -> list[ToolSpec]:
        return [spec.tool() for spec in self.actions.values()]

    def offers(self, name: str) -> bool:
        return name in self.actions


def asks_for_an_action(question: str, *, toolbox: Toolbox, passages: list[Passage]) -> bool:
    """Without a model that can call tools (the offline responder), whether the question is
    about what an action does rather than what an article says.

    Judged by how many of the question's words each side covers (plain term ranking, as the
    offline responder ranks passages), not by the ranking score alone: an action's description
    is short, and length normalisation let "How long does delivery take?" score higher on
    "order status ... expected delivery" than on the delivery article that answers it. The
    action wins when it covers more of the question than any passage, or as much where the
    question names a particular thing of the customer's (a token with a digit: "order 1042",
    "NW-1042"), which no article is about."""
    if not toolbox.actions:
        return False
    described = [
        f"{spec.name.replace('_', ' ')}\n{spec.description}" for spec in toolbox.actions.values()
    ]
    documents = [*described, *(f"{p.title}\n{p.text}" for p in passages)]
    matches = [m for m in rank(question, documents) if m.score > 0]
    action = next((m for m in matches if m.index < len(described)), None)
    if action is None or action.coverage < MIN_COVERAGE:
        return False
    passage_coverage = max((m.coverage for m in matches if m.index >= len(described)), default=0.0)
    if action.coverage > passage_coverage:
        return True
    return action.coverage == passage_coverage and _names_a_particular_thing(question)


def _names_a_particular_thing(question: str) -> bool:
    return any(any(ch.isdigit() for ch in word) for word in question.split())


def toolbox_of_rows(rows: Sequence[dict[str, Any]]) -> Toolbox:
    """The toolbox from the rows `selectors.enabled_action_rows` read along with the turn."""
    return Toolbox.of(selectors.specs_of_rows(rows))


# --- what a call comes to --------------------------------------------------------------------


@dataclass(frozen=True)
class ForTheModel:
    """The result goes back to the model, which phrases the answer (or asks for what is
    missing, when its arguments did not fit)."""

    call: ToolCall
    content: str


@dataclass(frozen=True)
class AwaitingConfirmation:
    """A change: the customer is shown ``summary`` with Confirm and Cancel."""

    call_id: uuid.UUID
    summary: str


@dataclass(frozen=True)
class TellTheCustomer:
    """Nothing for the model to phrase: the customer is told ``text`` plainly. ``handoff``: a
    person takes over; otherwise a person is offered (the customer decides)."""

    text: str
    handoff: bool = False


Outcome = ForTheModel | AwaitingConfirmation | TellTheCustomer


async def handle(call: ToolCall, *, toolbox: Toolbox, caller: Caller) -> Outcome:
    """Decide on one tool call (its arguments' placeholders already restored)."""
    spec = toolbox.actions[call.name]
    arguments = dict(call.arguments)

    def refuse(outcome: str) -> Any:
        return db_async(services.call_record)(
            spec=spec,
            scope=caller.scope,
            contact_id=caller.contact_id,
            tool_call_id=call.id,
            arguments=arguments,
            status=Status.REFUSED,
            outcome=outcome,
        )

    if spec.needs_identity and not caller.verified:
        await refuse("not_signed_in")
        return TellTheCustomer(in_language(caller.language, SIGN_IN))
    if await db_async(selectors.recent_calls)(caller.scope.conversation_id) >= (
        settings.ACTION_CALLS_PER_CONVERSATION
    ):
        await refuse("rate_limited")
        return TellTheCustomer(in_language(caller.language, TOO_MANY), handoff=True)
    try:
        schema.check_arguments(spec.parameters, arguments)
    except schema.ArgumentsError as error:
        await refuse("invalid_arguments")
        # The model may ask the customer for what is missing and try again.
        return ForTheModel(call, json.dumps({"error": f"invalid arguments: {error.message}"}))
    if spec.changes_data:
        pending = await db_async(services.call_record)(
            spec=spec,
            scope=caller.scope,
            contact_id=caller.contact_id,
            tool_call_id=call.id,
            arguments=arguments,
            status=Status.AWAITING_CONFIRMATION,
            summary=spec.summary(arguments),
        )
        return AwaitingConfirmation(pending.pk, pending.summary)
    executed = await execution.execute(spec, arguments, caller.identity)
    await db_async(services.call_finish)(
        spec=spec,
        scope=caller.scope,
        executed=executed,
        contact_id=caller.contact_id,
        tool_call_id=call.id,
        arguments=arguments,
    )
    return answered(call, executed, language=caller.language)


async def run_confirmed(pending: ActionCall, *, caller: Caller) -> Outcome:
    """The customer confirmed: send exactly the call they were shown, once (the claim in
    services.decision_claim made sure only one click gets here)."""
    action = pending.action
    call = ToolCall(pending.tool_call_id or str(pending.pk), pending.action_name, pending.arguments)
    if action is None or not action.enabled:
        await db_async(services.confirmed_call_fail)(call_id=pending.pk, outcome="disabled")
        return TellTheCustomer(in_language(caller.language, FAILED), handoff=True)
    spec = ActionSpec.of(action)
    if spec.needs_identity and not caller.verified:
        await db_async(services.confirmed_call_fail)(call_id=pending.pk, outcome="not_signed_in")
        return TellTheCustomer(in_language(caller.language, SIGN_IN))
    executed = await execution.execute(spec, pending.arguments, caller.identity)
    await db_async(services.call_finish)(
        spec=spec, scope=caller.scope, executed=executed, call_id=pending.pk
    )
    return answered(call, executed, language=caller.language)


def answered(call: ToolCall, executed: execution.Executed, *, language: str) -> Outcome:
    if executed.ok:
        return ForTheModel(call, executed.body[: services.MAX_RESULT_CHARS] or "{}")
    if executed.status_code is not None and 400 <= executed.status_code < 500:
        # The endpoint refused this request (no such order for this customer, a return window
        # closed): the model tells the customer what it said.
        detail = executed.body[: services.MAX_RESULT_CHARS]
        return ForTheModel(
            call, json.dumps({"error": f"HTTP {executed.status_code}", "detail": detail})
        )
    return TellTheCustomer(in_language(language, FAILED), handoff=True)


# --- what the customer is told -----------------------------------------------------------------
# Marked here (lazily, so `make messages` finds them) and said in the conversation's language.


SIGN_IN = _(
    "I can only look into your own orders when you're signed in. Please sign in to your "
    "account on our website, or I can connect you with a person from our team. Would you "
    "like that?"
)
TOO_MANY = _(
    "I've made too many requests to our systems in this conversation. A person from our team "
    "will take over from here."
)
FAILED = _(
    "Sorry, I couldn't reach our systems just now, so nothing was looked up or changed. "
    "A person from our team will take over from here."
)
CANCELLED = _("All right, I've cancelled that. Nothing was changed.")
NO_TOOLS = _(
    "I can't look up or change your orders or account here. Would you like me to connect you "
    "with a person from our team?"
)


def in_language(language: str, text: Promise) -> str:
    """One of the texts above, in the customer's language."""
    with translation.override(language):
        return str(text)
