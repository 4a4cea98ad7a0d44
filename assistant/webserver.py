"""The ASGI server command line, in one place: `manage.py serve`, the tests' real web processes and
the production image run the same server with the same limits.

WEB_SERVER picks it; the B4 numbers (docs/benchmarks.md) decided between the two offered:

- uvicorn (the default) streams answers about as fast as daphne, and answers a bad frame the way
  the protocol says: a message over WEBSOCKET_MAX_FRAME_BYTES gets close code 1009, invalid UTF-8
  1007 (tests/chat/test_real_server_limits.py);
- daphne holds an idle widget connection in about half the memory (36.5 KiB against 75.8 KiB at
  10,000 connections), but drops the TCP connection on such a frame without a close code. Choose
  it for processes that mostly hold idle widgets; the limits are enforced either way.

Granian streamed fastest but has no WebSocket message size limit, so it is not offered.
"""

from __future__ import annotations

import sys

from django.conf import settings

SERVERS = ("daphne", "uvicorn")
APPLICATION = "assistant.asgi:application"


def web_command(host: str, port: int, *, server: str | None = None) -> list[str]:
    """The command that runs the product's ASGI application on host:port."""
    server = server or settings.WEB_SERVER
    limit = str(settings.WEBSOCKET_MAX_FRAME_BYTES)
    python = sys.executable
    if server == "daphne":
        return [
            python, "-m", "daphne", "--bind", host, "--port", str(port),
            "--websocket-max-message-size", limit, "--websocket-max-frame-size", limit,
            # The widget reconnects and resumes on its own; Daphne's default would still cut
            # every socket after a day.
            "--websocket_timeout", "-1",
            "--application-close-timeout", "5",
            APPLICATION,
        ]  # fmt: skip
    if server == "uvicorn":
        return [
            python, "-m", "uvicorn", APPLICATION, "--host", host, "--port", str(port),
            "--lifespan", "off", "--ws-max-size", limit, "--timeout-graceful-shutdown", "5",
        ]  # fmt: skip
    raise ValueError(f"WEB_SERVER must be one of {', '.join(SERVERS)}, not {server!r}")
