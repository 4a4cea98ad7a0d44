"""The demo shop's order API and its three actions, and the "signed in as" switch."""

from __future__ import annotations

import json

import pytest

from assistant import demo_orders
from assistant.actions import secrets
from assistant.actions.models import Action
from assistant.chat.tokens import identity_is_valid
from assistant.demo import load_demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_orders():
    demo_orders.reset()
    yield
    demo_orders.reset()


def call(client, method: str, path: str, customer: str | None = "nw-anna", key=True, **body):
    headers = {}
    if key:
        headers["X-Demo-Key"] = demo_orders.demo_api_key()
    if customer:
        headers["X-Customer-Id"] = customer
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_the_order_api_answers_only_with_its_key_and_for_a_customer(client) -> None:
    assert call(client, "GET", "/demo/api/orders", key=False).status_code == 401
    assert call(client, "GET", "/demo/api/orders", customer=None).status_code == 401
    mine = call(client, "GET", "/demo/api/orders").json()["orders"]
    assert [o["order_id"] for o in mine] == ["NW-1042", "NW-1057"]


def test_another_customers_order_does_not_exist_for_them(client) -> None:
    response = call(client, "GET", "/demo/api/orders?order_id=NW-2001")
    assert response.status_code == 404
    assert "Coolsingel" not in response.content.decode()
    assert call(client, "GET", "/demo/api/orders?order_id=nw-1042").json()["status"] == "shipped"


def test_an_address_changes_until_the_order_ships(client) -> None:
    shipped = call(client, "POST", "/demo/api/orders/NW-1042/address", address="Dam 1, Amsterdam")
    assert shipped.status_code == 409
    changed = call(client, "POST", "/demo/api/orders/NW-1057/address", address="Dam 1, Amsterdam")
    assert changed.status_code == 200 and changed.json()["delivery_address"] == "Dam 1, Amsterdam"
    again = call(client, "GET", "/demo/api/orders?order_id=NW-1057").json()
    assert again["delivery_address"] == "Dam 1, Amsterdam"
    foreign = call(client, "POST", "/demo/api/orders/NW-2001/address", address="Dam 1")
    assert foreign.status_code == 404


def test_a_return_starts_once_for_a_delivered_order(client) -> None:
    path = "/demo/api/orders/NW-2001/return"
    started = call(client, "POST", path, customer="nw-ben", reason="Frame too small")
    assert started.status_code == 200 and started.json()["return"]["return_id"].startswith("RMA-")
    assert call(client, "POST", path, customer="nw-ben", reason="again").status_code == 409
    early = call(client, "POST", "/demo/api/orders/NW-1057/return", reason="changed my mind")
    assert early.status_code == 409


def test_the_demo_inbox_has_its_three_actions() -> None:
    inbox = load_demo_data(port=8123)
    actions = {a.name: a for a in Action.objects.filter(inbox=inbox)}
    assert set(actions) == {"order_status", "change_delivery_address", "start_return"}
    assert not actions["order_status"].changes_data
    assert actions["change_delivery_address"].changes_data and actions["start_return"].changes_data
    assert actions["order_status"].url == "http://127.0.0.1:8123/demo/api/orders"
    secret = actions["start_return"].secret_header_value
    assert demo_orders.demo_api_key() not in secret
    assert secrets.decrypt(secret) == demo_orders.demo_api_key()
    # Loading again (another port) keeps them, pointed at the new port.
    load_demo_data(port=8124)
    assert Action.objects.filter(inbox=inbox).count() == 3
    assert Action.objects.get(inbox=inbox, name="order_status").url.startswith(
        "http://127.0.0.1:8124/"
    )


def test_the_demo_page_signs_in_a_demo_customer_with_a_valid_identity(client) -> None:
    inbox = load_demo_data(port=8123)
    page = client.get("/demo/?customer=nw-anna").content.decode()
    start = page.index('id="demo-identity"')
    data = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    assert data["id"] == "nw-anna" and data["name"] == "Anna de Vries"
    assert identity_is_valid(
        secret=inbox.identity_secret, customer_id="nw-anna", claimed_hash=data["hash"]
    )
    assert "The chat knows you as Anna de Vries" in page
    anonymous = client.get("/demo/").content.decode()
    assert "Sign in as a demo customer" in anonymous
    assert '<script id="demo-identity" type="application/json">null</script>' in anonymous
