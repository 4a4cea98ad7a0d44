"""E-mail replies as people see them: the page that confirms an address, in the visitor's
language on a desktop and a phone, and the agent told in the transcript that a mail failed."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from assistant.chat import services as chat_services
from assistant.chat.models import Contact, Inbox
from assistant.demo import load_demo_data
from assistant.mail import sending, verification
from assistant.mail.models import MailAccount
from tests import factories
from tests.browser.conftest import in_thread
from tests.browser.test_desk import sign_in
from tests.mail.smtp import SMTPServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = settings.BASE_DIR / "var" / "screens"
SCREENS.mkdir(parents=True, exist_ok=True)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
ADDRESS = "ada@customer.example.org"


def _visitor(language: str) -> Contact:
    inbox = factories.make_inbox(display_name="Northwind Support")
    return Contact.objects.create(inbox=inbox, email=ADDRESS, language=language)


@pytest.mark.parametrize(
    ("language", "viewport", "size"), [("en", DESKTOP, "desktop"), ("de", PHONE, "phone")]
)
def test_the_link_asks_and_the_button_confirms_the_address(
    browser: Any, web_server: Any, language: str, viewport: dict, size: str
) -> None:
    contact = _visitor(language)
    link = verification.link_for(contact_id=contact.id, email=ADDRESS)
    path = link.split("://", 1)[1].partition("/")[2]
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{web_server.url}/{path}")
        # The visitor's language, not the browser's (en-US here).
        assert page.locator("html").get_attribute("lang") == language
        question = page.get_by_test_id("verify-question")
        assert question.inner_text().count(ADDRESS) == 1
        assert "Northwind Support" in question.inner_text()
        page.screenshot(path=str(SCREENS / f"mail-verify-ask-{language}-{size}.png"))
        contact.refresh_from_db()
        assert contact.email_verified_at is None  # opening the link is not confirming

        page.get_by_test_id("verify-confirm").click()
        done = page.get_by_test_id("verify-done")
        done.wait_for()
        assert done.inner_text().count(ADDRESS) == 1
        assert page.get_by_test_id("verify-confirm").count() == 0
        page.screenshot(path=str(SCREENS / f"mail-verify-done-{language}-{size}.png"))
        if language == "en":
            assert page.locator("h1").inner_text().strip().endswith("Address confirmed")
        contact.refresh_from_db()
        assert contact.email_verified_at is not None
        if language == "en":
            assert page.locator("body").inner_text().count("is confirmed") == 1
    finally:
        context.close()


def test_a_broken_link_says_so_on_a_phone(browser: Any, web_server: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        response = page.goto(f"{web_server.url}/mail/verify/not-a-real-token/")
        assert response is not None and response.status == 400
        problem = page.get_by_test_id("verify-problem")
        assert "This link is not valid" in problem.inner_text()
        assert page.get_by_test_id("verify-confirm").count() == 0
        page.screenshot(path=str(SCREENS / "mail-verify-invalid-phone.png"))
    finally:
        context.close()


def test_the_agent_sees_in_the_transcript_that_a_mail_could_not_be_delivered(
    browser: Any, web_server: Any
) -> None:
    load_demo_data(port=web_server.port)
    inbox = Inbox.objects.get(public_key="pk_demo_northwind")
    # The demo gives its inbox an address (docs/email.md, "Setting up an address").
    account, _created = MailAccount.objects.get_or_create(
        inbox=inbox, defaults={"address": "support@northwind.example"}
    )
    conversation = in_thread(factories.make_conversation, inbox=inbox, text="Where is my order?")
    conversation.contact.email = "nobody@customer.example.org"
    conversation.contact.save(update_fields=["email"])
    conversation.channel = "email"
    conversation.save(update_fields=["channel"])
    agent = factories.make_agent("mailer")
    message = in_thread(
        chat_services.agent_message_create,
        conversation_id=conversation.id,
        agent=agent,
        text="It ships tomorrow.",
    )
    outbound = sending.outbound_schedule(message=message, send_after=timezone.now())
    assert outbound is not None and outbound.account == account

    with SMTPServer() as smtp:
        smtp.capture.refuse_rcpt.append("550 5.1.1 No such user here")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
            patch.setattr(settings, "EMAIL_HOST", "127.0.0.1")
            patch.setattr(settings, "EMAIL_PORT", smtp.port)
            patch.setattr(settings, "MAIL_SEND_MAX_ATTEMPTS", 1)
            outcome = in_thread(sending.outbound_attempt, outbound_id=outbound.pk)
    assert outcome.status == "failed"

    for size, viewport in (("desktop", {"width": 1400, "height": 900}), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        desk = context.new_page()
        try:
            sign_in(desk, web_server, "agent")
            desk.goto(f"{web_server.url}/desk/c/{conversation.id}/")
            notice = desk.get_by_test_id("transcript-message").filter(
                has_text="E-mail could not be delivered to nobody@customer.example.org."
            )
            assert notice.count() == 1
            notice.scroll_into_view_if_needed()
            desk.screenshot(path=str(SCREENS / f"mail-failed-notice-desk-{size}.png"))
        finally:
            context.close()
