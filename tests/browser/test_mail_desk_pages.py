"""The e-mail side of the desk in Chromium, in English and German, at desktop and phone size:
the drafts queue filling live, an e-mail conversation with the assistant's draft and a
customer's attachment, and the inbox's e-mail settings. Each page is read as an agent reads it
(its visible text, in their language, once) and photographed to var/screens/ (mail-*.png)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from playwright.sync_api import expect

from assistant.chat.attachments import attachment_store
from assistant.chat.models import Inbox, Message
from assistant.demo import DEMO_INBOX_KEY, load_demo_data
from assistant.mail.answering import answer_mail
from assistant.mail.models import MailAccount, MailAnswer
from tests import attachment_files as files
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tests.browser.test_desk_language import DESKTOP, PHONE, SCREENS, english_left
from tests.browser.test_mail_assistant import QUESTION, mail_from_customer
from tickets.workspace.preferences import agent_language_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def photograph(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SCREENS / f"mail-{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SCREENS / f"mail-{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def said(language: str, text: str) -> str:
    """``text`` as the desk shows it in ``language`` (German must differ from the English)."""
    with translation.override(language):
        translated = translation.gettext(text)
    assert language == "en" or translated != text, f"{text!r} is not translated"
    return translated


def seen_once(page: Any, text: str) -> None:
    shown = page.inner_text("body")
    assert shown.count(text) == 1, f"{text!r} seen {shown.count(text)} times"


def draft_mode_inbox(port: int) -> Inbox:
    load_demo_data(port=port)
    inbox = Inbox.objects.get(public_key=DEMO_INBOX_KEY)
    MailAccount.objects.filter(inbox=inbox).update(assistant_mode="draft")
    return inbox


def with_invoice(question: Message) -> None:
    """The customer's mail brought a PDF, as the e-mail channel stores it."""
    attachment_store(
        conversation=question.conversation,
        message=question,
        name="Rechnung-NW-12345.pdf",
        data=files.PDF,
        source="email",
    )


def test_a_draft_appears_live_in_the_drafts_queue(browser: Any, web_server: Any) -> None:
    inbox = draft_mode_inbox(web_server.port)
    question = in_thread(mail_from_customer, inbox=inbox, text=QUESTION)
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, web_server, "agent")
        page.goto(f"{web_server.url}/desk/q/drafts/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Drafts to approve")
        expect(page.get_by_test_id("empty")).to_be_visible()

        # The assistant drafts the answer (as the worker would) while the queue is open.
        assert in_thread(answer_mail, message_id=question.pk) == MailAnswer.State.DRAFTED
        row = page.get_by_test_id("row")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Grace Hopper")
        expect(row.get_by_test_id("draft-badge")).to_have_text("Draft to approve")
        seen_once(page, "Draft to approve")
        photograph(page, "drafts-queue")

        # Not under "Live with the assistant": it waits for an agent, not for the assistant.
        page.goto(f"{web_server.url}/desk/q/live/")
        expect(page.get_by_test_id("row")).to_have_count(0)
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_email_conversation_with_a_draft_and_an_attachment_reads_in_the_agents_language(
    browser: Any, web_server: Any, language: str
) -> None:
    inbox = draft_mode_inbox(web_server.port)
    question = in_thread(mail_from_customer, inbox=inbox, text=QUESTION)
    with_invoice(question)
    assert in_thread(answer_mail, message_id=question.pk) == MailAnswer.State.DRAFTED
    agent_language_set(user=get_user_model().objects.get(username="admin"), language=language)
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, web_server, "admin")

        page.goto(f"{web_server.url}/desk/q/drafts/")
        expect(page.get_by_test_id("draft-badge")).to_have_text(said(language, "Draft to approve"))
        expect(page.get_by_test_id("files-count")).to_contain_text("1")
        photograph(page, f"drafts-queue-{language}")

        page.goto(f"{web_server.url}/desk/c/{question.conversation_id}/")
        draft = page.get_by_test_id("mail-draft")
        expect(draft.get_by_role("heading")).to_have_text(
            said(language, "The assistant's draft answer")
        )
        for action, label in (("send", "Send"), ("discard", "Discard"), ("edit", "Edit")):
            expect(page.get_by_test_id(f"mail-draft-{action}")).to_have_text(said(language, label))
        attachments = page.get_by_test_id("attachments")
        expect(attachments).to_contain_text("Rechnung-NW-12345.pdf")
        seen_once(page, "Rechnung-NW-12345.pdf")
        if language == "de":
            assert english_left(page) == []
        photograph(page, f"conversation-{language}")

        page.get_by_test_id("mail-draft-edit").click()
        expect(page.get_by_test_id("mail-draft-edit-text")).to_be_visible()
        photograph(page, f"conversation-editing-{language}")

        page.goto(f"{web_server.url}/desk/settings/inboxes/{inbox.pk}/mail/")
        expect(page.get_by_role("heading", level=1)).to_have_text(said(language, "E-mail"))
        for heading in ("Address and answers", "Mailbox (IMAP)", "Fetching"):
            expect(
                page.get_by_role("heading", level=2, name=said(language, heading), exact=True)
            ).to_have_count(1)
        if language == "de":
            assert english_left(page) == []
        photograph(page, f"settings-{language}")
    finally:
        context.close()
