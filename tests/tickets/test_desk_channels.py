"""The desk shows the channel a conversation came by (an icon named for screen readers) and an
e-mail's subject, in the queues and in the conversation's header; queues filter by channel."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from assistant.chat.models import Conversation
from tests import factories
from tests.tickets.conftest import World, _handed_off

pytestmark = pytest.mark.django_db


@pytest.fixture
def email(world: World) -> Conversation:
    """A second conversation of inbox A, handed off, that came by e-mail with a subject."""
    conversation = _handed_off(world.inbox_a, "The pedal came off after two days.")
    Conversation.objects.filter(pk=conversation.pk).update(
        channel=Conversation.Channel.EMAIL, subject="Broken pedal on order 1042"
    )
    factories.make_ticket(conversation)
    conversation.refresh_from_db()
    return conversation


def _get(world: World, url: str, **params: str) -> Any:
    client = Client()
    client.force_login(world.agent_a)
    return client.get(url, params)


def _rows(html: str) -> list[str]:
    return re.findall(r'<a class="row"[^>]*data-conversation="([^"]*)"', html)


@pytest.mark.parametrize("queue", ["waiting", "unassigned"])
def test_a_queue_filtered_by_channel_lists_only_that_channel(
    world: World, email: Conversation, queue: str
) -> None:
    everything = _rows(_get(world, f"/desk/q/{queue}/").content.decode())
    assert set(everything) == {str(world.conversation_a.pk), str(email.pk)}
    by_mail = _rows(_get(world, f"/desk/q/{queue}/", channel="email").content.decode())
    assert by_mail == [str(email.pk)]
    by_chat = _rows(_get(world, f"/desk/q/{queue}/", channel="chat").content.decode())
    assert by_chat == [str(world.conversation_a.pk)]


def test_the_channel_filter_combines_with_the_search(world: World, email: Conversation) -> None:
    found = _get(world, "/desk/q/waiting/", channel="email", q="pedal").content.decode()
    assert _rows(found) == [str(email.pk)]
    nothing = _get(world, "/desk/q/waiting/", channel="chat", q="pedal").content.decode()
    assert _rows(nothing) == [] and 'data-testid="empty"' in nothing


def test_rows_name_their_channel_and_show_an_emails_subject(
    world: World, email: Conversation
) -> None:
    html = _get(world, "/desk/q/waiting/").content.decode()
    labels = re.findall(r'class="channel channel-(\w+)" role="img" aria-label="([^"]+)"', html)
    assert sorted(labels) == [("chat", "Chat"), ("email", "E-mail")]
    assert html.count("Broken pedal on order 1042") == 1
    # The filter bar offers the channels by name, the chosen one selected.
    filtered = _get(world, "/desk/q/waiting/", channel="email").content.decode()
    assert '<option value="email" selected>E-mail</option>' in filtered


def test_the_conversation_header_shows_the_channel_and_subject(
    world: World, email: Conversation
) -> None:
    html = _get(world, f"/desk/c/{email.pk}/").content.decode()
    head = html.split('<header class="page-head convo-head">', 1)[1].split("</header>", 1)[0]
    assert '<p class="convo-subject" data-testid="subject">Broken pedal on order 1042</p>' in head
    assert (
        'aria-label="E-mail"' in head and '<span data-testid="channel-name">E-mail</span>' in head
    )
    chat = _get(world, f"/desk/c/{world.conversation_a.pk}/").content.decode()
    chat_head = chat.split('<header class="page-head convo-head">', 1)[1].split("</header>", 1)[0]
    assert 'data-testid="subject"' not in chat_head
    assert '<span data-testid="channel-name">Chat</span>' in chat_head


def test_an_unknown_channel_is_refused_in_words(world: World) -> None:
    response = _get(world, "/desk/q/waiting/", channel="fax")
    assert response.status_code == 400
    assert "Choose one of the channels in the list." in response.content.decode()
    assert _rows(response.content.decode()) == []


def test_the_pager_keeps_every_filter(
    world: World, email: Conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tickets.desk import views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    for n in range(2):
        other = _handed_off(world.inbox_a, f"Mail number {n}")
        Conversation.objects.filter(pk=other.pk).update(channel=Conversation.Channel.EMAIL)
    html = _get(world, "/desk/q/waiting/", channel="email", inbox=str(world.inbox_a.pk))
    older = re.search(r'href="\?([^"]*page=2)"', html.content.decode())
    assert older is not None
    assert "channel=email" in older.group(1) and f"inbox={world.inbox_a.pk}" in older.group(1)
