"""One HTTP POST to a vetted, pinned address (see netguard): no proxies, no redirects."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx

from assistant.llm.retry import parse_retry_after
from assistant.netguard import Target

USER_AGENT = "Assistant-Webhooks/1.0"
# Enough of the receiver's answer to tell an admin what went wrong; never more.
MAX_RESPONSE_BYTES = 1024
# Certificates are verified against the system's trust store; tests stand in a context that
# trusts their own certificate authority (as they stand in netguard.resolve).
tls_verify: bool | ssl.SSLContext = True


@dataclass(frozen=True)
class Response:
    status_code: int
    retry_after: float | None
    body_snippet: str


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """Send to ``target.address``, naming ``target.hostname`` in Host and in TLS SNI.

    Raises httpx.HTTPError (network trouble, timeouts, TLS failures) for the caller to classify.
    """
    # raw_path, not join(): a path such as "//elsewhere/x" must stay a path, not become a host.
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
        "Content-Type": "application/json",
    }
    # trust_env=False: an HTTP(S)_PROXY variable must not route deliveries around the pinning.
    with (
        httpx.Client(
            trust_env=False,
            follow_redirects=False,
            verify=tls_verify,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        ) as client,
        client.stream(
            "POST", url, content=body, headers=request_headers, extensions=extensions
        ) as response,
    ):
        snippet = b""
        for chunk in response.iter_raw():
            snippet += chunk
            if len(snippet) >= MAX_RESPONSE_BYTES:
                break
        return Response(
            status_code=response.status_code,
            # Seconds or an HTTP-date, read as the model client reads it; delivery.backoff caps
            # it, so a receiver whose clock is wrong delays its own deliveries at most that long.
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            body_snippet=snippet[:MAX_RESPONSE_BYTES].decode("utf-8", "replace"),
        )
