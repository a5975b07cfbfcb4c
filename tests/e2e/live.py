"""The whole bot in this process against the emulator over HTTP, on a clock the test moves.

The bot process tests (conftest.BotProcess) cannot move time; a day of reports, reminders,
escalations and roll-ups needs to. Here the real `App` (dispatcher, clock, calendar jobs,
outbox sender) runs as a task, talking to the emulator through real HTTP requests, with an
`AdjustableClock` shared by the bot and the emulator. `at(moment)` moves the clock, runs
what the calendar would have run by then and the clock's due steps, and waits until every
resulting message has gone out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from sqlalchemy import func, select

from bot.app import App
from bot.clock import AdjustableClock
from bot.config import Settings
from bot.retry import RetryRequestMiddleware
from domain.outbox import OutboxState
from sandbox.emulator import Emulator
from services.org import load_org_file
from storage import Database, Repositories
from storage.migrate import upgrade
from storage.models import OutboxRow
from texts.privacy_notice import DeclNotice

TOKEN = "7100001:LIVEtokenLIVEtokenLIVEtokenLIVE12345"
BOT_ID = 7100001
NOTICE_PREFIX = DeclNotice.__prefix__ + ":"
SETTLE_TIMEOUT_S = 30.0
START_TIMEOUT_S = 30.0


class MovingClock(AdjustableClock):
    """The bot's adjustable clock, telling waiters (`moved`) whenever a test moves it."""

    def __init__(self) -> None:
        super().__init__()
        self.moved = asyncio.Event()

    def advance(self, delta: timedelta) -> None:
        super().advance(delta)
        self._tell()

    def set(self, moment: datetime) -> None:
        super().set(moment)
        self._tell()

    def _tell(self) -> None:
        moved, self.moved = self.moved, asyncio.Event()
        moved.set()


