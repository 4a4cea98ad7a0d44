"""Work crosses process boundaries through the real Redis: Celery tasks and the channel layer."""

import asyncio
import os
import sys
import textwrap

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from assistant.tasks import echo
from tests.conftest import ROOT


@pytest.mark.worker
def test_a_task_sent_here_runs_in_a_real_worker_process(celery_worker_process) -> None:
    result = echo.delay("hello").get(timeout=30)
    assert result["value"] == "hello"
    assert result["pid"] == celery_worker_process.pid
    assert result["pid"] != os.getpid()


def test_a_channel_layer_message_from_another_process_arrives_here() -> None:
    async def round_trip() -> dict:
        # One event loop listens throughout, as a consumer does: a pub/sub layer delivers only to
        # a subscriber that is listening when the message is published.
        layer = get_channel_layer()
        channel = await layer.new_channel("test.")
        sender = textwrap.dedent(
            f"""
            import django
            django.setup()
            from asgiref.sync import async_to_sync
            from channels.layers import get_channel_layer
            message = {{"type": "hello", "pid": {os.getpid()}}}
            async_to_sync(get_channel_layer().send)({channel!r}, message)
            """
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            sender,
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "assistant.settings"},
        )
        assert await asyncio.wait_for(process.wait(), 60) == 0
        return await asyncio.wait_for(layer.receive(channel), 30)

    assert async_to_sync(round_trip)() == {"type": "hello", "pid": os.getpid()}
