"""Keeping to Telegram's sending limits: overall, per private chat and per group.

Each limit is an aiolimiter leaky bucket. Telegram (and the emulator) count a sliding window
of N messages per W seconds; a leaky bucket of capacity k lets through k + rate * W in any
window, so the rate is taken `headroom` below the limit and the burst k is kept within half
of that headroom. The other half absorbs network jitter: two messages paced a slot apart can
reach Telegram closer together than they left.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
from collections.abc import Callable

from aiolimiter import AsyncLimiter

from domain.outbox import is_private_chat

# Two different chats told to wait within this many seconds means the bot as a whole is over
# its limit, not one chat: Telegram's 429 does not say which limit was hit.
GLOBAL_429_WINDOW_S = 1.0


def _limiter(per_period: float, period: float, headroom: float) -> AsyncLimiter:
    burst = max(1, math.floor(per_period * headroom / 2))
    rate_per_s = per_period * (1 - headroom) / period
    return AsyncLimiter(burst, burst / rate_per_s)


class WindowGuard:
    """At most `count` requests whose arrival at Telegram may fall within `window` seconds.

    The bucket paces when requests are released, but a stalled event loop or server can
    deliver requests released a slot apart closer together, and Telegram counts arrivals.
    An arrival lies between a request's start and its answer, so counting each finished
    request at the time of its answer, and each unanswered one as arriving now, can only
    overestimate the window Telegram sees: then a 429 cannot happen, whatever the jitter.
    """

    def __init__(self, count: int, window: float, time: Callable[[], float]) -> None:
        self.count = count
        self.window = window
        self._time = time
        self._answered: list[float] = []  # answer times, sorted
        self._unanswered = 0
        self._changed = asyncio.Event()

    async def admit(self) -> None:
        while True:
            now = self._time()
            horizon = now - self.window
            cut = bisect.bisect_right(self._answered, horizon)
            del self._answered[:cut]
            if len(self._answered) + self._unanswered < self.count:
                self._unanswered += 1
                return
            self._changed.clear()
            if len(self._answered) > len(self._answered) + self._unanswered - self.count:
                # Enough answered requests will leave the window by this time.
                index = len(self._answered) + self._unanswered - self.count
                wait = self._answered[index] - horizon
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
            else:
                await self._changed.wait()  # only unanswered requests fill the window

    def answered(self) -> None:
        self._unanswered -= 1
        bisect.insort(self._answered, self._time())
        self._changed.set()


class Pacer:
    def __init__(
        self,
        *,
        global_per_s: float,
        private_per_s: float,
        group_per_min: float,
        headroom: float = 0.03,
        time: Callable[[], float] | None = None,
    ) -> None:
        self._private = (private_per_s, 1.0)
        self._group = (group_per_min, 60.0)
        self._headroom = headroom
        self._global = _limiter(global_per_s, 1.0, headroom)
        count = max(1, math.floor(global_per_s + 1e-9))
        self._time = time or (lambda: asyncio.get_running_loop().time())
        self._guard = WindowGuard(count, count / global_per_s, self._time)
        self._chats: dict[int, AsyncLimiter] = {}
        self._chat_paused_until: dict[int, float] = {}
        self._chat_last: dict[int, float] = {}  # when each chat last got a slot
        self._global_paused_until = 0.0
        self._last_429: tuple[int, float] | None = None  # (chat, when)

    def interval(self, chat_id: int) -> float:
        """Seconds between two messages to the chat at the paced rate."""
        per, period = self._private if is_private_chat(chat_id) else self._group
        return period / (per * (1 - self._headroom))

    def _chat(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            per, period = self._private if is_private_chat(chat_id) else self._group
            limiter = self._chats[chat_id] = _limiter(per, period, self._headroom)
        return limiter

    def chat_wait(self, chat_id: int) -> float:
        """Seconds before the chat can take another message (0: now)."""
        now = self._time()
        paused = max(self._chat_paused_until.get(chat_id, 0.0), self._global_paused_until)
        if paused > now:
            return paused - now
        limiter = self._chats.get(chat_id)
        if limiter is not None and not limiter.has_capacity():
            # Exact for the usual burst of one; for larger bursts an upper bound.
            since = now - self._chat_last.get(chat_id, now)
            return max(0.001, self.interval(chat_id) - since)
        return 0.0

    async def acquire(self, chat_id: int) -> None:
        """Wait for a slot in the chat and overall; call `answered()` once the request is.

        Cancelling gives nothing up that matters (at most a slot that goes unused).
        """
        await self._sleep_until(self._chat_paused_until.get(chat_id, 0.0))
        await self._chat(chat_id).acquire()
        self._chat_last[chat_id] = self._time()
        await self._sleep_until(self._global_paused_until)
        await self._global.acquire()
        # A global pause may have begun while waiting for the slot.
        await self._sleep_until(self._global_paused_until)
        await self._guard.admit()

    def answered(self) -> None:
        """The request `acquire()` admitted has been answered (or failed)."""
        self._guard.answered()

    def pause(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 for the chat: it waits, and everyone if others got one too."""
        now = self._time()
        until = now + seconds
        self._chat_paused_until[chat_id] = max(self._chat_paused_until.get(chat_id, 0.0), until)
        last = self._last_429
        if last is not None and last[0] != chat_id and now - last[1] <= GLOBAL_429_WINDOW_S:
            self._global_paused_until = max(self._global_paused_until, until)
        self._last_429 = (chat_id, now)

    def pause_all(self, seconds: float) -> None:
        self._global_paused_until = max(self._global_paused_until, self._time() + seconds)

    def forget_idle(self, busy: set[int]) -> None:
        """Drop the state of chats no longer limited, so memory follows activity.

        Only a fully drained bucket is dropped: a fresh one must not allow what the old one
        would still have refused. Chats in `busy` have senders waiting on their bucket.
        """
        now = self._time()
        for chat_id in [c for c, until in self._chat_paused_until.items() if until <= now]:
            del self._chat_paused_until[chat_id]
        for chat_id, limiter in list(self._chats.items()):
            if chat_id not in busy and limiter.has_capacity(limiter.max_rate):
                del self._chats[chat_id]
                self._chat_last.pop(chat_id, None)

    async def _sleep_until(self, deadline: float) -> None:
        wait = deadline - self._time()
        if wait > 0:
            await asyncio.sleep(wait)
