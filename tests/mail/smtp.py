"""A real SMTP server for tests (aiosmtpd), capturing what the project sends.

It can be told to refuse the next messages, at RCPT (``550 mailbox unavailable``) or at DATA
(``451 try again later``), as a real server does when a mailbox is full or greylisting.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Captured:
    envelope_to: list[str]
    message: EmailMessage

    def header(self, name: str) -> str:
        return str(self.message[name] or "")

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert body is not None and body.get_content_type() == content_type, content_type
        # SMTP carries lines ending in CRLF; the tests read text as Python writes it.
        return body.get_content().replace("\r\n", "\n")


@dataclass
class Capture:
    """The aiosmtpd handler: what was accepted, and what to refuse next."""

    received: list[Captured] = field(default_factory=list)
    refuse_rcpt: list[str] = field(default_factory=list)
    refuse_data: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return self.refuse_data.pop(0)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Captured(envelope_to=list(envelope.rcpt_tos), message=message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPServer:
    def __init__(self) -> None:
        self.capture = Capture()
        self.port = free_port()
        self._controller = Controller(self.capture, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    @property
    def received(self) -> list[Captured]:
        return self.capture.received

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPServer]:
    """A real SMTP server on a free port, and Django's SMTP backend pointed at it."""
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield server
