"""The guards around one action call, without a conversation: where it may go, what it may be
sent, and how its secret is kept."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from assistant import netguard
from assistant.actions import execution, secrets
from assistant.actions.models import Action
from assistant.actions.schema import check_arguments, validate_parameters_schema
from assistant.actions.spec import ActionSpec
from tests import factories
from tests.actions.conftest import ANNA, API_KEY, make_actions

pytestmark = pytest.mark.django_db


def resolving_to(address: str):
    def resolve(host: str, port: int, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return resolve


def spec_with(url: str, **fields) -> ActionSpec:
    action = Action(
        id=999,
        name="order_status",
        description="Look up an order.",
        url=url,
        identity_fields=["customer_id"],
        **fields,
    )
    return ActionSpec.of(action)


async def test_a_target_resolving_to_a_private_address_is_refused(monkeypatch, settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    monkeypatch.setattr(netguard, "resolve", resolving_to("10.0.0.7"))
    executed = await execution.execute(
        spec_with("https://orders.shop.example/api"), {"order_id": "1"}, {"customer_id": ANNA}
    )
    assert executed.outcome == "unsafe_target" and executed.status_code is None


async def test_plain_http_is_refused_outside_the_test_allowance(monkeypatch, settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    monkeypatch.setattr(netguard, "resolve", resolving_to("93.184.215.14"))
    executed = await execution.execute(
        spec_with("http://orders.shop.example/api"), {}, {"customer_id": ANNA}
    )
    assert executed.outcome == "unsafe_target"


async def test_the_breaker_opens_after_repeated_failures(orders, order_url) -> None:
    orders.fault = "500"
    spec = spec_with(f"{order_url}/orders", timeout_seconds=2)
    outcomes = [(await execution.execute(spec, {}, {})).outcome for _ in range(4)]
    assert outcomes == ["http_500", "http_500", "http_500", "circuit_open"]
    assert len(orders.requests) == 3


def test_path_arguments_are_escaped_and_the_rest_sent_as_json() -> None:
    spec = spec_with("https://shop.example/orders/{order_id}/address", method="POST")
    url, body, _ = execution._request_parts(spec, {"order_id": "1/../9", "address": "Straße 1"})
    assert url == "https://shop.example/orders/1%2F..%2F9/address"
    assert body == '{"address": "Straße 1"}'.encode()


def test_a_parameters_schema_must_be_a_valid_object_schema() -> None:
    validate_parameters_schema({"type": "object", "properties": {"a": {"type": "string"}}})
    for wrong in ({"type": "string"}, {"type": "object", "required": "a"}, ["x"]):
        with pytest.raises(ValidationError):
            validate_parameters_schema(wrong)


def test_arguments_are_checked_against_the_schema() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    check_arguments(schema, {"n": 3})
    with pytest.raises(Exception, match="is not of type 'integer'"):
        check_arguments(schema, {"n": "3"})


def test_the_secret_header_is_stored_encrypted(order_url) -> None:
    status, _ = make_actions(factories.make_inbox(), order_url)
    status.refresh_from_db()
    assert API_KEY not in status.secret_header_value
    assert secrets.decrypt(status.secret_header_value) == API_KEY
    assert API_KEY not in repr(ActionSpec.of(status))


def test_a_secret_under_another_key_is_unreadable(settings) -> None:
    token = secrets.encrypt(API_KEY)
    settings.SECRET_KEY = "another-key-for-this-test-0123456789-abcdefghijklmnop"
    with pytest.raises(secrets.UnreadableSecret):
        secrets.decrypt(token)
