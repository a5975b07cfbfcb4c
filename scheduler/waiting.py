"""The background loops' sleep: until a timeout, a wake-up (new work) or the stop."""

from __future__ import annotations

import asyncio
import contextlib


async def sleep_until_woken(wake: asyncio.Event, stopping: asyncio.Event, seconds: float) -> None:
    """Return after `seconds`, or as soon as `wake` or `stopping` is set."""
    waits = [asyncio.create_task(wake.wait()), asyncio.create_task(stopping.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
        for task in waits:
            with contextlib.suppress(asyncio.CancelledError):
                await task