class LiveBot:
    def __init__(
        self, emulator: Emulator, app: App, clock: MovingClock, settings: Settings
    ) -> None:
        self.emu = emulator
        self.app = app
        self.clock = clock
        self.settings = settings
        self._task: asyncio.Task[None] | None = None
        self._handling = 0  # updates fetched whose handler has not finished (and committed)
        self._handled = asyncio.Event()  # set when a handler finishes

    async def _count_handling(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self._handling += 1
        try:
            return await handler(event, data)
        finally:
            self._handling -= 1
            self._handled.set()

    @property
    def database(self) -> Database:
        return self.app.database

    async def start(self) -> None:
        # Outermost, so "handled" means the handler's transaction has committed too: what it
        # queued in the outbox is then visible to `settled`.
        manager = self.app.dispatcher.update.outer_middleware
        others = list(manager)
        for middleware in others:
            manager.unregister(middleware)
        for middleware in (self._count_handling, *others):
            manager.register(middleware)
        for request_middleware in self.app.bot.session.middleware:
            if isinstance(request_middleware, RetryRequestMiddleware):
                request_middleware.sleep = self._sleep_on_clock
        polls_before = self.emu.polls_started(BOT_ID)
        self._task = asyncio.create_task(self.app.run(handle_signals=False))
        polling = asyncio.create_task(
            self.emu.wait_until_polling(BOT_ID, after=polls_before, timeout=START_TIMEOUT_S)
        )
        try:
            await asyncio.wait((self._task, polling), return_when=asyncio.FIRST_COMPLETED)
        finally:
            polling.cancel()
        if self._task.done():
            await self._task  # raises what stopped it
            raise AssertionError("the bot stopped before it polled")
        try:
            await polling
        except TimeoutError:
            raise AssertionError("the bot did not start polling") from None

    async def _sleep_on_clock(self, seconds: float) -> None:
        """The bot's waits before retrying a request (a 429's retry_after) pass on the test's
        clock: in real time as before, or at once when the test moves the clock past them."""
        end = self.clock.now() + timedelta(seconds=seconds)
        while (left := (end - self.clock.now()).total_seconds()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.clock.moved.wait(), left)

    async def stop(self) -> None:
        if self._task is None:
            return
        if not self._task.done():
            with contextlib.suppress(RuntimeError):
                await self.app.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._task, 30)

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database, as after a redeploy."""
        await self.stop()
        self.app = App.build(self.settings, self.clock)
        await self.start()

    async def at(self, moment: datetime, *, jobs: Sequence[str] = ()) -> None:
        """Move the clock to `moment`, run the named calendar jobs, then the clock's due
        steps, and wait until the outbox is empty."""
        self.clock.set(moment)
        if self.app.sender is not None:
            self.app.sender.wake.set()  # what became due by `moment` (not_before) goes now
        for name in jobs:
            await self.app.jobs.run_now(name)
        await self.app.engine.run_due()
        await self.settled()

    async def settled(self) -> None:
        """Wait until the bot has taken every update and handled it, and nothing is pending
        in the outbox but what is held until later.

        The bot takes every update when it is polling with nothing pending in the emulator
        (`Emulator.is_idle`): that poll confirmed the updates of the one before, whose
        handlers had started before it was sent. Re-checked after each of the emulator's
        events and handler ends, and at least every 20 ms; the outbox is read only when the
        rest holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT_S
        while True:
            self._handled.clear()
            if self._quiet() and await self._outbox_empty() and self._quiet():
                return
            if loop.time() > deadline:
                raise AssertionError("the bot did not settle")
            await self._next_change(0.02)

    async def _next_change(self, seconds: float) -> None:
        """Until the emulator has news (an API call, a message, the bot's poll waiting) or a
        handler ends; at most `seconds`, as the outbox changes without telling anyone."""
        changes = [
            asyncio.ensure_future(self.emu.core.events.changed(seconds)),
            asyncio.ensure_future(self.emu.core.queue(BOT_ID).observe(seconds)),
            asyncio.ensure_future(self._handled.wait()),
        ]
        try:
            await asyncio.wait(changes, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for change in changes:
                change.cancel()

    def _quiet(self) -> bool:
        return self._handling == 0 and self.emu.is_idle(BOT_ID)

    async def _outbox_empty(self) -> bool:
        """Nothing is waiting to go out but messages held until later (`not_before`, as a
        reminder for a day ahead), which go when the test moves the clock to them (`at`)."""
        async with self.database.session() as session:
            waiting = await session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(
                    OutboxRow.state == OutboxState.PENDING.value,
                    OutboxRow.not_before <= self.clock.now(),
                )
            )
        return not waiting

    async def say(self, user: int, text: str, chat: int | None = None) -> list[str]:
        """Send a message as `user` and return the texts of the bot's answers to it."""
        chat_id = user if chat is None else chat
        before = len(self.emu.bot_messages(chat_id, bot=BOT_ID))
        self.emu.user_sends(user, chat_id, text, bot=BOT_ID)
        await self.settled()
        return [m["text"] for m in self.emu.bot_messages(chat_id, bot=BOT_ID)[before:]]

    async def press(self, user: int, message: dict[str, Any], label: str) -> list[str]:
        """Press the button whose text contains `label` under `message`."""
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if label in button["text"]:
                    chat_id = message["chat"]["id"]
                    before = len(self.emu.bot_messages(chat_id, bot=BOT_ID))
                    self.emu.press_button(
                        user, chat_id, message["message_id"], button["callback_data"], bot=BOT_ID
                    )
                    await self.settled()
                    return [m["text"] for m in self.emu.bot_messages(chat_id, bot=BOT_ID)[before:]]
        raise AssertionError(f"no button {label!r} under: {message['text']!r}")

    async def press_data(self, user: int, message: dict[str, Any], data: str) -> list[str]:
        """Press the button of `message` whose callback data is `data` (it must be there)."""
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        assert any(b.get("callback_data") == data for b in buttons), (data, buttons)
        chat_id = message["chat"]["id"]
        before = len(self.emu.bot_messages(chat_id, bot=BOT_ID))
        self.emu.press_button(user, chat_id, message["message_id"], data, bot=BOT_ID)
        await self.settled()
        return [m["text"] for m in self.emu.bot_messages(chat_id, bot=BOT_ID)[before:]]

    async def start_declaring(self, user: int, payload: str) -> list[str]:
        """`user` follows the residents group's button (`/start payload`) and accepts the
        privacy notice when it is asked (once per person): the replies after it."""
        replies = await self.say(user, f"/start {payload}")
        return await self.accept_notice(user) or replies

    async def accept_notice(self, user: int) -> list[str] | None:
        """Press "accept" on the privacy notice if it is the bot's last message to `user`."""
        messages = self.emu.bot_messages(user, bot=BOT_ID)
        if not messages:
            return None
        message = messages[-1]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data") or ""
                if data.startswith(NOTICE_PREFIX) and DeclNotice.unpack(data).accept:
                    return await self.press_data(user, message, data)
        return None

    def last(self, chat: int) -> dict[str, Any]:
        messages = self.emu.bot_messages(chat, bot=BOT_ID)
        assert messages, f"the bot sent nothing to {chat}"
        return messages[-1]

    def texts(self, chat: int) -> list[str]:
        return [m["text"] for m in self.emu.bot_messages(chat, bot=BOT_ID)]


@contextlib.asynccontextmanager
async def live_bot(
    workdir: Path,
    org: str,
    start: datetime,
    config: dict[str, Any] | None = None,
    *,
    started: Sequence[int] = (),
    before_start: Callable[[Emulator], None] | None = None,
) -> AsyncIterator[LiveBot]:
    """A running bot on `org` (an organisation file's text) with the clock at `start`;
    `started` are users who have written /start to the bot before it starts (their /start
    is handled once it runs), so what it sends at start-up can reach them; `before_start`
    sets up the emulator's people and faults before the bot first calls it."""
    clock = MovingClock()
    clock.set(start)
    emulator = Emulator(clock=clock.now)
    await emulator.start("127.0.0.1", 0)
    url = f"sqlite+aiosqlite:///{workdir / 'live.db'}"
    settings = Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "api_base": emulator.base_url},
            "database": {"url": url},
            **(config or {}),
        }
    )
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    try:
        async with database.transaction() as session:
            await load_org_file(Repositories(session), org, now=clock.now())
    finally:
        await database.dispose()
    emulator.add_bot(TOKEN, username="fangkong_live_bot", first_name="防控助手")
    for user in started:
        emulator.create_user(f"user{user}", user_id=user)
        emulator.user_sends(user, user, "/start", bot=BOT_ID)
    if before_start is not None:
        before_start(emulator)
    app = App.build(settings, clock)
    live = LiveBot(emulator, app, clock, settings)
    try:
        await live.start()
        yield live
    finally:
        await live.stop()
        await emulator.stop()
