"""Read-side and settings methods of :class:`~.server.Emulator` (a mixin over ``self.core``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Literal

from . import commands, render
from .core import Core
from .errors import ControlError, NotFoundError
from .limits import FaultKind
from .state import ChatKey, FileRec

JSONDict = dict[str, Any]
BotRef = int | str | None
MessagePredicate = Callable[[JSONDict], bool]
_MESSAGE_EVENTS = ("message_new", "message_edited")


class EmulatorViews:
    core: Core

    # -- chats and messages ----------------------------------------------------------------

    def messages(
        self, chat_id: int, *, bot: BotRef = None, include_deleted: bool = True
    ) -> list[JSONDict]:
        """Every message of a chat in order, service messages included, as JSON views."""
        key = self.core.key_for(chat_id, bot)
        log = self.core.world.chats.get(key)
        if log is None:
            return []
        return [
            render.message_view(self.core.world, msg)
            for msg in log.messages.values()
            if include_deleted or not msg.deleted
        ]

    def bot_messages(self, chat_id: int, *, bot: BotRef = None) -> list[JSONDict]:
        """Messages the bot sent (not service messages, not deleted ones)."""
        return [
            view
            for view in self.messages(chat_id, bot=bot, include_deleted=False)
            if view["from"]["is_bot"] and view["service"] is None
        ]

    def last_message(
        self, chat_id: int, *, bot: BotRef = None, from_bot: bool | None = None
    ) -> JSONDict | None:
        for view in reversed(self.messages(chat_id, bot=bot, include_deleted=False)):
            if from_bot is None or view["from"]["is_bot"] == from_bot:
                return view
        return None

    def message(self, chat_id: int, message_id: int, *, bot: BotRef = None) -> JSONDict:
        key = self.core.key_for(chat_id, bot)
        log = self.core.world.chats.get(key)
        msg = None if log is None else log.messages.get(message_id)
        if msg is None:
            raise NotFoundError(f"message {message_id} not found in chat {chat_id}")
        return render.message_view(self.core.world, msg)

    def pinned_message(self, chat_id: int, *, bot: BotRef = None) -> JSONDict | None:
        """The most recently pinned message still pinned, like getChat's pinned_message."""
        key = self.core.key_for(chat_id, bot)
        log = self.core.world.chats.get(key)
        if log is None or not log.pinned:
            return None
        return render.message_view(self.core.world, log.messages[log.pinned[-1]])

    def users(self) -> list[JSONDict]:
        """Every person, in the order they were created."""
        return [user.as_dict() for user in self.core.world.users.values()]

    def groups(self) -> list[JSONDict]:
        """Every group, in the order they were created."""
        return [group.as_dict() for group in self.core.world.groups.values()]

    def chats_for_user(self, user_id: int) -> list[JSONDict]:
        """The user's chat list: a private chat per bot they talked to, then their groups."""
        world = self.core.world
        self.core.require_user(user_id)
        chats: list[JSONDict] = []
        for bot in world.bots.values():
            key = (bot.id, user_id)
            if key in world.chats or user_id in bot.started:
                chats.append(self._chat_summary(key, "private", bot.first_name, bot_id=bot.id))
        for group in world.groups.values():
            if group.is_active_member(user_id) or group.migrated_to is not None:
                if group.member(user_id).status == "left":
                    continue
                chats.append(self._chat_summary((0, group.id), group.type, group.title))
        return chats

    def _chat_summary(
        self, key: ChatKey, kind: str, title: str, *, bot_id: int | None = None
    ) -> JSONDict:
        log = self.core.world.chats.get(key)
        last = None
        if log is not None:
            alive = [m for m in log.messages.values() if not m.deleted]
            if alive:
                last = render.message_view(self.core.world, alive[-1])
        group = self.core.world.groups.get(key[1])
        return {
            "id": key[1],
            "chat_id": key[1],
            "type": kind,
            "title": title,
            "bot_id": bot_id,
            "migrated_to": group.migrated_to if group else None,
            "last_message": last,
        }

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: MessagePredicate | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the documented test-facing signature
        *,
        bot: BotRef = None,
        after_message_id: int | None = None,
        from_bot: bool | None = True,
    ) -> JSONDict:
        """The first message sent or edited in the chat after this call (or, with
        ``after_message_id``, one already there with a higher id) that matches ``predicate``.

        Only the bot's messages count unless ``from_bot`` is False (users) or None (anyone).
        Raises TimeoutError listing the chat's last messages.
        """
        core = self.core
        key = core.key_for(chat_id, bot)

        def matches(view: JSONDict) -> bool:
            if view["deleted"] or (from_bot is not None and view["from"]["is_bot"] != from_bot):
                return False
            return predicate is None or predicate(view)

        cursor = core.events.last_id
        if after_message_id is not None:
            for view in self.messages(chat_id, bot=bot, include_deleted=False):
                if view["message_id"] > after_message_id and matches(view):
                    return view
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for event in core.events.since(cursor):
                cursor = event["id"]
                if event["type"] not in _MESSAGE_EVENTS:
                    continue
                if ((event["bot_id"] or 0), event["chat_id"]) != key:
                    continue
                view = self.message(chat_id, event["message_id"], bot=bot)
                if matches(view):
                    return view
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = [
                    (v["message_id"], v["text"] or v["caption"] or v["service"])
                    for v in self.messages(chat_id, bot=bot)[-5:]
                ]
                raise TimeoutError(
                    f"no matching message in chat {chat_id} within {timeout}s; last: {recent}"
                )
            await core.events.changed(remaining)

    # -- bots, files, updates ----------------------------------------------------------------

    def commands(
        self, bot: BotRef = None, scope: JSONDict | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """Commands stored for exactly this scope and language (what getMyCommands returns)."""
        try:
            canonical = commands.canonical_scope(scope)
        except ValueError as exc:
            raise ControlError(str(exc)) from exc
        return commands.stored(self.core.resolve_bot(bot), canonical, language_code)

    def effective_commands(self, chat_id: int, user_id: int, bot: BotRef = None) -> list[JSONDict]:
        """The command menu the user sees in that chat, after Telegram's scope fallbacks."""
        return commands.effective(self.core, self.core.resolve_bot(bot), chat_id, user_id)

    def file_bytes(self, file_id: str) -> bytes:
        return self.file_record(file_id).data

    def file_record(self, file_id: str) -> FileRec:
        rec = self.core.world.files.get(file_id)
        if rec is None:
            raise NotFoundError(f"unknown file_id {file_id!r}")
        return rec

    @property
    def callback_answers(self) -> list[JSONDict]:
        return [
            {
                "callback_query_id": q.id,
                "bot_id": q.bot_id,
                "user_id": q.user_id,
                "chat_id": q.chat_key[1],
                "message_id": q.message_id,
                "data": q.data,
                **q.answer,
            }
            for q in self.core.world.callbacks.values()
            if q.answer is not None
        ]

    def callback_answer(self, callback_query_id: str) -> JSONDict | None:
        for answer in self.callback_answers:
            if answer["callback_query_id"] == callback_query_id:
                return answer
        return None

    def pending_updates(self, bot: BotRef = None) -> list[JSONDict]:
        return list(self.core.queue(self.core.resolve_bot(bot).id).pending)

    def polls_started(self, bot: BotRef = None) -> int:
        """How many getUpdates calls the bot has made (counted when they arrive, unlike the
        API log, which records a long poll only when it returns)."""
        return self.core.queue(self.core.resolve_bot(bot).id).polls_started

    def is_polling(self, bot: BotRef = None, *, after: int = 0) -> bool:
        """The bot has a long poll open that is waiting for updates (one of its getUpdates
        calls after the first ``after``, see `polls_started`)."""
        waiting = self.core.queue(self.core.resolve_bot(bot).id).waiting_poll
        return waiting is not None and waiting > after

    def is_idle(self, bot: BotRef = None) -> bool:
        """The bot is polling and has nothing pending: it has fetched and confirmed every
        update (its handlers may still be running)."""
        return self.core.queue(self.core.resolve_bot(bot).id).idle

    async def wait_until_polling(
        self,
        bot: BotRef = None,
        *,
        after: int = 0,
        timeout: float = 30.0,  # noqa: ASYNC109 - like wait_for_message
    ) -> None:
        """Return once a getUpdates call later than the first ``after`` (see
        `polls_started`) is waiting for updates, at once if one is; TimeoutError if none
        comes within ``timeout`` seconds."""
        queue = self.core.queue(self.core.resolve_bot(bot).id)
        if not await queue.wait_until(lambda: self.is_polling(queue.bot_id, after=after), timeout):
            raise TimeoutError(f"bot {queue.bot_id} did not start a long poll within {timeout}s")

    async def wait_until_idle(
        self,
        bot: BotRef = None,
        *,
        timeout: float = 30.0,  # noqa: ASYNC109 - like wait_for_message
    ) -> None:
        """Return once the bot is polling with nothing pending (`is_idle`), without waiting
        for its long poll to end; TimeoutError after ``timeout`` seconds."""
        queue = self.core.queue(self.core.resolve_bot(bot).id)
        if not await queue.wait_until(lambda: queue.idle, timeout):
            raise TimeoutError(
                f"bot {queue.bot_id} did not take its {len(queue.pending)} pending updates "
                f"within {timeout}s"
            )

    def bot_info(self, bot: BotRef = None) -> JSONDict:
        rec = self.core.resolve_bot(bot)
        queue = self.core.queue(rec.id)
        hook = queue.webhook
        return {
            **rec.as_dict(),
            "pending_updates": len(queue.pending),
            "allowed_updates": queue.allowed_updates,
            "polls_started": queue.polls_started,
            "polling": queue.waiting_poll is not None,
            "webhook": None
            if hook is None
            else {
                "url": hook.url,
                "delivered": hook.delivered,
                "failed": hook.failed,
                "last_error_message": hook.last_error_message,
            },
        }

    # -- API log, limits, faults, clock ------------------------------------------------------

    @property
    def api_log(self) -> list[JSONDict]:
        return list(self.core.api_log)

    def api_calls(self, method: str | None = None, *, bot: BotRef = None) -> list[JSONDict]:
        bot_id = None if bot is None else self.core.resolve_bot(bot).id
        return [
            entry
            for entry in self.core.api_log
            if (method is None or str(entry["method"]).lower() == method.lower())
            and (bot_id is None or entry["bot_id"] == bot_id)
        ]

    def set_rate_limits(
        self,
        enabled: bool = True,
        global_per_s: float = 30.0,
        private_per_s: float = 1.0,
        group_per_min: float = 20.0,
        scale: float = 1.0,
    ) -> JSONDict:
        try:
            config = self.core.limiter.configure(
                enabled=enabled,
                global_per_s=global_per_s,
                private_per_s=private_per_s,
                group_per_min=group_per_min,
                scale=scale,
            )
        except ValueError as exc:
            raise ControlError(str(exc)) from exc
        return config.as_dict()

    @property
    def rate_limits(self) -> JSONDict:
        return {**self.core.limiter.config.as_dict(), **self.core.limiter.stats()}

    def count_status(self, status: int, method: str | None = None) -> int:
        """How many Bot API calls were answered with ``status`` (e.g. 429, injected or not)."""
        return sum(1 for entry in self.api_calls(method) if entry["status"] == status)

    @property
    def rate_limited_count(self) -> int:
        """How many calls were answered 429 by flood control (injected 429s not included)."""
        return self.core.limiter.rejected

    def inject_fault(
        self,
        kind: FaultKind,
        count: int = 1,
        method: str | None = None,
        chat_id: int | str | None = None,
        retry_after: int = 1,
        status: int = 500,
        seconds: float = 5.0,
        *,
        after_timeout: Literal["close", "process"] = "close",
        bot: BotRef = None,
    ) -> JSONDict:
        """The next ``count`` matching calls fail; ``method=None`` matches every method."""
        try:
            fault = self.core.faults.add(
                kind,
                count=count,
                method=method,
                chat_id=chat_id,
                bot_id=None if bot is None else self.core.resolve_bot(bot).id,
                retry_after=retry_after,
                status=status,
                seconds=seconds,
                after_timeout=after_timeout,
            )
        except ValueError as exc:
            raise ControlError(str(exc)) from exc
        return fault.as_dict()

    def end_hangs(self) -> None:
        """End the timeout faults hanging now, as if their ``seconds`` had run out (a call
        with ``after_timeout="process"`` is then performed); a test waits for what it needs
        while a call hangs, instead of for a fixed time."""
        self.core.end_hangs()

    @property
    def faults(self) -> list[JSONDict]:
        return [fault.as_dict() for fault in self.core.faults.faults]

    def clear_faults(self) -> None:
        self.core.faults.clear()

    def set_clock_offset(self, seconds: float) -> JSONDict:
        """Shift the emulator's clock (message dates) relative to the injected clock."""
        self.core.clock_offset = timedelta(seconds=seconds)
        self.core.events.emit("clock_changed", **self.clock)
        return self.clock

    @property
    def clock(self) -> JSONDict:
        return {
            "now": self.core.now().isoformat(),
            "offset_seconds": self.core.clock_offset.total_seconds(),
        }

    def reset(self) -> None:
        self.core.reset()
