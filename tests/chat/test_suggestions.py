"""'Suggest a reply' offline: the relevant passage as whole Markdown, never a "don't know"."""

from __future__ import annotations

import pytest

from assistant.chat.suggestions import NoGroundedDraft, draft_reply
from assistant.knowledge.demo import load_demo_articles
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_offline_draft_is_the_whole_passage_with_its_table() -> None:
    load_demo_articles()
    conversation = factories.make_conversation(
        factories.make_inbox(), text="How much does a new e-bike battery cost?"
    )
    draft = draft_reply(conversation)
    assert "| Battery | Price |\n|---|---|\n| Bosch PowerTube 500 Wh | €649 |" in draft
    assert not draft.startswith("|")
    assert "connect you" not in draft


def test_no_draft_offline_when_no_article_answers() -> None:
    load_demo_articles()
    conversation = factories.make_conversation(
        factories.make_inbox(), text="Do you sell saddles on Mars with lifetime guarantees?"
    )
    with pytest.raises(NoGroundedDraft):
        draft_reply(conversation)
