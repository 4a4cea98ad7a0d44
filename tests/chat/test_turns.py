"""assistant.chat.turns: the running reply turns of a process, and stopping one in one call."""

from __future__ import annotations

import asyncio
import uuid

from assistant.chat import turns


async def test_stop_cancels_the_running_turn_and_marks_the_conversation() -> None:
    conversation_id, other = uuid.uuid4(), uuid.uuid4()
    started = asyncio.Event()

    async def turn(_conversation_id: uuid.UUID) -> None:
        started.set()
        await asyncio.sleep(60)

    task = turns.start(conversation_id, turn)
    bystander = turns.start(other, turn)
    await started.wait()
    turns.stop(conversation_id)
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled() and turns.stop_requested(conversation_id)
    assert turns.running(conversation_id) == set()
    # Another conversation's turn is untouched.
    assert not bystander.done() and not turns.stop_requested(other)
    turns.clear_stop(conversation_id)
    assert not turns.stop_requested(conversation_id)
    bystander.cancel()
    await asyncio.gather(bystander, return_exceptions=True)
