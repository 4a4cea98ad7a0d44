"""One operation of an OpenAPI 3 document as an action: its name, description, method, URL and
parameters' JSON Schema filled in, for an admin to review and save (nothing is fetched: the
document is pasted).

Path and query parameters become properties of the schema (a path parameter stays in the URL
as {name}, which the call fills in); a JSON request body's object properties join them. Local
references (#/components/...) are resolved; anything else is left out rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

METHODS = ("get", "post", "put", "patch", "delete")
# How many $refs deep a schema is followed: enough for real schemas; a schema that refers to
# itself (a tree) is cut there, its deepest part left open.
MAX_REF_DEPTH = 8
# Identity is never the model's: parameters that carry it are left to the verified headers.
IDENTITY_PARAMETERS = re.compile(r"^(x-)?customer[-_]?(id|email|name)$", re.IGNORECASE)


class OpenAPIError(Exception):
    """The document or the operation could not be read; the message says why."""


@dataclass(frozen=True)
class ImportedOperation:
    name: str
    description: str
    method: str
    url: str
    parameters: dict[str, Any] = field(default_factory=dict)
    changes_data: bool = False


def load(text: str) -> Mapping[str, Any]:
    """The document, from JSON or YAML (JSON is YAML). Aliases are refused: a small document
    must not expand into a huge one."""
    try:
        # A SafeLoader that also refuses aliases (below).
        document = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as error:
        raise OpenAPIError(f"not JSON or YAML ({error})") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("paths"), Mapping):
        raise OpenAPIError("not an OpenAPI document (no paths)")
    return document


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed")
        return super().compose_node(parent, index)


def operations(document: Mapping[str, Any]) -> list[str]:
    """Every operation, as "METHOD /path" (with its operationId when it has one)."""
    found = []
    for path, item in document["paths"].items():
        if not isinstance(item, Mapping):
            continue
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, Mapping):
                operation_id = operation.get("operationId")
                label = f"{method.upper()} {path}"
                found.append(f"{label} ({operation_id})" if operation_id else label)
    return found


def operation_to_action(
    document: Mapping[str, Any], wanted: str, *, base_url: str = ""
) -> ImportedOperation:
    """The operation named by its operationId or by "METHOD /path"."""
    path, method, operation = _find(document, wanted.strip())
    server = base_url.strip() or _server(document)
    parameters = _parameters(document, document["paths"][path], operation)
    text = " ".join(
        str(operation.get(key, "")).strip() for key in ("summary", "description")
    ).strip()
    name = str(operation.get("operationId") or f"{method}_{path}")
    return ImportedOperation(
        name=_tool_name(name),
        description=text[:2000] or f"{method.upper()} {path}",
        method=method.upper(),
        url=server.rstrip("/") + path,
        parameters=parameters,
        changes_data=method != "get",
    )


def _find(document: Mapping[str, Any], wanted: str) -> tuple[str, str, Mapping[str, Any]]:
    method_path = wanted.split(" ", 1)
    for path, item in document["paths"].items():
        if not isinstance(item, Mapping):
            continue
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            if operation.get("operationId") == wanted or (
                len(method_path) == 2
                and method_path[0].lower() == method
                and method_path[1].split(" (")[0] == path
            ):
                return path, method, operation
    raise OpenAPIError(f"no operation {wanted!r}")


def _server(document: Mapping[str, Any]) -> str:
    servers = document.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], Mapping):
        return str(servers[0].get("url", ""))
    return ""


def _parameters(
    document: Mapping[str, Any], item: Mapping[str, Any], operation: Mapping[str, Any]
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    declared = [*item.get("parameters", ()), *operation.get("parameters", ())]
    for raw in declared:
        parameter = _resolved(document, raw)
        if not isinstance(parameter, Mapping) or parameter.get("in") not in ("path", "query"):
            continue
        name = str(parameter.get("name", ""))
        if not name or IDENTITY_PARAMETERS.match(name):
            continue
        schema = dict(_resolved(document, parameter.get("schema", {"type": "string"})) or {})
        if parameter.get("description"):
            schema["description"] = str(parameter["description"])
        properties[name] = schema
        if parameter.get("required") or parameter.get("in") == "path":
            required.append(name)
    body = _resolved(document, operation.get("requestBody", {}))
    content = body.get("content", {}) if isinstance(body, Mapping) else {}
    json_body = content.get("application/json", {}) if isinstance(content, Mapping) else {}
    body_schema = _resolved(document, json_body.get("schema", {})) if json_body else {}
    if isinstance(body_schema, Mapping) and isinstance(body_schema.get("properties"), Mapping):
        for name, schema in body_schema["properties"].items():
            if not IDENTITY_PARAMETERS.match(str(name)):
                properties[str(name)] = _resolved(document, schema)
        required += [
            str(n) for n in body_schema.get("required", ()) if not IDENTITY_PARAMETERS.match(str(n))
        ]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(dict.fromkeys(required))
    return schema


def _resolved(document: Mapping[str, Any], value: Any, refs: int = 0) -> Any:
    """``value`` with local $refs replaced by what they point to, recursively."""
    if isinstance(value, Mapping):
        ref = value.get("$ref")
        if isinstance(ref, str):
            if refs >= MAX_REF_DEPTH:
                return {}
            return _resolved(document, _pointer(document, ref), refs + 1)
        return {key: _resolved(document, item, refs) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolved(document, item, refs) for item in value]
    return value


def _pointer(document: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise OpenAPIError(f"only local references are read ({ref})")
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or part not in node:
            raise OpenAPIError(f"reference {ref} points nowhere")
        node = node[part]
    return node


def _tool_name(text: str) -> str:
    """ "getOrderStatus" or "get_/orders/{id}" as a tool name: get_order_status, get_orders_id."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    snake = re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_")
    if not snake or not snake[0].isalpha():
        snake = f"action_{snake}"
    return snake[:64]
