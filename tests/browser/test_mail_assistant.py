"""The assistant on e-mail in the desk, in Chromium: an admin sets up the inbox's address (draft
mode, IMAP with a password that is never shown back, the connection tested against a real IMAP
server, a relay key shown once); a customer's mail gets a draft answer; an agent edits it and
sends it, and it becomes the assistant's message in the transcript. Screenshots, desktop and
phone, go to var/screens/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from assistant.chat import channel_intake
from assistant.chat.models import Conversation, Inbox, Message
from assistant.demo import DEMO_INBOX_KEY, load_demo_data
from assistant.mail.answering import answer_mail
from assistant.mail.models import MailAccount, MailAnswer
from tests import factories
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tests.browser.test_settings import flash, shoot
from tests.tickets.test_mail_settings import IMAP_PASSWORD, IMAP_USER, imap_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["imap_server"]  # the fixture, shared with the settings page's tests

QUESTION = "How much does a new e-bike battery cost?"


def mail_from_customer(inbox: Inbox, text: str) -> Message:
    """A customer's e-mail as intake stores it."""
    contact = factories.make_session(inbox).contact
    contact.name, contact.email = "Grace Hopper", "grace@example.org"
    contact.save(update_fields=["name", "email"])
    stored = channel_intake.conversation_start_from_channel(
        contact_id=contact.pk,
        channel=Conversation.Channel.EMAIL,
        subject="Battery price",
        text=text,
        client_id="mail-browser-1",
        with_assistant=True,
    )
    return stored.message


def test_an_agent_edits_and_sends_the_assistants_draft(browser: Any, web_server: Any) -> None:
    load_demo_data(port=web_server.port)
    inbox = Inbox.objects.get(public_key=DEMO_INBOX_KEY)
    # The demo inbox has its address; its assistant drafts here.
    MailAccount.objects.filter(inbox=inbox).update(assistant_mode="draft")
    question = in_thread(mail_from_customer, inbox=inbox, text=QUESTION)
    conversation = question.conversation
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, web_server, "agent")
        page.goto(f"{web_server.url}/desk/c/{conversation.pk}/")
        expect(page.get_by_test_id("transcript")).to_contain_text(QUESTION)
        expect(page.get_by_test_id("mail-draft")).to_have_count(0)
        # The task drafts the answer (as a worker would) while the agent has the page open:
        # the draft appears without a reload.
        assert in_thread(answer_mail, message_id=question.pk) == MailAnswer.State.DRAFTED
        draft = page.get_by_test_id("mail-draft")
        expect(draft).to_have_count(1)
        expect(draft.get_by_role("heading")).to_have_text("The assistant's draft answer")
        expect(draft).to_contain_text("Nothing has been sent")
        expect(page.get_by_test_id("mail-draft-text")).to_contain_text("€649")
        # Not in the transcript: the customer has not been sent anything.
        expect(page.get_by_test_id("transcript")).not_to_contain_text("€649")
        shoot(page, "mail-draft")

        page.get_by_test_id("mail-draft-edit").click()
        editor = page.get_by_test_id("mail-draft-edit-text")
        expect(editor).to_be_visible()
        editor.fill("Hi Grace, a new battery costs €649 (Bosch PowerTube 500 Wh).")
        shoot(page, "mail-draft-editing")
        page.get_by_test_id("mail-draft-send-edited").click()

        expect(page.get_by_test_id("flash")).to_have_text(
            "The answer is on its way to the customer by e-mail."
        )
        expect(page.get_by_test_id("mail-draft")).to_have_count(0)
        sent = page.locator("[data-testid=transcript-message][data-author=assistant]")
        expect(sent).to_have_count(1)
        expect(sent).to_contain_text("Hi Grace, a new battery costs €649")
        expect(page.get_by_test_id("approved-by")).to_have_text(
            "Draft approved by Alex Agent and sent by e-mail."
        )
        shoot(page, "mail-draft-sent")
    finally:
        context.close()
    decided = MailAnswer.objects.get(conversation=conversation)
    assert decided.state == "sent" and decided.decided_by.username == "agent" and decided.edited


def test_an_admin_sets_up_the_inboxes_address(
    browser: Any, web_server: Any, imap_server: int
) -> None:
    load_demo_data(port=web_server.port)
    # A new inbox, which has no address yet (the demo's has one).
    inbox = factories.make_inbox(name="Northwind outlet")
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, web_server, "admin")
        page.goto(f"{web_server.url}/desk/settings/inboxes/{inbox.pk}/")
        page.get_by_test_id("inbox-mail-link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("E-mail")
        expect(page.get_by_test_id("no-address")).to_be_visible()
        shoot(page, "mail-empty")

        page.get_by_label("Address", exact=True).fill("help@northwind.example")
        page.get_by_label("The assistant drafts, an agent approves").check()
        page.get_by_label("Signature", exact=True).fill("Northwind Cycles support")
        page.get_by_label("IMAP server", exact=True).fill("127.0.0.1")
        page.get_by_label("IMAP port", exact=True).fill(str(imap_server))
        page.get_by_label("Security", exact=True).select_option("none")
        page.get_by_label("IMAP user", exact=True).fill(IMAP_USER)
        page.get_by_label("IMAP password", exact=True).fill(IMAP_PASSWORD)
        page.get_by_test_id("mail-save").click()

        expect(page.get_by_test_id("flash")).to_have_text("E-mail settings saved.")
        expect(page.get_by_label("IMAP password", exact=True)).to_have_value("")
        expect(page.get_by_test_id("password-saved")).to_have_text("A password is saved.")
        assert IMAP_PASSWORD not in page.content()

        page.get_by_test_id("mail-test").click()
        assert flash(page).startswith("Connected: signed in and opened INBOX (")

        page.get_by_test_id("relay-key-rotate").click()
        key = page.get_by_test_id("relay-key-value").inner_text()
        assert key.startswith("mrk_")
        expect(page.get_by_test_id("relay-url")).to_contain_text("/mail/inbound/")
        expect(page.get_by_test_id("changes")).to_contain_text("e-mail relay key created")
        shoot(page, "mail-configured")

        page.reload()
        expect(page.get_by_test_id("relay-key-hidden")).to_contain_text(
            f"A relay key starting with {key[:12]}… is set"
        )
        assert key not in page.content()
    finally:
        context.close()
    account = MailAccount.objects.get(inbox=inbox)
    assert (account.address, account.assistant_mode) == ("help@northwind.example", "draft")
