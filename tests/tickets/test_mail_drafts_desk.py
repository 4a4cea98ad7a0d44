"""The assistant's e-mail drafts in the desk: shown in their conversation to the agents who may
see it, sent (as written or edited) or discarded by one of them, 404 to anyone else."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat.models import Message
from assistant.mail.models import MailAccount, MailAnswer, OutboundMail
from tests.tickets.test_settings_access import client_for

pytestmark = pytest.mark.django_db

DRAFT = "A new battery costs €649.\n\nIt fits every frame we sell."


@pytest.fixture
def draft(world: Any) -> MailAnswer:
    """A draft answering the customer's message of conversation A, made an e-mail one."""
    MailAccount.objects.create(inbox=world.inbox_a, address="help@shop-a.example")
    conversation = world.conversation_a
    conversation.channel = "email"
    conversation.state = "bot"
    conversation.save(update_fields=["channel", "state"])
    conversation.contact.email = "customer@example.org"
    conversation.contact.save(update_fields=["email"])
    question = conversation.messages.filter(author_kind="customer").latest("seq")
    return MailAnswer.objects.create(
        conversation=conversation,
        question=question,
        mode="draft",
        state="drafted",
        text=DRAFT,
        language="en",
        citations=[{"title": "Batteries", "url": "https://shop.example/help/batteries"}],
    )


def url(draft: MailAnswer, action: str) -> str:
    return f"/desk/c/{draft.conversation_id}/mail-drafts/{draft.pk}/{action}"


def answers(draft: MailAnswer) -> list[Message]:
    return list(draft.conversation.messages.filter(author_kind="assistant"))


def test_the_draft_shows_once_in_its_conversation(world: Any, draft: MailAnswer) -> None:
    html = client_for(world, "agent_a").get(f"/desk/c/{draft.conversation_id}/").content.decode()
    assert html.count('data-testid="mail-draft"') == 1
    assert "A new battery costs €649." in html
    assert url(draft, "send") in html and url(draft, "discard") in html


def test_the_draft_shows_as_the_customers_mail_will_with_its_html_escaped(
    world: Any, draft: MailAnswer
) -> None:
    MailAnswer.objects.filter(pk=draft.pk).update(
        text="| Battery | Price |\n|---|---|\n| 500 Wh | **€649** |\n\n<script>alert(1)</script>"
    )
    html = client_for(world, "agent_a").get(f"/desk/c/{draft.conversation_id}/").content.decode()
    assert "<td><strong>€649</strong></td>" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_an_agent_sends_the_draft_edited_and_it_is_mailed(world: Any, draft: MailAnswer) -> None:
    agent = client_for(world, "agent_a")
    response = agent.post(url(draft, "send"), {"text": "A new battery costs €649."}, follow=True)

    assert "The answer is on its way to the customer by e-mail." in [
        str(m) for m in response.context["messages"]
    ]
    [message] = answers(draft)
    assert message.text == "A new battery costs €649."
    assert message.citations == draft.citations
    assert OutboundMail.objects.get(chat_message=message).to_address == "customer@example.org"
    draft.refresh_from_db()
    assert (draft.state, draft.decided_by, draft.edited) == ("sent", world.agent_a, True)
    assert 'data-testid="mail-draft"' not in response.content.decode()


def test_a_draft_sent_as_it_is_keeps_its_text(world: Any, draft: MailAnswer) -> None:
    client_for(world, "agent_a").post(url(draft, "send"))
    [message] = answers(draft)
    assert message.text == DRAFT
    draft.refresh_from_db()
    assert not draft.edited


def test_a_discarded_draft_sends_nothing(world: Any, draft: MailAnswer) -> None:
    response = client_for(world, "agent_a").post(url(draft, "discard"), follow=True)
    assert "The draft was discarded. Nothing was sent." in [
        str(m) for m in response.context["messages"]
    ]
    draft.refresh_from_db()
    assert (draft.state, draft.decided_by) == ("discarded", world.agent_a)
    assert answers(draft) == [] and not OutboundMail.objects.exists()


@pytest.mark.parametrize("name", ["agent_b", "outsider", "anonymous"])
@pytest.mark.parametrize("action", ["send", "discard"])
def test_nobody_outside_the_inbox_decides_a_draft(
    world: Any, draft: MailAnswer, name: str, action: str
) -> None:
    response = client_for(world, name).post(url(draft, action))
    assert response.status_code == {"agent_b": 404, "outsider": 403, "anonymous": 302}[name]
    draft.refresh_from_db()
    assert draft.state == "drafted" and answers(draft) == []


def test_a_draft_is_decided_once(world: Any, draft: MailAnswer) -> None:
    agent = client_for(world, "agent_a")
    agent.post(url(draft, "send"))
    again = agent.post(url(draft, "send"), follow=True)
    assert "This draft was already sent or discarded." in [
        str(m) for m in again.context["messages"]
    ]
    assert len(answers(draft)) == 1 and OutboundMail.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "status"), [("agent_a", 200), ("agent_b", 404), ("outsider", 403)]
)
def test_the_drafts_fragment_is_only_for_the_conversations_agents(
    world: Any, draft: MailAnswer, name: str, status: int
) -> None:
    response = client_for(world, name).get(f"/desk/c/{draft.conversation_id}/mail-drafts/")
    assert response.status_code == status
    assert ("A new battery costs €649." in response.content.decode()) == (status == 200)


def queue_rows(world: Any, name: str, queue: str) -> str:
    response = client_for(world, name).get(f"/desk/q/{queue}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_a_conversation_with_a_draft_waits_under_drafts_to_approve_not_live(
    world: Any, draft: MailAnswer
) -> None:
    drafts_page = client_for(world, "agent_a").get("/desk/q/drafts/").content.decode()
    assert drafts_page.count("Drafts to approve") >= 1
    rows = queue_rows(world, "agent_a", "drafts")
    assert rows.count(f'data-conversation="{draft.conversation_id}"') == 1
    assert rows.count("Draft to approve") == 1
    assert str(draft.conversation_id) not in queue_rows(world, "agent_a", "live")
    # Team B's agent does not see team A's drafts.
    assert str(draft.conversation_id) not in queue_rows(world, "agent_b", "drafts")


@pytest.mark.parametrize("action", ["send", "discard"])
def test_a_decided_draft_leaves_the_drafts_queue(
    world: Any, draft: MailAnswer, action: str
) -> None:
    client_for(world, "agent_a").post(url(draft, action))
    assert str(draft.conversation_id) not in queue_rows(world, "agent_a", "drafts")
    assert str(draft.conversation_id) in queue_rows(world, "agent_a", "live")


def test_the_drafts_count_is_in_the_sidebar(world: Any, draft: MailAnswer) -> None:
    from tickets.desk import queues

    assert queues.counts(world.agent_a)["drafts"] == 1
    assert queues.counts(world.agent_b)["drafts"] == 0
