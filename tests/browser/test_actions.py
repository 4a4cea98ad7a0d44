"""An action as a customer and an agent see it in Chromium: a signed-in demo customer asks to
change an order's delivery address, confirms it on the card in the widget, reads the answer;
the agent finds the call in the desk transcript. The demo's own order API answers, reached
through the SSRF guard's test allowance; the simulator stands in for a tool-calling model.
Screenshots at desktop and phone sizes go to var/screens/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from assistant import demo_orders
from assistant.chat.models import Conversation
from assistant.demo import load_demo_data
from assistant.llm.simulator import Rule
from tests.browser.test_consent_and_availability import DESKTOP, screenshots
from tests.browser.test_desk import sign_in
from tests.browser.test_desk_workspace import PHONE, agent_page, shoot
from tests.browser.test_widget import send
from tests.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_ADDRESS = "Dam 1, 1012 JS Amsterdam"
ASKED = f"Change the delivery address of order NW-1057 to {NEW_ADDRESS}?"
RULES = [
    {
        "pattern": "delivery address of NW-1057",
        "tool_calls": [
            {
                "name": "change_delivery_address",
                "arguments": {"order_id": "NW-1057", "address": NEW_ADDRESS},
            }
        ],
    }
]


OPENAPI = """{"openapi": "3.0.3", "servers": [{"url": "https://billing.northwind.example"}],
 "paths": {"/invoices": {"get": {"operationId": "listInvoices",
   "summary": "The signed-in customer's invoices.",
   "parameters": [{"name": "year", "in": "query", "schema": {"type": "integer"}}]}}}}"""


@pytest.fixture(scope="module")
def actions_server(
    live_server_environment: dict[str, str], model_simulator: Any
) -> Iterator[LiveServer]:
    """A web server whose model is the simulator, allowed to call the demo order API on
    loopback (the test allowance)."""
    environment = {
        **live_server_environment,
        "OPENAI_BASE_URL": model_simulator.base_url,
        "OPENAI_API_KEY": "sk-simulator",
        "OPENAI_MODEL": "qwen-plus",
        "LLM_FIRST_TOKEN_TIMEOUT": "3",
        "LLM_TOTAL_TIMEOUT": "20",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    }
    rules = model_simulator.app.config.rules
    model_simulator.app.config.rules = [*(Rule.from_dict(r) for r in RULES), *rules]
    try:
        with LiveServer(environment, name="web-actions") as server:
            yield server
    finally:
        model_simulator.app.config.rules = rules


def transcript_text(page: Any) -> str:
    """The conversation as shown (not the screen reader's live region, which repeats the last
    message on purpose)."""
    return "\n".join(page.locator("[data-testid=message]").all_inner_texts())


def test_a_customer_confirms_a_change_on_the_card_and_the_agent_sees_the_call(
    browser: Any, page: Any, actions_server: LiveServer
) -> None:
    load_demo_data(port=actions_server.port)
    demo_orders.reset()
    page.goto(f"{actions_server.url}/demo/?customer=nw-anna")
    assert "The chat knows you as Anna de Vries" in page.inner_text("body")
    page.get_by_test_id("launcher").click()
    page.wait_for_selector("[data-testid=panel][data-state=open]")
    send(page, "Please change the delivery address of NW-1057 to Dam 1, Amsterdam")

    card = page.get_by_test_id("action-card")
    card.wait_for()
    # What will happen is stated once, with the two buttons under it; nothing has run yet.
    assert transcript_text(page).count(ASKED) == 1
    assert page.get_by_test_id("action-confirm").inner_text() == "Confirm"
    assert page.get_by_test_id("action-cancel").inner_text() == "Cancel"
    order = demo_orders.orders_of("nw-anna", "NW-1057")
    assert order["delivery_address"] != NEW_ADDRESS
    screenshots(page, "action-card")

    page.get_by_test_id("action-confirm").click()
    answer = page.locator(
        "[data-testid=message][data-author=assistant]:not([data-stream])", has_text="changed"
    )
    answer.wait_for()
    assert NEW_ADDRESS in answer.inner_text()
    assert page.get_by_test_id("action-decided").inner_text() == "Confirmed"
    assert page.get_by_test_id("action-confirm").count() == 0, "the card is decided once"
    assert demo_orders.orders_of("nw-anna", "NW-1057")["delivery_address"] == NEW_ADDRESS
    screenshots(page, "action-confirmed")

    conversation = Conversation.objects.get(contact__external_id="nw-anna")
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context, desk = agent_page(browser, actions_server, viewport)
        try:
            desk.goto(f"{actions_server.url}/desk/c/{conversation.pk}/")
            call = desk.get_by_test_id("action-call")
            call.wait_for()
            assert call.count() == 1
            text = call.inner_text()
            assert "change_delivery_address" in text and NEW_ADDRESS in text
            assert "Succeeded" in text and "Confirmed by the customer (Anna de Vries)" in text
            call.scroll_into_view_if_needed()
            shoot(desk, f"action-desk-{name}")
        finally:
            context.close()

    # The manager's analytics count the call by action and outcome.
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(15_000)
        analytics = context.new_page()
        try:
            sign_in(analytics, actions_server, "manager")
            analytics.goto(f"{actions_server.url}/analytics/?range=7d")
            table = analytics.get_by_test_id("table-actions")
            row = table.locator("tr", has_text="change_delivery_address")
            assert row.count() == 1
            assert row.locator("td").all_inner_texts()[:3] == ["change_delivery_address", "1", "1"]
            table.scroll_into_view_if_needed()
            shoot(analytics, f"action-analytics-{name}")
        finally:
            context.close()


def test_a_manager_defines_and_tests_an_action_in_the_settings(
    browser: Any, actions_server: LiveServer
) -> None:
    load_demo_data(port=actions_server.port)
    demo_orders.reset()
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            sign_in(page, actions_server, "manager")
            page.goto(f"{actions_server.url}/desk/settings/actions/")
            listed = page.get_by_test_id("action-list").inner_text()
            for action in ("order_status", "change_delivery_address", "start_return"):
                assert listed.count(action) == 1
            # An OpenAPI operation fills in the new action, for review before it is created.
            importer = page.get_by_test_id("action-import")
            importer.get_by_label("OpenAPI document (JSON or YAML)").fill(OPENAPI)
            importer.get_by_label("Operation").fill("listInvoices")
            importer.get_by_role("button", name="Fill in the new action").click()
            new = page.get_by_test_id("action-new")
            assert new.get_by_label("Name", exact=True).input_value() == "list_invoices"
            assert new.get_by_label("Endpoint URL").input_value() == (
                "https://billing.northwind.example/invoices"
            )
            new.scroll_into_view_if_needed()
            shoot(page, f"action-settings-import-{name}")
            page.goto(f"{actions_server.url}/desk/settings/actions/")
            shoot(page, f"action-settings-list-{name}")
            page.get_by_role("link", name="order_status").click()
            assert page.get_by_test_id("secret-set").inner_text() == "A secret is stored."
            assert demo_orders.demo_api_key() not in page.content()
            test = page.get_by_test_id("action-test")
            test.get_by_label("Sample arguments (JSON)").fill('{"order_id": "NW-1042"}')
            test.get_by_label("Sample customer id").fill("nw-anna")
            test.get_by_role("button", name="Send a test request").click()
            tried = page.get_by_test_id("action-tried")
            tried.wait_for()
            assert "It worked." in tried.inner_text() and "PostNL" in tried.inner_text()
            tried.scroll_into_view_if_needed()
            shoot(page, f"action-settings-test-{name}")
        finally:
            context.close()
