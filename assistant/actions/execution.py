"""Sending one action call: the SSRF policy, the secret header, the verified identity, a time
limit, a size cap and a circuit breaker per action. Async and free of the database: the caller
records the outcome (services.call_finish) and writes the audit row.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from django.conf import settings

from assistant import netguard
from assistant.actions import secrets, transport
from assistant.actions.spec import ActionSpec, fill_slots
from assistant.llm.breaker import CircuitBreaker

# The verified identity, as headers: the endpoint reads who the customer is from here, never
# from the arguments (which the model wrote).
IDENTITY_HEADERS = {
    "customer_id": "X-Customer-Id",
    "email": "X-Customer-Email",
    "name": "X-Customer-Name",
}
BODY_METHODS = ("POST", "PUT", "PATCH")

# One breaker per action and process, like the model providers': an endpoint that is down
# costs one timeout, not one per conversation.
_breakers: dict[int, CircuitBreaker] = {}


def breaker_for(action_id: int) -> CircuitBreaker:
    breaker = _breakers.get(action_id)
    if breaker is None:
        breaker = _breakers[action_id] = CircuitBreaker(f"action {action_id}", cooldown=30.0)
    return breaker


def reset_breakers() -> None:
    _breakers.clear()


@dataclass(frozen=True)
class Executed:
    """How a call ended. ``outcome`` is "ok" or a failure code (timeout, http_500, too_large,
    unsafe_target, unreachable, circuit_open, secret_unreadable)."""

    outcome: str
    status_code: int | None = None
    # The endpoint's answer as text (JSON re-serialised compactly), when there was one.
    body: str = ""
    duration_ms: float = 0.0
    # What was sent, for the audit log: method, path and the arguments (no headers).
    request: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _request_parts(
    spec: ActionSpec, arguments: Mapping[str, Any]
) -> tuple[str, bytes | None, dict[str, Any]]:
    """The URL (path arguments filled in, the others in the query for GET and DELETE) and the
    JSON body (the other arguments, for POST, PUT and PATCH)."""
    slots = spec.path_slots()
    in_path = {name: quote(str(arguments.get(name, "")), safe="") for name in slots}
    rest = {key: value for key, value in arguments.items() if key not in slots}
    url = fill_slots(spec.url, in_path)
    if spec.method in BODY_METHODS:
        return url, json.dumps(rest, ensure_ascii=False).encode(), rest
    if rest:
        query = urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in rest.items()})
        url = f"{url}{'&' if urlsplit(url).query else '?'}{query}"
    return url, None, rest


def _vet(url: str) -> netguard.Target:
    """The address to connect to, or UnsafeTarget: HTTPS to a public address only, unless the
    test allowance (WEBHOOK_ALLOW_PRIVATE_TARGETS, never in production) is on."""
    allowance = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    if urlsplit(url.strip()).scheme.lower() != "https" and not allowance:
        raise netguard.UnsafeTarget("actions are sent over HTTPS only")
    return netguard.vet(url, allow_private=allowance)


async def execute(
    spec: ActionSpec, arguments: Mapping[str, Any], identity: Mapping[str, str]
) -> Executed:
    """Send the call and read the answer. Never raises for the endpoint's faults."""
    url, body, sent_arguments = _request_parts(spec, arguments)
    request = {"method": spec.method, "path": urlsplit(url).path, "arguments": sent_arguments}
    breaker = breaker_for(spec.id)
    if not breaker.allow():
        return Executed("circuit_open", request=request)
    started = time.monotonic()

    def ended(outcome: str, **fields: Any) -> Executed:
        elapsed = (time.monotonic() - started) * 1000
        return Executed(outcome, duration_ms=elapsed, request=request, **fields)

    try:
        headers = _headers(spec, identity)
    except secrets.UnreadableSecret:
        breaker.release()
        return ended("secret_unreadable")
    try:
        # The resolver blocks; run it beside the loop.
        target = await asyncio.to_thread(_vet, url)
    except netguard.UnsafeTarget:
        breaker.release()
        return ended("unsafe_target")
    except netguard.UnresolvedTarget:
        breaker.record_failure()
        return ended("unreachable")
    try:
        response = await transport.send(
            target,
            method=spec.method,
            body=body,
            headers=headers,
            seconds=spec.timeout_seconds,
            max_bytes=settings.ACTION_MAX_RESPONSE_BYTES,
        )
    except (TimeoutError, httpx.TimeoutException):
        breaker.record_failure()
        return ended("timeout")
    except transport.TooLarge:
        breaker.record_failure()
        return ended("too_large")
    except httpx.HTTPError:
        breaker.record_failure()
        return ended("unreachable")
    text = _text(response.body)
    if 200 <= response.status_code < 300:
        breaker.record_success()
        return ended("ok", status_code=response.status_code, body=text)
    if response.status_code >= 500:
        breaker.record_failure()
    else:
        # The endpoint answered (a 404 for an order that is not this customer's): it is up.
        breaker.record_success()
    return ended(f"http_{response.status_code}", status_code=response.status_code, body=text)


def _headers(spec: ActionSpec, identity: Mapping[str, str]) -> dict[str, str]:
    headers = {
        IDENTITY_HEADERS[name]: identity[name]
        for name in spec.identity_fields
        if name in IDENTITY_HEADERS and identity.get(name)
    }
    if spec.secret_header_name and spec.secret_header_value:
        headers[spec.secret_header_name] = secrets.decrypt(spec.secret_header_value)
    return headers


def _text(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        return text.strip()
