"""``manage.py serve`` (what ``make run`` runs): everything starts, answers, and stops."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psutil
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_port_in_use_gives_a_clear_message() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=f"Port {port} on 127.0.0.1 is already in use"):
            call_command("serve", host="127.0.0.1", port=port)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.worker
def test_serve_starts_web_worker_beat_and_mail_and_ctrl_c_stops_them_all() -> None:
    port = _free_port()
    environment = {**os.environ, "DEBUG": "true", "VAR_DIR": str(settings.VAR_DIR)}
    log_path = settings.VAR_DIR / "test-serve.log"
    with log_path.open("wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        status = 0
        while status != 200:
            assert serve.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            with contextlib.suppress(OSError):
                status, _ = _get(f"http://127.0.0.1:{port}/readyz")
            time.sleep(0.5)
        assert _get(f"http://127.0.0.1:{port}/demo/")[0] == 200
        output = log_path.read_text()
        assert f"http://localhost:{port}/demo/" in output
        assert "Logins:" in output
        # The demo address's relay, as printed, takes a message (docs/email.md).
        relay = re.search(r"Bearer (\S+)'.*? (http://\S+/mail/inbound/\S+/)", output)
        assert relay is not None, output
        message = b"From: rider@example.com\r\nSubject: Brakes\r\n\r\nMy brakes squeak.\r\n"
        request = urllib.request.Request(
            relay.group(2),
            data=message,
            headers={"Authorization": f"Bearer {relay.group(1)}", "Content-Type": "message/rfc822"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
        children = psutil.Process(serve.pid).children(recursive=True)
        assert len(children) >= 4  # web, worker (+ its pool), beat, mail
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(60)
    assert serve.returncode == 0, log_path.read_text()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
