"""A sequenced event log (new/edited/deleted messages, callback answers, ...) with waiting.

It backs ``Emulator.wait_for_message`` and the control API's ``/control/events`` endpoints, so a
web page can follow the chats without polling every message list.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

JSONDict = dict[str, Any]


class EventBus:
    def __init__(self, maxlen: int = 10000) -> None:
        self._events: deque[JSONDict] = deque(maxlen=maxlen)
        self._seq = 0
        self._changed = asyncio.Event()
        self.closed = False

    @property
    def last_id(self) -> int:
        return self._seq

    def emit(self, kind: str, **payload: Any) -> JSONDict:
        self._seq += 1
        event: JSONDict = {"id": self._seq, "type": kind, **payload}
        self._events.append(event)
        self.notify()
        return event

    def notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def since(self, after: int, limit: int = 1000) -> list[JSONDict]:
        if after >= self._seq:
            return []
        return [event for event in self._events if event["id"] > after][:limit]

    async def changed(self, seconds: float) -> None:
        """Return after the next emit (or close), or after ``seconds``."""
        if self.closed or seconds <= 0:
            return
        waiter = self._changed
        try:
            await asyncio.wait_for(waiter.wait(), seconds)
        except TimeoutError:
            return

    async def wait(self, after: int, seconds: float, limit: int = 1000) -> list[JSONDict]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            events = self.since(after, limit)
            remaining = deadline - loop.time()
            if events or remaining <= 0 or self.closed:
                return events
            await self.changed(remaining)

    def close(self) -> None:
        self.closed = True
        self.notify()

    def reset(self) -> None:
        self._events.clear()
        self.closed = False
