"""Why a conversation went to a human, in words an agent reads at a glance."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REASONS = {
    "customer_request": _("Customer asked for a person"),
    "bot_disabled": _("Assistant switched off"),
    "model_error": _("The model was unavailable"),
    "token_budget": _("Conversation budget used up"),
    "agent_takeover": _("Taken over by an agent"),
    "model_tool": _("The assistant handed over"),
    "dont_know": _("The assistant didn't know"),
    "repetition": _("Customer repeated themselves"),
    "sentiment": _("Frustrated or abusive customer"),
    "keyword": _("Sensitive topic"),
    "vip": _("VIP customer"),
    "commitment": _("Answer would make a commitment"),
    "guardrail": _("Unsafe answer replaced"),
    "residency": _("No model allowed for this inbox's data"),
    "action_failed": _("An action could not be completed"),
    "channel_agents_only": _("Answered by people only on this channel"),
    "reopened": _("Customer wrote again after it was resolved"),
}


def label_for(reason: str | None) -> str:
    if not reason:
        return ""
    return str(REASONS.get(reason, reason.replace("_", " ")))
