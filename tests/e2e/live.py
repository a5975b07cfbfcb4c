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
from datetime import datetime
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject

from bot.app import App
from bot.clock import AdjustableClock
from bot.config import Settings
from sandbox.emulator import Emulator
from services.org import load_org_file
from storage import Database, Repositories
from storage.migrate import upgrade

TOKEN = "7100001:LIVEtokenLIVEtokenLIVEtokenLIVE12345"
BOT_ID = 7100001
SETTLE_TIMEOUT_S = 30.0


class LiveBot:
    def __init__(
        self, emulator: Emulator, app: App, clock: AdjustableClock, settings: Settings
    ) -> None:
        self.emu = emulator
        self.app = app
        self.clock = clock
        self.settings = settings
        self._task: asyncio.Task[None] | None = None
        self._handling = 0  # updates fetched whose handler has not finished (and committed)

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
        self._task = asyncio.create_task(self.app.run(handle_signals=False))
        for _ in range(600):
            if self.emu.api_calls("getUpdates", bot=BOT_ID):
                return
            if self._task.done():
                await self._task  # raises what stopped it
            await asyncio.sleep(0.05)
        raise AssertionError("the bot did not start polling")

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
        for name in jobs:
            await self.app.jobs.run_now(name)
        await self.app.engine.run_due()
        await self.settled()

    async def settled(self) -> None:
        """Wait until nothing is pending in the outbox and no update is waiting."""
        deadline = asyncio.get_running_loop().time() + SETTLE_TIMEOUT_S
        while asyncio.get_running_loop().time() < deadline:
            async with self.database.session() as session:
                pending = await Repositories(session).outbox.pending_count()
            if pending == 0 and self._handling == 0 and not self.emu.pending_updates(bot=BOT_ID):
                await asyncio.sleep(0.1)  # an update fetched just now may not be counted yet
                if self._handling == 0 and not self.emu.pending_updates(bot=BOT_ID):
                    async with self.database.session() as session:
                        pending = await Repositories(session).outbox.pending_count()
                    if pending == 0:
                        return
            await asyncio.sleep(0.05)
        raise AssertionError("the bot did not settle")

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
) -> AsyncIterator[LiveBot]:
    """A running bot on `org` (an organisation file's text) with the clock at `start`;
    `started` are users who have written /start to the bot before it starts (their /start
    is handled once it runs), so what it sends at start-up can reach them."""
    clock = AdjustableClock()
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
    app = App.build(settings, clock)
    live = LiveBot(emulator, app, clock, settings)
    try:
        await live.start()
        yield live
    finally:
        await live.stop()
        await emulator.stop()
