"""The demo's 90-day history: its shape, that it is made once, that analytics and the gaps page
have something to show, and that removing it leaves everything else alone."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from assistant import demo_history
from assistant.chat.models import Contact, Conversation, Message
from assistant.demo import DEMO_INBOX_KEY, load_demo_data
from assistant.usage.models import ModelCall
from tests import factories
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def history() -> demo_history.HistorySummary:
    load_demo_data()
    started = time.monotonic()
    summary = demo_history.generate_history()
    # The brief's budget is a minute; measured here so a slow change shows up.
    assert time.monotonic() - started < 60
    return summary


def test_the_history_has_the_expected_shape(history: demo_history.HistorySummary) -> None:
    assert history.created and 2600 <= history.conversations <= 3400
    conversations = Conversation.objects.filter(contact__is_demo=True)
    assert conversations.count() == history.conversations
    now = timezone.now()
    first = conversations.order_by("created_at").first()
    assert first is not None and now - first.created_at > timedelta(days=88)
    assert not conversations.filter(created_at__gt=now).exists()
    # Weekdays are busier than Sundays.
    by_weekday = Counter(c.created_at.weekday() for c in conversations.only("created_at"))
    assert by_weekday[1] > 1.5 * by_weekday[6]
    languages = set(conversations.values_list("language", flat=True))
    assert {"en", "de", "nl", "fr", "es"} <= languages
    assert conversations.values("inbox").distinct().count() == 2
    reasons = Counter(
        conversations.exclude(handoff_reason="").values_list("handoff_reason", flat=True)
    )
    assert reasons["dont_know"] > 50 and reasons["customer_request"] > 50
    rated = conversations.exclude(csat_score=None).count()
    assert 0.2 * history.conversations < rated < 0.4 * history.conversations
    assert (
        Message.objects.filter(unanswered=True, conversation__contact__is_demo=True).count() > 200
    )
    cited = Message.objects.filter(conversation__contact__is_demo=True).exclude(citations=[])
    assert cited.count() > 1500
    calls = ModelCall.objects.filter(conversation__contact__is_demo=True)
    assert calls.count() == history.model_calls
    assert {"qwen-plus", "qwen-flash"} == set(calls.values_list("model", flat=True))
    assert not calls.filter(cost=None).exists()
    assert Ticket.objects.filter(contact__is_demo=True).count() == history.tickets
    # About one in five came by e-mail, each with a subject and the customer's address; chats
    # have no subject.
    by_mail = conversations.filter(channel=Conversation.Channel.EMAIL)
    assert 0.15 * history.conversations < by_mail.count() < 0.25 * history.conversations
    assert (
        not by_mail.filter(subject="").exists() and not by_mail.filter(contact__email="").exists()
    )
    assert not conversations.filter(channel=Conversation.Channel.CHAT).exclude(subject="").exists()
    assert by_mail.values("subject").distinct().count() > 100
    # Every conversation's messages are numbered 1..last_seq.
    counts = conversations.annotate(n=Count("messages")).values_list("n", "last_seq")
    assert all(n == last for n, last in counts)


def test_it_is_generated_once(history: demo_history.HistorySummary) -> None:
    again = demo_history.generate_history()
    assert not again.created
    assert Conversation.objects.filter(contact__is_demo=True).count() == history.conversations


def test_the_first_run_makes_the_history_and_its_removal_sticks_and_spares_the_rest() -> None:
    from assistant.chat.models import Inbox

    call_command("seed_demo", verbosity=0)  # what `make run` does on a fresh install
    assert Contact.objects.filter(is_demo=True).count() > 2000
    real = factories.make_conversation(Inbox.objects.get(public_key=DEMO_INBOX_KEY))
    call_command("seed_demo", "--remove-history", verbosity=0)
    assert not Contact.objects.filter(is_demo=True).exists()
    assert list(Conversation.objects.values_list("pk", flat=True)) == [real.pk]
    assert Message.objects.filter(conversation=real).count() == 1
    assert not ModelCall.objects.exclude(conversation=None).exclude(conversation=real).exists()
    assert Inbox.objects.filter(public_key=DEMO_INBOX_KEY).exists()
    # The next `make run` does not bring it back.
    call_command("seed_demo", verbosity=0)
    assert not Contact.objects.filter(is_demo=True).exists()


def test_analytics_and_gaps_pages_have_something_to_show(
    history: demo_history.HistorySummary,
) -> None:
    from django.contrib.auth import get_user_model

    from analytics import rollups

    rollups.rebuild_all()
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))
    gaps = client.get(
        "/desk/gaps/?since=" + (timezone.localdate() - timedelta(days=89)).isoformat()
    )
    page = gaps.content.decode()
    assert gaps.status_code == 200
    assert "Do you offer bike leasing through my employer?" in page or "leas" in page
    assert page.count('data-testid="gap-group"') >= 8
    for page_path in ANALYTICS_PAGES:
        response = client.get(page_path)
        assert response.status_code == 200, page_path
        charts = response.context["charts"]
        assert charts, page_path
        empty = [chart.id for chart, data in charts if not _has_a_nonzero_number(data)]
        assert empty == [], f"{page_path}: empty charts {empty}"
        for channel in ("chat", "email"):
            filtered = client.get(page_path, {"channel": channel})
            assert filtered.status_code == 200, (page_path, channel)
            empty = [
                c.id for c, data in filtered.context["charts"] if not _has_a_nonzero_number(data)
            ]
            assert empty == [], f"{page_path}, {channel}: empty charts {empty}"
    overview = client.get("/analytics/").context["page"].table("channels")
    assert sorted(row["name"] for row in overview.rows) == ["Chat", "E-mail"]


ANALYTICS_PAGES = (
    "/analytics/",
    "/analytics/response-times/",
    "/analytics/csat/",
    "/analytics/agents/",
    "/analytics/models/",
)


def _has_a_nonzero_number(data: object) -> bool:
    if isinstance(data, bool):
        return False
    if isinstance(data, int | float):
        return data != 0
    if isinstance(data, dict):
        return any(_has_a_nonzero_number(v) for v in data.values())
    if isinstance(data, list | tuple):
        return any(_has_a_nonzero_number(v) for v in data)
    return False
