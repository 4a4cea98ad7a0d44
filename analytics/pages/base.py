"""What every analytics page is made of: key figures (cards), the page itself, the display names
of dimension values and the links from a number to the conversations behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.forms import Selection
from analytics.pages import definitions
from analytics.tables import Chart, Column, Label, Table
from assistant.chat.models import Conversation, Inbox
from assistant.people import staff_name
from tickets.models import Team

# The series a stacked chart draws one by one; the rest are summed into "Other".
TOP_SERIES = 8

# Lazy: a label translated at import would stay in the language the process started in.
DIMENSIONS: dict[str, Label] = {
    "inbox": gettext_lazy("Inbox"),
    "channel": gettext_lazy("Channel"),
    "language": gettext_lazy("Language"),
    "topic": gettext_lazy("Topic"),
    "team": gettext_lazy("Team"),
    "agent": gettext_lazy("Agent"),
    "route": gettext_lazy("Model route"),
    "model": gettext_lazy("Model"),
}


def dimension_label(name: str) -> str:
    return str(DIMENSIONS[name])


def dimension_column(name: str) -> Column:
    """The first column of a breakdown table: the dimension's values, named after it."""
    return Column("name", DIMENSIONS[name], "text")


@dataclass
class Card:
    label: Label
    value: str
    hint: str = ""
    href: str | None = None
    testid: str = ""
    # The rule that decides the number, in words: the page lists it under "How these numbers
    # are counted", so a manager need not look anything up elsewhere.
    definition: Label = ""


@dataclass
class Page:
    title: str
    cards: list[Card] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # Rules that belong to no single card (the inboxes' idle rule), after the cards' own.
    rules: list[tuple[Label, Label]] = field(default_factory=list)

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)

    @property
    def definitions(self) -> list[tuple[Label, Label]]:
        """What the page's "How these numbers are counted" panel lists, in order."""
        cards = [(card.label, card.definition) for card in self.cards if card.definition]
        return [
            (definitions.COUNTED_WHEN_LABEL, definitions.COUNTED_WHEN),
            (definitions.CHANNEL_LABEL, definitions.CHANNEL),
            *cards,
            *self.rules,
        ]


class Names:
    """Display names of dimension values, looked up once per page."""

    def __init__(self) -> None:
        self.inboxes = dict(Inbox.objects.values_list("pk", "name"))
        self.teams = dict(Team.objects.values_list("pk", "name"))
        self.languages = dict(settings.LANGUAGES)
        self._agents: dict[int, str] | None = None

    def agent(self, pk: int | None) -> str:
        if pk is None:
            return _("(nobody)")
        if self._agents is None:
            self._agents = {
                user.pk: staff_name(user)
                for user in get_user_model().objects.filter(profile__isnull=False)
            }
        return self._agents.get(pk, f"#{pk}")

    def of(self, dimension: str, value: Any) -> str:
        if dimension == "inbox":
            return self.inboxes.get(value, f"#{value}")
        if dimension == "team":
            return self.teams.get(value, f"#{value}") if value is not None else _("(no team)")
        if dimension == "agent":
            return self.agent(value)
        if dimension == "language":
            return f"{self.languages.get(value, value)}" if value else _("(unknown)")
        if dimension == "topic":
            return value or _("(no topic)")
        if dimension == "model":
            return value or _("(no reply)")
        if dimension == "channel":
            return channel_label(value)
        return str(value) if value not in (None, "") else _("(none)")


def channel_label(value: str | None) -> str:
    """A channel as people say it ("Chat", "E-mail"); calls outside any conversation have none."""
    if value is None:
        return _("(no conversation)")
    return str(Conversation.Channel(value).label) if value in Conversation.Channel else value


def drill_url(selection: Selection, **params: Any) -> str:
    query = {**selection.params, **{k: str(v) for k, v in params.items() if v is not None}}
    return f"{reverse('analytics:conversations')}?{urlencode(query)}"
