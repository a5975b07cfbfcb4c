"""The background loops (obligation clock, report boards, notices): a pass, then sleep until
its next work is due, a wake-up (new work committed) or the stop; a failing pass is logged and
tried again after a growing pause."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


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


async def run_passes(
    one_pass: Callable[[], Awaitable[float]],
    *,
    wake: asyncio.Event,
    stopping: asyncio.Event,
    logger: logging.Logger,
    what: str,
    max_backoff_s: float,
) -> None:
    """Run `one_pass` (which returns the seconds until its next work) until `stopping` is set.
    A failure is logged as "`what` failed (n in a row)" and retried after 2, 4, 8… seconds,
    at most `max_backoff_s`."""
    failures = 0
    while not stopping.is_set():
        # Cleared before looking, so a change committed during the pass wakes the next one.
        wake.clear()
        try:
            delay = await one_pass()
            failures = 0
        except Exception:
            failures += 1
            logger.exception("%s failed (%d in a row)", what, failures)
            delay = min(2.0**failures, max_backoff_s)
        await sleep_until_woken(wake, stopping, delay)
