"""An action from one operation of an OpenAPI document."""

from __future__ import annotations

import pytest
from django.test import Client

from assistant.actions import openapi
from assistant.actions.schema import validate_parameters_schema
from tests.tickets.conftest import World

DOCUMENT = """
openapi: 3.0.3
info: {title: Orders, version: "1"}
servers: [{url: "https://api.shop.example/v1"}]
paths:
  /orders/{orderId}:
    parameters:
      - name: orderId
        in: path
        required: true
        schema: {type: string}
        description: The order number
    get:
      operationId: getOrderStatus
      summary: Status of an order.
      parameters:
        - {name: X-Customer-Id, in: header, schema: {type: string}}
        - {name: customer_id, in: query, schema: {type: string}}
        - {name: verbose, in: query, schema: {type: boolean}}
      responses: {"200": {description: ok}}
  /orders/{orderId}/address:
    parameters:
      - {name: orderId, in: path, required: true, schema: {type: string}}
    put:
      summary: Change the delivery address.
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Address"}
      responses: {"200": {description: ok}}
components:
  schemas:
    Address:
      type: object
      required: [street, city]
      properties:
        street: {type: string}
        city: {type: string}
        country: {$ref: "#/components/schemas/Country"}
    Country: {type: string, enum: [NL, DE]}
"""


def test_a_read_operation_by_its_id() -> None:
    document = openapi.load(DOCUMENT)
    imported = openapi.operation_to_action(document, "getOrderStatus")
    assert imported.name == "get_order_status"
    assert imported.method == "GET" and not imported.changes_data
    assert imported.url == "https://api.shop.example/v1/orders/{orderId}"
    assert imported.description == "Status of an order."
    # Identity is never a parameter the model fills in: the customer id query is left out.
    assert imported.parameters == {
        "type": "object",
        "properties": {
            "orderId": {"type": "string", "description": "The order number"},
            "verbose": {"type": "boolean"},
        },
        "required": ["orderId"],
    }
    validate_parameters_schema(imported.parameters)


def test_a_change_by_method_and_path_with_its_body_and_references() -> None:
    document = openapi.load(DOCUMENT)
    imported = openapi.operation_to_action(
        document, "PUT /orders/{orderId}/address", base_url="https://staging.shop.example"
    )
    assert imported.name == "put_orders_order_id_address"
    assert imported.changes_data and imported.method == "PUT"
    assert imported.url == "https://staging.shop.example/orders/{orderId}/address"
    assert imported.parameters["properties"]["country"] == {"type": "string", "enum": ["NL", "DE"]}
    assert imported.parameters["required"] == ["orderId", "street", "city"]


def test_what_cannot_be_read_is_said() -> None:
    with pytest.raises(openapi.OpenAPIError, match="no paths"):
        openapi.load("just: text")
    with pytest.raises(openapi.OpenAPIError, match="aliases"):
        openapi.load("a: &x [1]\nb: *x\npaths: {}")
    with pytest.raises(openapi.OpenAPIError, match="no operation"):
        openapi.operation_to_action(openapi.load(DOCUMENT), "deleteEverything")
    assert openapi.operations(openapi.load(DOCUMENT)) == [
        "GET /orders/{orderId} (getOrderStatus)",
        "PUT /orders/{orderId}/address",
    ]


def test_a_schema_that_refers_to_itself_is_cut() -> None:
    document = {
        "paths": {
            "/n": {
                "post": {
                    "operationId": "addNode",
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Node"}}
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Node": {
                    "type": "object",
                    "properties": {"child": {"$ref": "#/components/schemas/Node"}},
                }
            }
        },
    }
    imported = openapi.operation_to_action(document, "addNode", base_url="https://x.example")
    assert "child" in imported.parameters["properties"]


@pytest.mark.django_db
def test_the_settings_fill_in_a_new_action_from_an_operation(world: World) -> None:
    client = Client()
    client.force_login(world.manager)
    page = client.post(
        "/desk/settings/actions/import", {"document": DOCUMENT, "operation": "getOrderStatus"}
    ).content.decode()
    assert 'value="get_order_status"' in page
    assert "https://api.shop.example/v1/orders/{orderId}" in page
    assert "review it, then create it" in page
    wrong = client.post(
        "/desk/settings/actions/import", {"document": DOCUMENT, "operation": "nothing"}
    ).content.decode()
    assert "no operation" in wrong and "GET /orders/{orderId} (getOrderStatus)" in wrong
