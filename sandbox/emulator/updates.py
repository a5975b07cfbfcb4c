"""Per-bot update queues with Telegram's getUpdates semantics.

Updates wait in ``pending`` until confirmed (a later getUpdates with a higher offset) or
delivered to the webhook. ``allowed_updates`` is a per-bot setting shared by getUpdates and
setWebhook; like Telegram it filters updates when they are created, not ones already queued.

A queue also knows whether the bot is listening: ``polls_started`` counts getUpdates calls
and ``waiting_poll`` is the one now waiting with nothing to return. A test waits on these
(``wait_until``) for "the bot polls" or "the bot has taken everything and asks for more"
without sitting out a long poll, as the API log only records a call once it has returned.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

JSONDict = dict[str, Any]

ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
# Telegram's default when allowed_updates was never set or set to [].
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
FIRST_UPDATE_ID = 100000001


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0
    failed: int = 0


class UpdateQueue:
    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self.pending: list[JSONDict] = []
        self.next_update_id = FIRST_UPDATE_ID
        self.allowed_updates: list[str] | None = None
        self.webhook: WebhookConfig | None = None
        # Only the latest updates are ever looked at again (duplicate_last_update); a long demo
        # must not keep every update it ever queued.
        self.history: deque[JSONDict] = deque(maxlen=100)
        self._changed = asyncio.Event()
        # Set whenever the queue or its polls change; for observers (tests), not for polls.
        self._observed = asyncio.Event()
        self._poll_generation = 0
        self.waiting_poll: int | None = None
        self.closed = False

    @property
    def polls_started(self) -> int:
        """getUpdates calls received so far (each one's number is its generation)."""
        return self._poll_generation

    @property
    def idle(self) -> bool:
        """A long poll is waiting and nothing is pending: every update has been fetched and
        confirmed, and the bot asks for more."""
        return self.waiting_poll is not None and not self.pending

    def allows(self, kind: str) -> bool:
        allowed = self.allowed_updates
        return kind in (allowed if allowed else DEFAULT_UPDATE_TYPES)

    def set_allowed(self, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise ApiError(400, "Bad Request: can't parse allowed updates")
        self.allowed_updates = [str(kind) for kind in allowed] or None

    def notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        self._observe()

    def _observe(self) -> None:
        observed, self._observed = self._observed, asyncio.Event()
        observed.set()

    async def observe(self, seconds: float) -> None:
        """Return after the next change of the queue or of its polls, or after ``seconds``."""
        try:
            await asyncio.wait_for(self._observed.wait(), seconds)
        except TimeoutError:
            return

    async def wait_until(self, condition: Callable[[], bool], seconds: float) -> bool:
        """Wait until ``condition()`` (re-checked whenever the queue or a poll changes) holds;
        False if it still does not after ``seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self.observe(remaining)
        return True

    async def changed(self, seconds: float) -> None:
        if seconds <= 0 or self.closed:
            return
        try:
            await asyncio.wait_for(self._changed.wait(), seconds)
        except TimeoutError:
            return

    def push(self, kind: str, payload: Any, *, copies: int = 1) -> JSONDict:
        """Queue ``{"update_id": N, kind: payload}``; ``copies`` > 1 redelivers the same id."""
        update: JSONDict = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        if self.allows(kind):
            self.pending.extend(update for _ in range(copies))
            self.history.append(update)
            self.notify()
        return update

    def push_raw(self, update: JSONDict, *, copies: int = 1) -> JSONDict:
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self.next_update_id
        self.next_update_id = max(self.next_update_id, int(update["update_id"]) + 1)
        self.pending.extend(update for _ in range(copies))
        self.history.append(update)
        self.notify()
        return update

    def confirm(self, offset: int) -> None:
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            ids = sorted({u["update_id"] for u in self.pending})[offset:]
            self.pending = [u for u in self.pending if u["update_id"] in ids]

    def drop_pending(self) -> None:
        self.pending.clear()
        self.notify()

    async def get_updates(self, offset: int, limit: int, poll_seconds: float) -> list[JSONDict]:
        if self.webhook is not None:
            raise _webhook_conflict()
        self.confirm(offset)
        # Only one long poll may be open: a newer one terminates the older, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + poll_seconds
        try:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                if self.webhook is not None:
                    raise _webhook_conflict()
                if self.pending:
                    return self.pending[: max(1, min(limit, 100))]
                remaining = deadline - loop.time()
                if remaining <= 0 or self.closed:
                    return []
                if self.waiting_poll != generation:
                    self.waiting_poll = generation
                    self._observe()
                await self.changed(remaining)
        finally:
            if self.waiting_poll == generation:
                self.waiting_poll = None
                self._observe()

    def close(self) -> None:
        self.closed = True
        self.notify()


def _webhook_conflict() -> ApiError:
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
