"""A real IMAP server for the tests: pymap's in-memory (dict) backend in its own process.

Messages are put in its mailbox over IMAP itself (APPEND), as a mail server delivering them
would; nothing of the protocol is mocked. Each start has a new UIDVALIDITY, like a mailbox that
was recreated.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

USER = "support"
PASSWORD = "s3cret-imap"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ImapServer:
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> ImapServer:
        pymap = Path(sys.executable).with_name("pymap")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(pymap), "--port", str(self.port), "--no-tls", "dict",
                 "--demo-user", USER, "--demo-password", PASSWORD],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"pymap did not start: {self.log_path.read_text()}"
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *messages: bytes, seen: bool = False, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            for raw in messages:
                client.append(folder, raw, flags=[b"\\Seen"] if seen else [])
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            found = client.search(["ALL"])
            return {uid: data[b"FLAGS"] for uid, data in client.fetch(found, ["FLAGS"]).items()}
        finally:
            client.logout()
