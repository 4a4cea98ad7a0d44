"""The company's own order system, as a real HTTP server the actions call, and the actions of a
shop inbox that use it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn

from assistant.actions import execution
from assistant.actions.models import Action
from assistant.actions.services import secret_set
from assistant.chat.models import Inbox
from assistant.chat.tokens import identity_hash
from assistant.llm.simulator import Rule
from tests import factories
from tests.chat.conftest import new_session, with_passages  # noqa: F401  (shared fixtures)
from tests.live import free_port
from tests.tickets.conftest import world  # noqa: F401  (the shared people and inboxes)

API_KEY = "sk-orders-7f3a9c"
ANNA, BEN = "cust-anna", "cust-ben"


def fresh_orders() -> dict[str, dict[str, Any]]:
    return {
        "1042": {
            "customer": ANNA,
            "status": "shipped",
            "carrier": "PostNL",
            "address": "Oudegracht 12, Utrecht",
            "email": "anna.de.vries@example.com",
        },
        "2001": {
            "customer": BEN,
            "status": "processing",
            "carrier": "",
            "address": "Coolsingel 40, Rotterdam",
        },
    }


@dataclass
class OrderSystem:
    """A small ASGI app: GET /orders?order_id=..., POST /orders/{id}/address. It answers only
    with the API key, and only about the customer named in X-Customer-Id (a 404 otherwise)."""

    orders: dict[str, dict[str, Any]] = field(default_factory=fresh_orders)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # "slow", "500" or "huge": how the next requests misbehave.
    fault: str = ""

    def reset(self) -> None:
        self.orders = fresh_orders()
        self.requests.clear()
        self.fault = ""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append(
            {
                "method": scope["method"],
                "path": scope["path"],
                "query": scope["query_string"].decode(),
                "headers": headers,
                "body": body.decode(),
            }
        )
        status, answer = await self._answer(scope, headers, body)
        data = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": data})

    async def _answer(self, scope: dict, headers: dict, body: bytes) -> tuple[int, Any]:
        if self.fault == "slow":
            await asyncio.sleep(5)
        if self.fault == "500":
            return 500, {"error": "database down"}
        if self.fault == "huge":
            return 200, {"notes": "x" * 100_000}
        if headers.get("x-api-key") != API_KEY:
            return 401, {"error": "unauthorised"}
        customer = headers.get("x-customer-id", "")
        parts = scope["path"].strip("/").split("/")
        if scope["method"] == "GET" and parts == ["orders"]:
            wanted = parse_qs(scope["query_string"].decode()).get("order_id", [""])[0]
            order = self.orders.get(wanted)
            if order is None or order["customer"] != customer:
                return 404, {"error": f"no order {wanted} for this customer"}
            return 200, {"order_id": wanted, **{k: v for k, v in order.items() if k != "customer"}}
        if scope["method"] == "POST" and len(parts) == 3 and parts[2] == "address":
            order = self.orders.get(parts[1])
            if order is None or order["customer"] != customer:
                return 404, {"error": "no such order for this customer"}
            order["address"] = json.loads(body)["address"]
            return 200, {"order_id": parts[1], "address": order["address"], "changed": True}
        return 404, {"error": "no route"}


@pytest.fixture(scope="session")
def order_server() -> Iterator[tuple[OrderSystem, str]]:
    app = OrderSystem()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def orders(order_server, settings) -> Iterator[OrderSystem]:
    """The order system, fresh; reachable on loopback through the test allowance only."""
    app, _ = order_server
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    app.reset()
    execution.reset_breakers()
    yield app
    app.reset()


@pytest.fixture
def order_url(order_server) -> str:
    return order_server[1]


def make_actions(inbox: Inbox, base_url: str) -> tuple[Action, Action]:
    status = Action(
        inbox=inbox,
        name="order_status",
        description="Look up the status and delivery address of one of the customer's orders.",
        parameters={
            "type": "object",
            "properties": {"order_id": {"type": "string", "description": "The order number"}},
            "required": ["order_id"],
        },
        method="GET",
        url=f"{base_url}/orders",
        secret_header_name="X-Api-Key",
        identity_fields=["customer_id"],
        timeout_seconds=2,
    )
    secret_set(action=status, value=API_KEY)
    status.save()
    change = Action(
        inbox=inbox,
        name="change_delivery_address",
        description="Change the delivery address of one of the customer's orders.",
        parameters={
            "type": "object",
            "properties": {"order_id": {"type": "string"}, "address": {"type": "string"}},
            "required": ["order_id", "address"],
        },
        method="POST",
        url=f"{base_url}/orders/{{order_id}}/address",
        secret_header_name="X-Api-Key",
        identity_fields=["customer_id"],
        changes_data=True,
        confirmation_text="Change the delivery address of order {order_id} to {address}?",
        timeout_seconds=2,
    )
    secret_set(action=change, value=API_KEY)
    change.save()
    return status, change


def identity(inbox: Inbox, customer_id: str) -> dict[str, str]:
    return {
        "id": customer_id,
        "hash": identity_hash(secret=inbox.identity_secret, customer_id=customer_id),
    }


ACTION_RULES = [
    {
        "pattern": "where is my order 1042",
        "tool_calls": [{"name": "order_status", "arguments": {"order_id": "1042"}}],
    },
    {
        "pattern": "where is order 2001",
        "tool_calls": [{"name": "order_status", "arguments": {"order_id": "2001"}}],
    },
    {
        "pattern": "send order 1042 to",
        "tool_calls": [
            {
                "name": "change_delivery_address",
                "arguments": {"order_id": "1042", "address": "Keizersgracht 1, Amsterdam"},
            }
        ],
    },
]


@pytest.fixture
def action_llm(simulated_llm) -> Iterator[Any]:
    """The simulator, scripted to call the actions for the questions above."""
    rules = simulated_llm.app.config.rules
    simulated_llm.app.config.rules = [*(Rule.from_dict(r) for r in ACTION_RULES), *rules]
    yield simulated_llm
    simulated_llm.app.config.rules = rules


@pytest.fixture
def shop(db, orders, order_url) -> Inbox:
    inbox = factories.make_inbox()
    make_actions(inbox, order_url)
    return inbox
