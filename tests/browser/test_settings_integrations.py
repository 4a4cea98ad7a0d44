"""An admin connects the company's own systems from the desk's settings: creates a webhook
pointing at a receiver (its signing secret shown once), creates an API token (shown once, copied),
uses it against the API to open a ticket, sees the webhook's delivery in the log, redelivers
it, then revokes the token, which the API refuses from then on. Screenshots of each page,
desktop and phone, go to var/screens/."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_settings import flash, in_process_server, shoot  # noqa: F401 (fixture)
from tests.tickets.receiver import Receiver
from tickets.apitokens.models import ApiToken
from tickets.models import SettingsChange
from tickets.webhooks import signing
from tickets.webhooks.models import Webhook, WebhookDelivery

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real Celery worker, allowed to deliver to the receiver on 127.0.0.1 (its settings
    come from the environment it starts with)."""
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_TARGETS", "true")
    return request.getfixturevalue("celery_worker_process")


def _until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_an_admin_connects_a_webhook_and_an_api_token(
    browser: Any,
    in_process_server: Any,  # noqa: F811 (the fixture imported above)
    worker: Any,
    settings: Any,
) -> None:
    # The save-time check runs in this process (the in-process server), the send-time one in
    # the worker: both may reach the local receiver.
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    server = in_process_server
    inbox = factories.make_inbox(name="Northwind shop")
    factories.make_agent("ada", role="admin")
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    with Receiver() as receiver:
        try:
            page.goto(f"{server.url}/accounts/login/")
            page.fill("#id_username", "ada")
            page.fill("#id_password", "pw-ada")
            page.click("button[type=submit]")
            page.wait_for_url("**/desk/**")

            # A webhook: its secret is shown once, on its own page.
            page.goto(f"{server.url}/desk/settings/replies/")
            page.get_by_test_id("settings-webhooks").click()
            page.wait_for_url("**/desk/settings/webhooks/")
            assert page.get_by_text("No webhooks yet.").count() == 1
            shoot(page, "webhooks-empty")
            form = page.get_by_test_id("webhook-form")
            form.get_by_label("URL", exact=True).fill(receiver.url)
            form.get_by_label("Description").fill("CRM sync")
            form.get_by_label("Ticket created").check()
            form.get_by_role("button", name="Create webhook").click()
            page.wait_for_url("**/desk/settings/webhooks/*/")
            assert flash(page) == (
                "Webhook created. Copy its signing secret now: it will not be shown again."
            )
            webhook = Webhook.objects.get()
            revealed = page.get_by_test_id("new-secret")
            assert revealed.get_by_role("textbox").input_value() == webhook.secret
            shoot(page, "webhook-secret")
            page.reload()
            assert page.get_by_test_id("new-secret").count() == 0
            assert webhook.secret not in page.content()

            # An API token: shown once, copied with the button, gone on reload.
            page.get_by_test_id("settings-api-tokens").click()
            page.wait_for_url("**/desk/settings/api-tokens/")
            form = page.get_by_test_id("token-form")
            form.get_by_label("Name").fill("Ticket importer")
            form.get_by_label("Access").select_option(label="Read and write")
            form.get_by_role("button", name="Create token").click()
            page.wait_for_load_state()
            assert flash(page) == "Token created. Copy it now: it will not be shown again."
            revealed = page.get_by_test_id("new-token")
            key = revealed.get_by_role("textbox").input_value()
            assert key.startswith("ast_")
            revealed.get_by_role("button", name="Copy").click()
            expect(revealed.get_by_role("status")).to_have_text("Copied")
            assert page.evaluate("navigator.clipboard.readText()") == key
            shoot(page, "api-token-created")
            page.reload()
            assert key not in page.content()
            token = ApiToken.objects.get()
            row = page.get_by_test_id(f"token-{token.pk}")
            assert row.get_by_text("Ticket importer").count() == 1
            assert row.get_by_text("never").count() == 1

            # The token works against the API; the new ticket fires the webhook.
            api = {"Authorization": f"Token {key}"}
            created = httpx.post(
                f"{server.url}/api/v1/tickets",
                headers=api,
                json={
                    "inbox": inbox.pk,
                    "contact_email": "ines@example.com",
                    "subject": "Invoice copy, please",
                },
                timeout=30,
            )
            assert created.status_code == 201, created.text
            _until(lambda: len(receiver.received) == 1, "the webhook delivery")
            first = receiver.received[0]
            assert json.loads(first.body)["data"]["subject"] == "Invoice copy, please"
            assert signing.verify(
                webhook.secret, first.headers["X-Assistant-Signature"], first.body
            )
            delivery = WebhookDelivery.objects.get()
            _until(
                lambda: WebhookDelivery.objects.get().status == "delivered", "the delivery record"
            )
            page.reload()
            row = page.get_by_test_id(f"token-{token.pk}")
            assert row.get_by_text("never").count() == 0  # last used is recorded

            # The delivery log shows it; redeliver sends it again as attempt 2.
            page.get_by_test_id("settings-webhooks").click()
            page.get_by_role("link", name="CRM sync").click()
            logged = page.get_by_test_id(f"delivery-{delivery.pk}")
            summary = logged.locator(".delivery-head")
            assert summary.get_by_text("Delivered", exact=True).count() == 1
            assert summary.get_by_text("HTTP 200").count() == 1
            assert summary.get_by_text("1 attempt", exact=True).count() == 1
            logged.get_by_text("Request and responses").click()
            assert "Invoice copy, please" in logged.get_by_test_id("request-body").inner_text()
            shoot(page, "webhook-log")
            logged.get_by_role("button", name="Redeliver").click()
            page.wait_for_load_state()
            assert flash(page) == "Redelivery queued: it appears below as the next attempt."
            _until(lambda: len(receiver.received) == 2, "the redelivery")
            assert receiver.received[1].body == first.body
            assert receiver.received[1].headers["X-Assistant-Attempt"] == "2"
            _until(
                lambda: WebhookDelivery.objects.get().attempt_log.count() == 2, "attempt 2 saved"
            )
            page.reload()
            logged = page.get_by_test_id(f"delivery-{delivery.pk}")
            assert logged.locator(".delivery-head").get_by_text("2 attempts").count() == 1
            logged.get_by_text("Request and responses").click()
            assert logged.get_by_test_id("attempt-2").count() == 1
            shoot(page, "webhook-redelivered")

            # Revoked: the API refuses the key at once.
            page.get_by_test_id("settings-api-tokens").click()
            page.get_by_role("button", name="Revoke Ticket importer").click()
            page.wait_for_load_state()
            assert flash(page) == "Token “Ticket importer” revoked: it no longer works."
            refused = httpx.get(f"{server.url}/api/v1/tickets", headers=api, timeout=30)
            assert refused.status_code == 401
            shoot(page, "api-tokens")

            page.goto(f"{server.url}/desk/settings/webhooks/")
            shoot(page, "webhooks")
            page.goto(f"{server.url}/desk/settings/audit/")
            changes = page.get_by_test_id("changes")
            assert changes.get_by_text("Ticket importer: API token created").count() == 1
            assert changes.get_by_text("Ticket importer: API token revoked").count() == 1
            assert changes.get_by_text("CRM sync: webhook created").count() == 1
            assert changes.get_by_text("CRM sync: webhook delivery sent again").count() == 1
            shoot(page, "audit-integrations")

            # Deleting asks once more, saying what goes with it.
            page.goto(f"{server.url}/desk/settings/webhooks/{webhook.pk}/")
            page.get_by_text("Delete this webhook").click()
            confirm = page.get_by_role("button", name="Delete webhook and log")
            assert confirm.is_visible()
            shoot(page, "webhook-delete-confirm")
            confirm.click()
            page.wait_for_url("**/desk/settings/webhooks/")
            assert flash(page) == "Webhook deleted."
            assert page.get_by_text("No webhooks yet.").count() == 1
        finally:
            context.close()
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()
    assert SettingsChange.objects.filter(actor__username="ada").count() == 5
