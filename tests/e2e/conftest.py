"""End to end: the real bot process (`python -m bot run`) against the Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from sandbox.emulator import Emulator

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000001:E2EtokenE2EtokenE2EtokenE2Etoken12345"
BOT_ID = 7000001
ADMIN_ID = 9
ORG = ROOT / "sandbox" / "demo_org.toml"
# Importing aiogram alone takes seconds on a busy machine; give start-up room.
START_TIMEOUT = 60.0

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """Runs `python -m bot` as a separate process, the way an operator would."""

    def __init__(self, emulator: Emulator, workdir: Path, extra_config: str = "") -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.config = workdir / "config.toml"
        self.config.write_text(f"[admins]\ntelegram_ids = [{ADMIN_ID}]\n{extra_config}", "utf-8")
        self.env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": emulator.base_url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.db'}",
            "BOT_CONFIG": str(self.config),
            "PYTHONUNBUFFERED": "1",
        }
        self.process: asyncio.subprocess.Process | None = None
        self.log = workdir / "bot.log"

    async def cli(self, *args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            cwd=self.workdir,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        return process.returncode or 0, output.decode()

    def fsm_state(self, user_id: int) -> str | None:
        """The dialog state the bot has committed for a private chat, read from its database."""
        with contextlib.closing(sqlite3.connect(self.workdir / "bot.db")) as db:
            row = db.execute(
                "SELECT state FROM fsm_states WHERE key LIKE ?", (f"%:{user_id}:{user_id}:%",)
            ).fetchone()
        return None if row is None else str(row[0])

    async def start(self) -> None:
        """Start and wait until the bot polls (or has set its webhook)."""
        calls_before = len(self.emulator.api_calls("getMe"))
        log = self.log.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT
        while asyncio.get_running_loop().time() < deadline:
            if self.process.returncode is not None:
                raise AssertionError(f"the bot exited:\n{self.log.read_text()}")
            ready = len(self.emulator.api_calls("getMe")) > calls_before and (
                self.emulator.api_calls("getUpdates") or self.emulator.api_calls("setWebhook")
            )
            if ready and self.emulator.api_calls("setMyCommands"):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not start:\n{self.log.read_text()}")

    async def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(sig)
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    async def kill(self) -> None:
        """An abrupt end, as when the machine loses power: no clean shutdown."""
        await self.stop(signal.SIGKILL)


def webhook_process(emulator: Emulator, workdir: Path) -> tuple[BotProcess, int]:
    """A bot process in webhook mode, and the free local port it will listen on."""
    port = free_port()
    process = BotProcess(
        emulator,
        workdir,
        extra_config=(
            '[telegram]\nmode = "webhook"\n[telegram.webhook]\n'
            f'url = "http://127.0.0.1:{port}"\nport = {port}\nsecret_token = "e2e-secret"\n'
        ),
    )
    return process, port


class Chat:
    """Acting as people in the emulator and waiting for the bot's answers."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    async def say(self, user_id: int, text: str, chat_id: int | None = None) -> dict[str, Any]:
        chat = user_id if chat_id is None else chat_id
        sent = self.emu.user_sends(user_id, chat, text, bot=BOT_ID)
        return await self.emu.wait_for_message(
            chat, timeout=30, bot=BOT_ID, after_message_id=sent["message_id"]
        )

    async def press(self, user_id: int, message: dict[str, Any], row: int, col: int) -> str:
        data = message["reply_markup"]["inline_keyboard"][row][col]["callback_data"]
        return self.emu.press_button(
            user_id, message["chat"]["id"], message["message_id"], data, bot=BOT_ID
        )


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator().running() as emu:
        emu.add_bot(TOKEN, username="fangkong_e2e_bot", first_name="防控助手")
        yield emu


@pytest.fixture
async def bot_process(emulator: Emulator, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(emulator, tmp_path)
    code, output = await process.cli("org", "load", str(ORG))
    assert code == 0, output
    yield process
    await process.stop()


@pytest.fixture
def chat(emulator: Emulator) -> Chat:
    return Chat(emulator)


def people(emulator: Emulator, *ids_and_languages: tuple[int, str]) -> None:
    for user_id, language in ids_and_languages:
        emulator.create_user(f"user{user_id}", user_id=user_id, language_code=language)


async def eventually(check: Callable[[], T | None], within: float = 30.0) -> T:
    """Polls until `check` returns something truthy; the bot works in another process."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.05)
