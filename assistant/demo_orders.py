"""The demo shop's order system: a few orders per demo customer, their status, delivery address
and returns, behind a small JSON API under /demo/api/ that the demo inbox's actions call.

It stands in for the company's own systems, so it behaves like one: it answers only with the
demo API key (the actions' secret header) and only about the customer named in X-Customer-Id
(which the assistant takes from the widget's verified identity, never from the model). The
orders live in Redis, so an address changed in the demo stays changed across requests and
processes; `reset` puts the fictional orders back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from assistant.kv import sync_redis

_KEY = "demo:orders:v1"


@dataclass(frozen=True)
class DemoCustomer:
    id: str
    name: str
    email: str


DEMO_CUSTOMERS = (
    DemoCustomer("nw-anna", "Anna de Vries", "anna.devries@example.com"),
    DemoCustomer("nw-ben", "Ben Jansen", "ben.jansen@example.com"),
)

_ORDERS: dict[str, dict[str, Any]] = {
    "NW-1042": {
        "customer": "nw-anna",
        "item": "Northwind Canal city bike, 8-speed",
        "status": "shipped",
        "carrier": "PostNL",
        "expected_delivery": "within 2 working days",
        "delivery_address": "Oudegracht 112, 3511 AW Utrecht",
        "return": None,
    },
    "NW-1057": {
        "customer": "nw-anna",
        "item": "Volt battery 625 Wh",
        "status": "processing",
        "carrier": "",
        "expected_delivery": "ships within 2 working days",
        "delivery_address": "Oudegracht 112, 3511 AW Utrecht",
        "return": None,
    },
    "NW-2001": {
        "customer": "nw-ben",
        "item": "Northwind Atlas touring bike",
        "status": "delivered",
        "carrier": "DHL",
        "expected_delivery": "delivered",
        "delivery_address": "Coolsingel 40, 3011 AD Rotterdam",
        "return": None,
    },
}
# An address can be changed until the parcel leaves; a return starts once it arrived.
CHANGEABLE = ("processing",)
RETURNABLE = ("delivered",)


class OrderError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def demo_api_key() -> str:
    """The demo order API's key (the demo actions' secret header), derived from SECRET_KEY so
    that each installation has its own."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"demo-order-api", hashlib.sha256)
    return "demo_" + digest.hexdigest()[:32]


def key_is_valid(given: str | None) -> bool:
    return given is not None and hmac.compare_digest(given, demo_api_key())


def reset() -> None:
    sync_redis().set(_KEY, json.dumps(_ORDERS))


def _load() -> dict[str, dict[str, Any]]:
    raw = sync_redis().get(_KEY)
    return json.loads(raw) if raw else json.loads(json.dumps(_ORDERS))


def _save(orders: dict[str, dict[str, Any]]) -> None:
    sync_redis().set(_KEY, json.dumps(orders))


def _shown(number: str, order: dict[str, Any]) -> dict[str, Any]:
    return {"order_id": number, **{k: v for k, v in order.items() if k != "customer"}}


def _own(orders: dict[str, dict[str, Any]], customer: str, number: str) -> dict[str, Any]:
    """The customer's order, or 404 (another customer's order does not exist for them)."""
    order = orders.get(number.strip().upper())
    if order is None or order["customer"] != customer:
        raise OrderError(404, f"There is no order {number} for this customer.")
    return order


def orders_of(customer: str, number: str = "") -> dict[str, Any]:
    orders = _load()
    if number:
        return _shown(number.strip().upper(), _own(orders, customer, number))
    mine = [_shown(n, o) for n, o in orders.items() if o["customer"] == customer]
    return {"orders": mine}


def change_address(customer: str, number: str, address: str) -> dict[str, Any]:
    address = " ".join(str(address).split())[:200]
    if not address:
        raise OrderError(400, "A new delivery address is needed.")
    orders = _load()
    order = _own(orders, customer, number)
    if order["status"] not in CHANGEABLE:
        raise OrderError(409, f"Order {number} has {order['status']}; its address is final.")
    order["delivery_address"] = address
    _save(orders)
    return {**_shown(number.strip().upper(), order), "changed": True}


def start_return(customer: str, number: str, reason: str) -> dict[str, Any]:
    orders = _load()
    order = _own(orders, customer, number)
    if order["status"] not in RETURNABLE:
        raise OrderError(
            409, f"Order {number} has not been delivered yet, so it cannot be returned."
        )
    if order["return"]:
        raise OrderError(409, f"A return for order {number} was started already.")
    order["return"] = {
        "return_id": "RMA-" + secrets.token_hex(3).upper(),
        "reason": " ".join(str(reason).split())[:200],
        "label": "sent to the customer's e-mail address",
    }
    _save(orders)
    return {**_shown(number.strip().upper(), order), "return_started": True}
