"""The :class:`Emulator` facade: HTTP server lifecycle plus the in-process control methods."""

from __future__ import annotations

import asyncio
import pickle
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from . import actions, people
from .api import BotApi
from .control import ControlApi
from .core import Clock, ClockObject, Core
from .net import is_loopback, same_machine_only
from .params import Params
from .state import World
from .views import EmulatorViews
from .webhook import WebhookDeliverer

JSONDict = dict[str, Any]
BotRef = int | str | None
# Bump when a record in state.py changes shape: older snapshots are then refused, not misread.
SNAPSHOT_VERSION = 1


class Emulator(EmulatorViews):
    """A local Telegram Bot API server plus the people and groups around the bot."""

    def __init__(
        self,
        clock: Clock | ClockObject | None = None,
        *,
        webhook_retry_delay: float = 0.05,
        webhook_max_retry_delay: float = 1.0,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.core = Core(clock)
        self._stopping = asyncio.Event()
        self.api = BotApi(self.core, self._stopping)
        self.webhooks = WebhookDeliverer(
            self.core,
            self._execute_webhook_reply,
            first_retry_delay=webhook_retry_delay,
            max_retry_delay=webhook_max_retry_delay,
            timeout=webhook_timeout,
        )
        self.core.on_webhook_set = self.webhooks.ensure
        self.control = ControlApi(self)
        self._extra_routes: list[web.RouteDef] = []
        self._runner: web.AppRunner | None = None
        self.host = ""
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application(
            client_max_size=64 * 1024 * 1024, middlewares=[same_machine_only(lambda: self.port)]
        )
        app.add_routes(self.api.routes())
        app.add_routes(self.control.routes())
        app.add_routes(self._extra_routes)
        return app

    def mount(self, routes: Iterable[web.RouteDef]) -> None:
        """Serve more routes beside the Bot API and the control API (the sandbox's web page);
        call before `start`."""
        if self._runner is not None:
            raise RuntimeError("mount routes before starting the emulator")
        self._extra_routes.extend(routes)

    def snapshot(self) -> bytes:
        """The people, groups, chats and files, and where each bot's update ids have got to,
        for `restore` in a later run of the same version (the demo keeps its chats this way).
        Pending updates, the API log and injected conditions are not kept."""
        update_ids = {bot_id: queue.next_update_id for bot_id, queue in self.core.queues.items()}
        return pickle.dumps((SNAPSHOT_VERSION, self.core.world, update_ids))

    def restore(self, data: bytes) -> None:
        """Take back a `snapshot`; ValueError if it is not one this version wrote. Only load
        snapshots this program wrote itself: unpickling runs code."""
        try:
            version, world, update_ids = pickle.loads(data)
        except Exception as exc:  # a damaged or foreign file: whatever unpickling raises
            raise ValueError(f"not an emulator snapshot: {exc}") from exc
        if version != SNAPSHOT_VERSION or not isinstance(world, World):
            raise ValueError(f"an emulator snapshot of another version ({version!r})")
        self.core.world = world
        for bot_id, next_id in update_ids.items():
            # Update ids go on from where they were: a bot drops ids it has already seen.
            self.core.queue(bot_id).next_update_id = next_id

    def continue_update_ids(self, bot_id: int, after: int) -> None:
        """Number the bot's next updates above `after`: a bot drops update ids it has seen,
        so a new emulator before a bot with a memory must not start again from the first.
        (The bot need not be registered yet.)"""
        queue = self.core.queue(bot_id)
        queue.next_update_id = max(queue.next_update_id, after + 1)

    def announce(self, kind: str, **payload: Any) -> None:
        """Publish an event of the embedding program's own on the control event stream."""
        self.core.events.emit(kind, **payload)

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the emulator is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0 picks a free port) and return the base URL."""
        if not is_loopback(host):
            raise ValueError("the emulator only listens on loopback addresses")
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        self._stopping.clear()
        # A restart after stop(): long polls and event waits may block again.
        self.core.events.closed = False
        for queue in self.core.queues.values():
            queue.closed = False
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        runner = web.AppRunner(self.make_app(), shutdown_timeout=2.0, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self.host, self.port = host, sock.getsockname()[1]
        for bot_id, queue in self.core.queues.items():
            if queue.webhook is not None:
                self.webhooks.ensure(bot_id)
        return self.base_url

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._stopping.set()
        for queue in self.core.queues.values():
            queue.close()
        self.core.events.close()
        await self.webhooks.stop()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    @asynccontextmanager
    async def running(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[Emulator]:
        await self.start(host, port)
        try:
            yield self
        finally:
            await self.stop()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _execute_webhook_reply(self, bot_id: int, method: str, params: Params) -> object:
        bot = self.core.world.bots.get(bot_id)
        if bot is None:
            return None
        return await self.api.call(bot, method, params, transport="webhook-reply")

    # -- world -----------------------------------------------------------------------------

    def add_bot(
        self,
        token: str,
        *,
        username: str | None = None,
        first_name: str | None = None,
        privacy_mode: bool | None = None,
    ) -> JSONDict:
        bot = self.core.register_bot(
            token, username=username, first_name=first_name, privacy_mode=privacy_mode
        )
        return bot.as_dict()

    def create_user(
        self,
        first_name: str,
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> JSONDict:
        return people.create_user(
            self.core,
            first_name,
            user_id=user_id,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )

    def create_group(
        self,
        title: str,
        *,
        chat_id: int | None = None,
        type: Literal["group", "supergroup"] = "supergroup",
        member_ids: Iterable[int] = (),
        creator_id: int | None = None,
    ) -> JSONDict:
        return people.create_group(
            self.core,
            title,
            chat_id=chat_id,
            type=type,
            member_ids=member_ids,
            creator_id=creator_id,
        )

    def add_member(
        self,
        chat_id: int,
        user_id: int,
        status: Literal["member", "administrator", "creator"] = "member",
        *,
        rights: dict[str, bool] | None = None,
    ) -> JSONDict:
        return people.add_member(self.core, chat_id, user_id, status, rights=rights)

    def remove_member(self, chat_id: int, user_id: int, *, kicked: bool = False) -> JSONDict:
        return people.remove_member(self.core, chat_id, user_id, kicked=kicked)

    def add_bot_to_group(
        self,
        chat_id: int,
        bot: BotRef = None,
        status: Literal["member", "administrator"] = "member",
        *,
        by_user_id: int | None = None,
        **rights: bool,
    ) -> JSONDict:
        return people.set_bot_membership(
            self.core, chat_id, bot, status, by_user_id=by_user_id, **rights
        )

    def set_bot_rights(
        self,
        chat_id: int,
        bot: BotRef = None,
        status: Literal["member", "administrator"] = "administrator",
        *,
        by_user_id: int | None = None,
        **rights: bool,
    ) -> JSONDict:
        return people.set_bot_membership(
            self.core, chat_id, bot, status, by_user_id=by_user_id, **rights
        )

    def remove_bot_from_group(
        self, chat_id: int, bot: BotRef = None, *, kicked: bool = False
    ) -> JSONDict:
        status: Literal["kicked", "left"] = "kicked" if kicked else "left"
        return people.set_bot_membership(self.core, chat_id, bot, status)

    def migrate_group(self, chat_id: int) -> int:
        return people.migrate_group(self.core, chat_id)

    def user_blocks_bot(self, user_id: int, bot: BotRef = None) -> None:
        people.set_blocked(self.core, user_id, bot, True)

    def user_unblocks_bot(self, user_id: int, bot: BotRef = None) -> None:
        people.set_blocked(self.core, user_id, bot, False)

    # -- people acting ---------------------------------------------------------------------

    def user_sends(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        *,
        bot: BotRef = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        return actions.user_sends(
            self.core, user_id, chat_id, text, bot=bot, reply_to_message_id=reply_to_message_id
        )

    def user_sends_file(
        self,
        user_id: int,
        chat_id: int,
        data: bytes,
        *,
        kind: Literal["document", "photo"] = "document",
        filename: str = "file",
        mime_type: str = "",
        caption: str | None = None,
        bot: BotRef = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """A user sends a document or a photo (PNG/JPEG/GIF/WebP), with an optional caption."""
        return actions.user_sends_file(
            self.core,
            user_id,
            chat_id,
            data,
            kind=kind,
            filename=filename,
            mime_type=mime_type,
            caption=caption,
            bot=bot,
            reply_to_message_id=reply_to_message_id,
        )

    def press_button(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        callback_data: str,
        *,
        bot: BotRef = None,
    ) -> str:
        return actions.press_button(self.core, user_id, chat_id, message_id, callback_data, bot=bot)

    def queue_update(
        self, bot: BotRef, update: JSONDict, *, deliver_twice: bool = False
    ) -> JSONDict:
        """Inject a raw update; ``deliver_twice`` queues it twice with the same update_id."""
        return actions.queue_update(self.core, bot, update, deliver_twice=deliver_twice)

    def duplicate_last_update(self, bot: BotRef = None) -> JSONDict:
        return actions.duplicate_last_update(self.core, bot)
