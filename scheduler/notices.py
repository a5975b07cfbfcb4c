"""The notice refresher: keeps every notice's status card and group postings current and
carries delivery outcomes onto recipients (403 → someone is asked to reach them).

It is woken by a change to a notice (a confirmation marks the card dirty) and otherwise looks
every few seconds, since the sender's outcomes (sent, unreachable) arrive in the outbox. Each
card is edited at most once per CARD_INTERVAL however many confirmations arrive, which keeps a
burst of thousands within Telegram's edit limits. Pinning a group posting is a Bot API call,
so it happens after the pass has committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from scheduler.waiting import run_passes
from services.notices import NoticeService
from storage import Database, Repositories
from storage.repos.notices import NOTICES

logger = logging.getLogger(__name__)

POLL_S = 2.0  # how often the outbox's outcomes are looked at without a wake-up

# Pins a message silently (chat id, message id): the Bot API call, given by the composition
# root so that the scheduler does not depend on the Telegram framework.
Pin = Callable[[int, int], Awaitable[object]]


class NoticeRefresher:
    def __init__(
        self,
        database: Database,
        service: NoticeService,
        *,
        now: Callable[[], datetime],
        pin: Pin | None = None,
    ) -> None:
        self.database = database
        self.service = service
        self.now = now
        self.pin = pin  # None: postings stay unpinned
        self.wake = database.changed(NOTICES)
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        await run_passes(
            self._pass,
            wake=self.wake,
            stopping=self._stopping,
            logger=logger,
            what="refreshing the notices",
            max_backoff_s=30.0,
        )

    async def _pass(self) -> float:
        await self.run_due()
        return POLL_S

    async def stop(self) -> None:
        self._stopping.set()

    async def run_due(self) -> int:
        """One pass; the number of edits written."""
        async with self.database.transaction() as session:
            done = await self.service.refresh(Repositories(session), now=self.now())
        for posting_id, chat_id, message_id in done.to_pin:
            await self._pin(chat_id, message_id)
            async with self.database.transaction() as session:
                await Repositories(session).notices.posting_pinned(posting_id)
        return done.edits

    async def _pin(self, chat_id: int, message_id: int) -> None:
        """Tried once: a group where the bot may not pin keeps the posting unpinned."""
        if self.pin is None:
            return
        try:
            await self.pin(chat_id, message_id)
        except Exception as error:  # a missing right is not worth retrying
            logger.warning("pinning notice posting in %d failed: %s", chat_id, type(error).__name__)
