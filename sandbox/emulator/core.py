"""The emulator's shared machinery: world state plus queues, events, limits, log and clock.

Both the Bot API methods and the control side (tests, the control HTTP API) go through
:class:`Core`, so every change of a chat is mirrored to the event bus in one place.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from . import render
from .errors import ControlError, NotFoundError, bad_request, chat_not_found, forbidden
from .events import EventBus
from .limits import FaultInjector, RateLimiter
from .state import BotRec, ChatKey, GroupRec, MessageRec, UserRec, World
from .updates import UpdateQueue

JSONDict = dict[str, Any]
Clock = Callable[[], datetime]


class ClockObject(Protocol):
    def now(self) -> datetime: ...


TOKEN_RE = re.compile(r"^(\d{1,20}):([A-Za-z0-9_-]{30,50})$")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Core:
    def __init__(self, clock: Clock | ClockObject | None = None) -> None:
        # Accept a bare callable or an object with now() (like the bot's AdjustableClock).
        if clock is None:
            clock = _utc_now
        self.clock: Clock = clock if callable(clock) else clock.now
        self.clock_offset = timedelta()
        self.world = World()
        self.events = EventBus()
        self.queues: dict[int, UpdateQueue] = {}
        self.limiter = RateLimiter()
        self.faults = FaultInjector()
        self.api_log: deque[JSONDict] = deque(maxlen=20000)
        self._log_seq = 0
        # Set (and replaced) by `end_hangs`: the timeout faults hanging then end at once.
        self.hangs_end = asyncio.Event()
        # Set by the server so that setWebhook can start a delivery task.
        self.on_webhook_set: Callable[[int], None] = lambda bot_id: None

    def now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the emulator clock must return an aware datetime")
        return moment + self.clock_offset

    # -- bots ------------------------------------------------------------------------------

    def register_bot(
        self,
        token: str,
        *,
        username: str | None = None,
        first_name: str | None = None,
        privacy_mode: bool | None = None,
    ) -> BotRec:
        match = TOKEN_RE.match(token)
        if match is None:
            raise ControlError(f"malformed bot token {token!r}")
        bot_id = int(match.group(1))
        if bot_id in self.world.users:
            raise ControlError(f"id {bot_id} already belongs to a user")
        bot = self.world.bots.get(bot_id)
        if bot is None:
            default = "sandbox_bot" if not self.world.bots else f"sandbox_{bot_id}_bot"
            bot = BotRec(bot_id, token, username or default, first_name or "Sandbox Bot")
            self.world.bots[bot_id] = bot
            self.events.emit("bot_registered", bot=bot.as_dict())
        bot.token = token
        if username is not None:
            bot.username = username.removeprefix("@")
        if first_name is not None:
            bot.first_name = first_name
        if privacy_mode is not None:
            bot.privacy_mode = privacy_mode
        return bot

    def bot_for_token(self, token: str) -> BotRec | None:
        """The bot behind a Bot API token, registering it on first use; None if invalid."""
        match = TOKEN_RE.match(token)
        if match is None:
            return None
        bot = self.world.bots.get(int(match.group(1)))
        if bot is None:
            if int(match.group(1)) in self.world.users:
                return None
            return self.register_bot(token)
        # Same id, other secret: what a revoked token looks like.
        return bot if bot.token == token else None

    def resolve_bot(self, ref: int | str | BotRec | None = None) -> BotRec:
        if isinstance(ref, BotRec):
            return ref
        bots = self.world.bots
        if ref is None:
            if not bots:
                raise ControlError("no bot is registered yet (add_bot or let the bot call getMe)")
            return next(iter(bots.values()))
        if isinstance(ref, int):
            if ref in bots:
                return bots[ref]
            raise NotFoundError(f"unknown bot {ref}")
        if TOKEN_RE.match(ref):
            return self.register_bot(ref)
        for bot in bots.values():
            if bot.username.lower() == ref.removeprefix("@").lower() or str(bot.id) == ref:
                return bot
        raise NotFoundError(f"unknown bot {ref!r}")

    def queue(self, bot_id: int) -> UpdateQueue:
        queue = self.queues.get(bot_id)
        if queue is None:
            queue = self.queues[bot_id] = UpdateQueue(bot_id)
        return queue

    def deliver(self, bot_id: int, kind: str, payload: Any, *, copies: int = 1) -> JSONDict:
        return self.queue(bot_id).push(kind, payload, copies=copies)

    # -- users, groups, chats --------------------------------------------------------------

    def require_user(self, user_id: int) -> UserRec:
        rec = self.world.users.get(user_id)
        if rec is None:
            raise NotFoundError(f"unknown user {user_id}")
        return rec

    def require_group(self, chat_id: int) -> GroupRec:
        group = self.world.groups.get(chat_id)
        if group is None:
            raise NotFoundError(f"unknown group {chat_id}")
        return group

    def user_dict(self, user_id: int) -> JSONDict:
        return render.user(self.world, user_id)

    def key_for(self, chat_id: int, bot: int | str | BotRec | None = None) -> ChatKey:
        """Control-side chat key: groups are shared, a private chat belongs to one bot."""
        if chat_id < 0:
            self.require_group(chat_id)
            return (0, chat_id)
        self.require_user(chat_id)
        return (self.resolve_bot(bot).id, chat_id)

    def _chat_ref(self, ref: int | str) -> int:
        if isinstance(ref, int):
            return ref
        name = ref.removeprefix("@").lower()
        for group in self.world.groups.values():
            if group.username and group.username.lower() == name and ref.startswith("@"):
                return group.id
        raise chat_not_found()

    def accessible_chat(self, bot: BotRec, ref: int | str, *, write: bool = True) -> ChatKey:
        """The chat a Bot API call targets, with Telegram's 400/403 answers."""
        chat_id = self._chat_ref(ref)
        if chat_id > 0:
            if chat_id in self.world.bots:
                raise forbidden("bot can't send messages to bots")
            if chat_id not in self.world.users:
                raise chat_not_found()
            if chat_id in bot.blocked and write:
                raise forbidden("bot was blocked by the user")
            if chat_id not in bot.started and chat_id not in bot.blocked:
                if write:
                    raise forbidden("bot can't initiate conversation with a user")
                raise chat_not_found()
            return (bot.id, chat_id)
        group = self.world.groups.get(chat_id)
        if group is None:
            raise chat_not_found()
        if group.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": group.migrated_to},
            )
        kind = "supergroup chat" if group.type == "supergroup" else "group chat"
        status = group.member(bot.id).status
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if not group.is_active_member(bot.id):
            raise forbidden(f"bot is not a member of the {kind}")
        return (0, chat_id)

    # -- messages --------------------------------------------------------------------------

    def post_message(self, key: ChatKey, sender: tuple[Any, int], **fields: Any) -> MessageRec:
        log = self.world.chat(key)
        msg = MessageRec(key, log.allocate_id(), self.now(), sender, **fields)
        log.add(msg)
        self._emit("message_new", msg)
        return msg

    def edit_message(self, msg: MessageRec, **changes: Any) -> None:
        msg.history.append(
            {
                "text": msg.text,
                "entities": msg.entities,
                "caption": msg.caption,
                "reply_markup": msg.reply_markup,
                "edit_date": render.unix(msg.edit_date) if msg.edit_date else None,
            }
        )
        for name, value in changes.items():
            setattr(msg, name, value)
        msg.edit_date = self.now()
        self._emit("message_edited", msg)

    def delete_message(self, msg: MessageRec) -> None:
        msg.deleted = True
        log = self.world.chat(msg.chat_key)
        if msg.message_id in log.pinned:
            log.pinned.remove(msg.message_id)
            msg.pinned = False
        self._emit("message_deleted", msg)

    def set_pinned(self, msg: MessageRec, pinned: bool) -> None:
        log = self.world.chat(msg.chat_key)
        if msg.message_id in log.pinned:
            log.pinned.remove(msg.message_id)
        if pinned:
            log.pinned.append(msg.message_id)
        msg.pinned = pinned
        self._emit("message_pinned" if pinned else "message_unpinned", msg)

    def _emit(self, kind: str, msg: MessageRec) -> None:
        self.events.emit(
            kind,
            chat_id=msg.chat_id,
            bot_id=msg.bot_id,
            message_id=msg.message_id,
            message=render.message_view(self.world, msg),
        )

    def find_message(self, key: ChatKey, message_id: int | None) -> MessageRec | None:
        if message_id is None:
            return None
        log = self.world.chats.get(key)
        return None if log is None else log.get(message_id)

    def end_hangs(self) -> None:
        """End the timeout faults hanging now as if their time had run out."""
        ended, self.hangs_end = self.hangs_end, asyncio.Event()
        ended.set()

    # -- API log ---------------------------------------------------------------------------

    def log_call(self, **entry: Any) -> JSONDict:
        self._log_seq += 1
        record: JSONDict = {"seq": self._log_seq, "time": self.now().isoformat(), **entry}
        self.api_log.append(record)
        self.events.emit("api_call", entry=record)
        return record

    # -- reset -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything except the bots' identities (token, name, privacy mode)."""
        bots = [
            BotRec(b.id, b.token, b.username, b.first_name, b.privacy_mode)
            for b in self.world.bots.values()
        ]
        self.world = World()
        self.world.bots = {bot.id: bot for bot in bots}
        for queue in self.queues.values():
            queue.close()
        self.queues.clear()
        self.limiter = RateLimiter()
        self.faults = FaultInjector()
        self.api_log.clear()
        self.clock_offset = timedelta()
        self.events.emit("reset")
