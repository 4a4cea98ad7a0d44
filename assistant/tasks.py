"""Tasks that belong to no single app."""

import os
import socket

from celery import shared_task


@shared_task(name="assistant.echo")
def echo(value: str) -> dict[str, object]:
    """Return the value with the worker's identity; proves a round trip through a real worker."""
    return {"value": value, "pid": os.getpid(), "host": socket.gethostname()}
