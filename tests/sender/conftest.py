"""Fixtures for the outbox sender: the emulator, a real aiogram Bot on it, a SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.clock import SystemClock
from domain.org import Language
from domain.outbox import OutboxMessage, Priority
from outbox.alerts import DeliveryAlerts
from outbox.sender import OutboxSender
from outbox.settings import OutboxSettings
from sandbox.emulator import Emulator
from storage import Database, Repositories
from texts.i18n import render

T = TypeVar("T")
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
ADMIN = 900
# Fast retries and polls and per-chat limits; no headroom, so pacing is exact.
FAST = OutboxSettings(
    retry_base_s=0.05,
    retry_max_s=0.2,
    max_attempts=4,
    idle_poll_s=0.1,
    headroom=0.0,
    private_per_s=20,
    group_per_min=1200,
)


class QuickCloseSession(AiohttpSession):
    """aiogram's session sleeps 250 ms on close (for TLS); nothing to wait for on loopback."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator().running() as running:
        running.add_bot(TOKEN)
        yield running


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    client = Bot(TOKEN, session=QuickCloseSession(api=TelegramAPIServer.from_base(emu.base_url)))
    yield client
    await client.session.close()


def started_user(emu: Emulator, user_id: int, name: str = "user") -> int:
    """A user who has written /start to the bot, so it may write to them."""
    emu.create_user(name, user_id=user_id)
    emu.user_sends(user_id, user_id, "/start")
    emu.core.queue(123456789).drop_pending()
    return user_id


def now() -> datetime:
    return SystemClock().now()


def outgoing(
    key: str, chat: int, *, priority: Priority = Priority.NOTICE, text: str | None = None
) -> OutboxMessage:
    return OutboxMessage(
        dedupe_key=key,
        chat_id=chat,
        text=text if text is not None else f"<b>{key}</b>",
        not_before=now(),
        priority=priority,
        recipient_id=chat if chat > 0 else None,
    )


async def enqueue(database: Database, *messages: OutboxMessage) -> None:
    async with database.transaction() as session:
        for message in messages:
            await Repositories(session).outbox.enqueue(message, now=now())


def make_sender(
    bot: Bot, database: Database, settings: OutboxSettings = FAST, **changes: Any
) -> OutboxSender:
    if changes:
        settings = settings.model_copy(update=changes)
    return OutboxSender(
        bot,
        database,
        settings,
        clock=SystemClock(),
        alerts=DeliveryAlerts([ADMIN], Language.ZH_CN, ZoneInfo("Asia/Shanghai"), render),
    )


class Running:
    """A sender running in the background until `stop()`."""

    def __init__(self, sender: OutboxSender) -> None:
        self.sender = sender
        self.task = asyncio.create_task(sender.run())

    async def stop(self) -> None:
        await self.sender.stop()
        await asyncio.wait_for(self.task, 10)


async def pending(database: Database) -> int:
    async with database.session() as session:
        return await Repositories(session).outbox.pending_count()


async def eventually(check: Callable[[], Any], within: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.02)


async def drained(database: Database, within: float = 10.0) -> None:
    async def empty() -> bool:
        return await pending(database) == 0

    await eventually(empty, within)
