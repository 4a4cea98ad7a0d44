"""The desk's conversation page as an agent reads it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.tickets.conftest import World

pytestmark = pytest.mark.django_db


def test_each_message_is_shown_once_in_the_transcript_and_not_as_a_notice(world: World) -> None:
    # The transcript once reached the template as "messages", the name of the messages
    # framework's notices, so every chat message was repeated as a box above the page.
    client = Client()
    client.force_login(world.agent_a)
    page = client.get(f"/desk/c/{world.conversation_a.pk}/").content.decode()
    # The queue pane beside the conversation previews each waiting customer's last message;
    # the conversation itself shows it once, in the transcript.
    before_pane, rest = page.split('<nav class="queue-pane"', 1)
    pane, conversation = rest.split("</nav>", 1)
    assert "My bike arrived broken" in pane
    assert (before_pane + conversation).count("My bike arrived broken") == 1
    assert 'data-testid="flash"' not in page
