"""Fixtures for the Bot API emulator tests: a running emulator, an aiogram Bot, raw HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox.emulator import Emulator

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
OTHER_TOKEN = "987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw2"


class QuickCloseSession(AiohttpSession):
    """aiogram's session sleeps 250 ms on close (for TLS); nothing to wait for on loopback."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(emu: Emulator, token: str = TOKEN, **session_kwargs: Any) -> Bot:
    api = TelegramAPIServer.from_base(emu.base_url)
    return Bot(token, session=QuickCloseSession(api=api, **session_kwargs))


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(webhook_retry_delay=0.02, webhook_max_retry_delay=0.1)
    async with emulator.running() as running:
        running.add_bot(TOKEN)
        yield running


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    client = make_bot(emu)
    yield client
    await client.session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def alice(emu: Emulator) -> dict[str, Any]:
    """A user who has started the bot."""
    user = emu.create_user("Alice", username="alice")
    emu.user_sends(user["id"], user["id"], "/start")
    emu.core.queue(123456789).drop_pending()
    return user


async def call(
    http: aiohttp.ClientSession,
    emu: Emulator,
    method: str,
    *,
    token: str = TOKEN,
    **kwargs: Any,
) -> tuple[int, dict[str, Any]]:
    """A raw Bot API call; kwargs go to aiohttp (json=, data=, params=)."""
    async with http.post(f"{emu.base_url}/bot{token}/{method}", **kwargs) as response:
        return response.status, await response.json()
