"""The rules behind the key figures, in the words the pages show under "How these numbers are
counted". They say in short what docs/analytics.md defines in full (and the code implements:
analytics/facts.py, analytics/metrics.py); a change to a definition changes all three."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from analytics.forms import Selection
from assistant.chat.models import Inbox

COUNTED_WHEN_LABEL = gettext_lazy("When a conversation counts")
COUNTED_WHEN = gettext_lazy(
    "Every conversation counts in the period it started in, whatever happened later. Numbers "
    "about conversations still open can change until they are resolved."
)
CHANNEL_LABEL = gettext_lazy("Channel")
CHANNEL = gettext_lazy(
    "Chat or e-mail: where the conversation started. A chat the customer continued by e-mail "
    "stays a chat. The channel filter applies to every number, model calls included (a call "
    "counts under its conversation's channel)."
)
CONVERSATIONS = gettext_lazy("Conversations started in the range that match the filters.")
AUTOMATED = gettext_lazy(
    "Resolved with no person involved (no handoff, no agent message), not reopened within the "
    "reopen window (%(hours)s hours: the customer came back or the ticket was reopened) and not "
    "rated 1 or 2. Divided by all conversations of the range, the open ones included."
)
AWAITING = gettext_lazy(
    "Started in the range and not resolved yet, so not counted as automated resolutions (nor as "
    "resolved by a person) until they close: resolved by the customer, by an agent, or "
    "automatically once idle for as long as their inbox allows."
)
HANDED_OFF = gettext_lazy(
    "The assistant or the customer asked for a person, or an agent took the conversation over."
)
FIRST_RESPONSE_ASSISTANT = gettext_lazy(
    "From the start of the conversation to the assistant's first message."
)
FIRST_RESPONSE_HUMAN = gettext_lazy(
    "From the handoff (or the start, without one) to an agent's first message."
)
HUMAN_RESPONSE = gettext_lazy(
    "From a customer's first unanswered message after the handoff to the agent's answer."
)
RESOLUTION = gettext_lazy("From the start of the conversation to its resolution.")
CSAT = gettext_lazy(
    "The average rating (1 to 5) customers gave resolved conversations; unrated ones do not count."
)
CSAT_ASSISTANT = gettext_lazy("Ratings of conversations no person took part in.")
CSAT_HUMAN = gettext_lazy("Ratings of conversations handed off or answered by an agent.")
COST_PER_AUTOMATED = gettext_lazy(
    "All model spend of the range (replies, summaries, classification, suggestions) divided by "
    "its automated resolutions: the figure to hold against hosted agents' price per resolution."
)
HUMAN_COST = gettext_lazy(
    "The ANALYTICS_HUMAN_COST_PER_CONVERSATION setting (an agent's time and tools) plus the "
    "model spend of conversations a person handled."
)


def automated(hours: int | None = None) -> str:
    return str(AUTOMATED) % {"hours": hours or settings.ANALYTICS_REOPEN_WINDOW_HOURS}


def idle_rule(selection: Selection) -> str:
    """When each inbox of the page resolves idle conversations itself: the rule that turns
    conversations awaiting an outcome into resolved ones when nobody closes them."""
    scope = selection.scope
    inboxes = Inbox.objects.order_by("name")
    if scope.inboxes is not None:
        inboxes = inboxes.filter(pk__in=scope.inboxes)
    if scope.inbox is not None:
        inboxes = inboxes.filter(pk=scope.inbox)
    parts = [
        _("%(inbox)s: %(after)s") % {"inbox": name, "after": _idle_after(minutes)}
        for name, minutes in inboxes.values_list("name", "idle_resolve_minutes")
    ]
    return _("Idle conversations are resolved automatically after: %(inboxes)s.") % {
        "inboxes": "; ".join(parts) or _("no inbox")
    }


def _idle_after(minutes: int) -> str:
    if not minutes:
        return _("never")
    if minutes % 60:
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
