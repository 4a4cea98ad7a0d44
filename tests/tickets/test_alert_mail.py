"""The alert e-mail: sent for an assignment or an SLA warning only while no desk tab of the
agent is connected, at most once per conversation per hour, with a link to the conversation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.core import mail
from django.utils import timezone

from assistant.kv import sync_redis
from tests import factories
from tickets import online, services, sla
from tickets.alerts import tasks
from tickets.alerts.mail import MAIL_INTERVAL_SECONDS
from tickets.alerts.preferences import preferences_update
from tickets.models import SLAPolicy, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _tasks_run_here(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[None]:
    """The queued task runs at once in this process (Celery's own ``apply``), so that the test
    e-mail backend's outbox shows what it sent; each test starts with no desk tab and no hour
    claimed."""
    settings.SITE_URL = "https://support.example.com"
    monkeypatch.setattr(tasks.mail_agent, "delay", lambda *args: tasks.mail_agent.apply(args))
    client = sync_redis()
    client.delete(online.ONLINE_KEY, *client.keys("alerts:mailed:*"))
    yield
    client.delete(online.ONLINE_KEY, *client.keys("alerts:mailed:*"))


@pytest.fixture
def alice(world: Any) -> Any:
    world.agent_a.email = "alice@example.com"
    world.agent_a.save(update_fields=["email"])
    return world.agent_a


def _assign(ticket: Ticket, agent: Any, by: Any) -> None:
    services.ticket_assign(ticket=Ticket.objects.get(pk=ticket.pk), agent=agent, by=by)


def test_an_agent_with_no_desk_tab_gets_one_e_mail_with_a_link(world: Any, alice: Any) -> None:
    _assign(world.ticket_a, alice, world.manager)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == f"Assigned to you: {world.ticket_a.subject}"
    assert "A conversation with" in message.body and "was assigned to you." in message.body
    assert f"https://support.example.com/desk/c/{world.conversation_a.pk}/" in message.body
    assert "https://support.example.com/desk/settings/notifications/" in message.body


def test_no_e_mail_while_a_desk_tab_of_the_agent_is_connected(world: Any, alice: Any) -> None:
    async_to_sync(online.tab_alive)(user_id=alice.pk, tab="tab-1")
    _assign(world.ticket_a, alice, world.manager)
    assert mail.outbox == []

    # The tab closes: the next alert about another conversation is mailed.
    async_to_sync(online.tab_closed)(user_id=alice.pk, tab="tab-1")
    _assign(world.ticket_a, None, world.manager)
    _assign(world.ticket_a, alice, world.manager)
    assert len(mail.outbox) == 1


def test_a_tab_that_died_without_a_goodbye_no_longer_counts(world: Any, alice: Any) -> None:
    stale = timezone.now().timestamp() - online.ONLINE_TTL - 5
    async_to_sync(online.tab_alive)(user_id=alice.pk, tab="crashed", now=stale)
    _assign(world.ticket_a, alice, world.manager)
    assert len(mail.outbox) == 1


def test_a_second_alert_within_the_hour_is_not_mailed(world: Any, alice: Any) -> None:
    _assign(world.ticket_a, alice, world.manager)
    _assign(world.ticket_a, None, world.manager)
    _assign(world.ticket_a, alice, world.manager)
    assert len(mail.outbox) == 1

    # The claim lasts an hour (and then expires by itself).
    key = f"alerts:mailed:{alice.pk}:{world.conversation_a.pk}"
    assert MAIL_INTERVAL_SECONDS - 5 < sync_redis().ttl(key) <= MAIL_INTERVAL_SECONDS
    sync_redis().delete(key)  # as if the hour had passed
    _assign(world.ticket_a, None, world.manager)
    _assign(world.ticket_a, alice, world.manager)
    assert len(mail.outbox) == 2


def test_the_hour_is_per_conversation(world: Any, alice: Any) -> None:
    second = factories.make_ticket(
        factories.make_conversation(world.inbox_a, text="Wrong size", client_id="c2")
    )
    _assign(world.ticket_a, alice, world.manager)
    _assign(second, alice, world.manager)
    assert [message.subject for message in mail.outbox] == [
        f"Assigned to you: {world.ticket_a.subject}",
        f"Assigned to you: {second.subject}",
    ]


def test_an_sla_warning_is_mailed_but_a_customer_message_is_not(world: Any, alice: Any) -> None:
    # Alice takes the ticket herself (no alert), then the first response comes due.
    _assign(world.ticket_a, alice, alice)
    SLAPolicy.objects.create(
        priority=world.ticket_a.priority,
        first_response_minutes=60,
        next_response_minutes=60,
        resolution_minutes=480,
    )
    sla.start_clocks(world.ticket_a, now=timezone.now() - timedelta(minutes=50))
    from assistant.chat import services as chat

    chat.customer_message_create(
        contact_id=world.conversation_a.contact_id, text="Hello?", client_id="again"
    )
    assert mail.outbox == []

    sla.check(now=timezone.now())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Due soon: {world.ticket_a.subject}"
    assert "about to miss its target time (First response)" in mail.outbox[0].body


def test_no_e_mail_when_the_agent_turned_it_or_the_kind_off(world: Any, alice: Any) -> None:
    preferences_update(user=alice, email_when_away=False)
    _assign(world.ticket_a, alice, world.manager)
    preferences_update(user=alice, email_when_away=True, on_assigned=False)
    _assign(world.ticket_a, None, world.manager)
    _assign(world.ticket_a, alice, world.manager)
    assert mail.outbox == []


def test_a_ticket_reassigned_before_the_task_ran_is_not_mailed(world: Any, alice: Any) -> None:
    _assign(world.ticket_a, alice, world.manager)
    mail.outbox.clear()
    sync_redis().delete(*sync_redis().keys("alerts:mailed:*"))
    _assign(world.ticket_a, world.manager, world.manager)
    # The task for Alice's assignment arrives late: the ticket is no longer hers.
    assert tasks.mail_agent.apply((alice.pk, world.ticket_a.pk, "assigned", "")).get() is False
    assert mail.outbox == []


def test_the_e_mail_is_written_in_the_agents_language(
    world: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Composed with the agent's language active (the catalogs' texts are the lead's to merge;
    what is checked is that the agent's choice, not the worker's default, is in force)."""
    from django.utils import translation

    from tickets.alerts import mail as alert_mail

    languages: list[str] = []
    compose = alert_mail.compose

    def recording(**kwargs: Any) -> tuple[str, str]:
        languages.append(translation.get_language())
        return compose(**kwargs)

    monkeypatch.setattr(alert_mail, "language_of", lambda user: "de")
    monkeypatch.setattr(alert_mail, "compose", recording)
    _assign(world.ticket_a, alice, world.manager)
    assert languages == ["de"] and len(mail.outbox) == 1
