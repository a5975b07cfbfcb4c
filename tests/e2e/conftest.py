"""End to end: the real bot process (`python -m bot run`) against the Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from sandbox.emulator import Emulator
from tests.conftest import TEST_KEYRING
from tests.logcheck import check_log_file

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


# The bot processes' key ring, the same for the whole session: a process started from a copy
# of the session's demo database must open what `org load` sealed.
E2E_KEYS = TEST_KEYRING.to_json()


def bot_environment(workdir: Path, api_base: str, extra_config: str = "") -> dict[str, str]:
    """What `python -m bot` is run with: the e2e token, a config file and a SQLite database in
    `workdir`."""
    config = workdir / "config.toml"
    config.write_text(f"[admins]\ntelegram_ids = [{ADMIN_ID}]\n{extra_config}", "utf-8")
    return {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": api_base,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bot.db'}",
        "BOT_CONFIG": str(config),
        "PYTHONUNBUFFERED": "1",
        "BOT_PRIVACY_KEYS": E2E_KEYS,
    }


# The logs of the bot processes the current test started, checked after it.
_BOT_LOGS: list[Path] = []


@pytest.fixture(autouse=True)
def no_personal_data_in_bot_logs() -> Iterator[None]:
    """The bot processes' logs as written hold no phone or ID number (tests/logcheck.py)."""
    _BOT_LOGS.clear()
    yield
    for log in _BOT_LOGS:
        check_log_file(log)
    _BOT_LOGS.clear()


class BotProcess:
    """Runs `python -m bot` as a separate process, the way an operator would."""

    def __init__(self, emulator: Emulator, workdir: Path, extra_config: str = "") -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.config = workdir / "config.toml"
        self.env = bot_environment(workdir, emulator.base_url, extra_config)
        self.process: asyncio.subprocess.Process | None = None
        self.log = workdir / "bot.log"
        _BOT_LOGS.append(self.log)

    def use_database(self, template: Path) -> None:
        """Start from a copy of `template` (see the `demo_org_database` fixture)."""
        shutil.copyfile(template, self.workdir / "bot.db")

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
        """Start and wait until the bot polls (or has set its webhook).

        "Polls" means a getUpdates call of this process is waiting in the emulator: the API
        log records a long poll only when it returns, which an idle bot's does after its
        whole timeout."""
        emulator = self.emulator
        calls_before = {
            method: len(emulator.api_calls(method))
            for method in ("getMe", "setMyCommands", "setWebhook")
        }
        polls_before = emulator.polls_started(BOT_ID)
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
        process = self.process

        def called(method: str) -> bool:
            return len(emulator.api_calls(method)) > calls_before[method]

        def ready() -> bool:
            if process.returncode is not None:
                raise AssertionError(f"the bot exited:\n{self.log.read_text()}")
            listening = emulator.is_polling(BOT_ID, after=polls_before) or called("setWebhook")
            return called("getMe") and called("setMyCommands") and listening

        try:
            await until(emulator, ready, within=START_TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"the bot did not start:\n{self.log.read_text()}") from None

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


@pytest.fixture(scope="session")
def demo_org_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with the demo organisation loaded by `python -m bot org load`.

    Made once per session; each bot process starts from a copy (`BotProcess.use_database`),
    as the command spends seconds importing the bot."""
    workdir = tmp_path_factory.mktemp("demo-org")
    loaded = subprocess.run(
        [sys.executable, "-m", "bot", "org", "load", str(ORG)],
        cwd=workdir,
        env=bot_environment(workdir, "http://127.0.0.1:9"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stdout
    database = workdir / "bot.db"
    assert not Path(f"{database}-wal").exists()  # the whole database is in the one file
    return database


@pytest.fixture
async def bot_process(
    emulator: Emulator, tmp_path: Path, demo_org_database: Path
) -> AsyncIterator[BotProcess]:
    process = BotProcess(emulator, tmp_path)
    process.use_database(demo_org_database)
    yield process
    # Nothing is asserted on how it ends here (tests that care stop it themselves), and a
    # clean stop takes a second of the bot's shutdown.
    await process.kill()


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


async def until(emulator: Emulator, condition: Callable[[], bool], within: float = 30.0) -> None:
    """Wait until `condition()` holds, checking it after every event of the emulator (each API
    call is one) and at least every 20 ms; TimeoutError after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"condition not met within {within}s")
        if emulator.core.events.closed:
            await asyncio.sleep(0.02)
        else:
            await emulator.core.events.changed(0.02)
