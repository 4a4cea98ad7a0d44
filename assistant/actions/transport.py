"""One HTTP request from an action to a vetted, pinned address (see assistant/netguard.py).

The same rules as the webhooks' transport, asynchronous (the reply turn runs on the event loop):
no proxies, no redirects, the host name kept in Host and TLS SNI while the bytes go to the
address that was checked, and never more of the answer than the cap.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import httpx

from assistant.netguard import Target

USER_AGENT = "Assistant-Actions/1.0"
# Certificates are verified against the system's trust store; tests may stand in a context.
tls_verify: bool | ssl.SSLContext = True


class TooLarge(Exception):
    """The endpoint answered with more than the cap allows."""


@dataclass(frozen=True)
class Response:
    status_code: int
    body: bytes
    content_type: str


async def send(
    target: Target,
    *,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    seconds: float,
    max_bytes: int,
) -> Response:
    """Send and read the whole answer within ``seconds`` (TimeoutError beyond), at most
    ``max_bytes`` of it (TooLarge beyond). Raises httpx.HTTPError for network trouble."""
    url = httpx.URL(
        scheme=target.scheme,
        host=str(target.address),
        port=target.port,
        raw_path=target.path.encode("ascii"),
    )
    extensions = {"sni_hostname": target.hostname} if target.scheme == "https" else {}
    request_headers = {
        **headers,
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        # The cap counts the bytes as sent: no compression to inflate past it.
        "Accept-Encoding": "identity",
    }
    if body is not None:
        request_headers["Content-Type"] = "application/json"
    async with (
        asyncio.timeout(seconds),
        httpx.AsyncClient(
            trust_env=False,
            follow_redirects=False,
            verify=tls_verify,
            timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)),
        ) as client,
        client.stream(
            method, url, content=body, headers=request_headers, extensions=extensions
        ) as response,
    ):
        received = bytearray()
        async for chunk in response.aiter_raw():
            received += chunk
            if len(received) > max_bytes:
                raise TooLarge(f"more than {max_bytes} bytes")
        return Response(
            status_code=response.status_code,
            body=bytes(received),
            content_type=response.headers.get("Content-Type", ""),
        )
