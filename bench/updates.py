"""Benchmark: CPU per update of the bot's dispatcher against a bare aiogram echo bot.

Both bots run as processes of their own, long polling the Bot API emulator over HTTP, driven
in turn by the same client (this process, which also runs the emulator): 50 users, each
sending one update per round and waiting for the answer, until `--updates` updates in all.

- the project: `bot.app.create_bot` and `create_dispatcher` exactly as `python -m bot run`
  builds them, on SQLite, with an organisation of 50 villages (a liaison and a resident
  each) and the reporting day opened; the clock is fixed at 10:00 local time, so a report is
  due whatever the hour the benchmark runs at. Only the dispatcher runs: not the obligation
  clock, the calendar jobs nor the outbox sender.
- bare: an aiogram `Dispatcher` with two handlers: a message is echoed with one button under
  it, a press is answered and echoed.

Workloads, each a step that changes only a dialog's draft or, for /help, nothing:
- `help`: `/help`;
- `report`: in the daily report's dialog, the first count typed, then Back pressed (and so on);
- `declare`: in the declaration's dialog, the name typed, then Back pressed (and so on).

The bot process reports its own CPU time (`time.process_time`) and, for the project, the SQL
statements and transactions its engine ran, on SIGUSR1; a workload's figures are the
differences over its updates. Five interleaved runs (project, bare, per workload); medians.
The last line ends with
`help_ratio=… report_ratio=… declare_ratio=… sql_per_update=… tx_per_update=…` (CPU per
update, project over bare; statements and transactions per dialog step, report and declare
together).

Back redraws the project's question in place: the client takes an edit of the last message as
the answer to a Back (the bare bot sends a new message).

Run: `python -m bench.updates [--updates N] [--runs N] [--database URL] [--workloads LIST]`.
Linux only (signals).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.emulator import Emulator

PROJECT_TOKEN = "7100001:BenchUpdatesProjectTokenBench12345"
BARE_TOKEN = "7100002:BenchUpdatesBareTokenBenchBench12345"
PROJECT_ID, BARE_ID = 7100001, 7100002
VILLAGES = 50
LIAISON_BASE, RESIDENT_BASE = 810_000, 820_000
WORKLOADS = ("help", "report", "declare")


def org_toml(villages: int = VILLAGES) -> str:
    """A county, one township and `villages` villages, each with a liaison and a resident."""
    parts = [
        '[[unit]]\ncode = "county"\nname = "基准县"\nkind = "office"\n',
        '[[unit]]\ncode = "town"\nname = "基准镇"\nkind = "township"\nparent = "county"\n',
    ]
    for index in range(villages):
        code = f"v{index:03d}"
        parts.append(
            f'[[unit]]\ncode = "{code}"\nname = "基准{index}村"\nkind = "village"\n'
            'parent = "town"\n'
        )
        for base, role, name in (
            (LIAISON_BASE, "liaison", "联络员"),
            (RESIDENT_BASE, "resident", "居民"),
        ):
            parts.append(
                f'[[member]]\ntelegram_id = {base + index}\nname = "{name}{index}"\n'
                f'unit = "{code}"\nrole = "{role}"\n'
            )
    return "\n".join(parts)


# --- the bot processes ----------------------------------------------------------------------


@dataclass
class Counters:
    statements: int = 0
    transactions: int = 0


def _report_on_signal(stats: Path, counters: Counters) -> None:
    """On SIGUSR1, write the CPU time and counters to `stats` (replacing it atomically).

    With `BENCH_PROFILE` set to a file name, the process runs under cProfile and each signal
    also writes the profile so far to that file with the bot's kind appended
    (`FILE.project`, `FILE.bare`; for `python -m pstats`).
    """
    sequence = 0
    profile_to = os.environ.get("BENCH_PROFILE")
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()

    def write() -> None:
        nonlocal sequence
        sequence += 1
        figures = {
            "seq": sequence,
            "cpu": time.process_time(),
            "statements": counters.statements,
            "transactions": counters.transactions,
        }
        partial = stats.with_suffix(".part")
        partial.write_text(json.dumps(figures), "utf-8")
        partial.replace(stats)
        if profiler is not None:
            profiler.dump_stats(f"{profile_to}.{stats.stem}")

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, write)


async def serve_project(api: str, database_url: str, stats: Path) -> None:
    from sqlalchemy import event

    from bot.app import create_bot, create_dispatcher
    from bot.clock import AdjustableClock
    from bot.config import load_settings
    from bot.wiring import escalation_policy
    from services.org import load_org_file
    from services.reports import open_day
    from storage import Repositories
    from storage.db import Database
    from storage.migrate import upgrade

    environ = {
        "BOT_TOKEN": PROJECT_TOKEN,
        "TELEGRAM_API_BASE": api,
        "DATABASE_URL": database_url,
    }
    settings = load_settings(None, environ)
    await asyncio.to_thread(upgrade, database_url)
    zone = settings.time.zone
    local_ten = datetime.now(zone).replace(hour=10, minute=0, second=0, microsecond=0)
    clock = AdjustableClock()
    clock.set(local_ten.astimezone(UTC))
    database = Database.connect(database_url)
    async with database.transaction() as session:
        repos = Repositories(session)
        await load_org_file(repos, org_toml(), now=clock.now())
        policy = settings.reports.policy()
        await open_day(
            repos, escalation_policy(settings), policy, local_ten.date(), now=clock.now()
        )
    counters = Counters()
    sync = database.engine.sync_engine

    def statement(*_: object) -> None:
        counters.statements += 1

    def begin(*_: object) -> None:
        counters.transactions += 1

    event.listen(sync, "before_cursor_execute", statement)
    event.listen(sync, "begin", begin)
    bot = create_bot(settings, database=database)
    dispatcher = create_dispatcher(settings, database, clock=clock)
    _report_on_signal(stats, counters)
    await dispatcher.start_polling(bot, handle_signals=False)


async def serve_bare(api: str, stats: Path) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

    session = AiohttpSession(api=TelegramAPIServer.from_base(api))
    bot = Bot(BARE_TOKEN, session=session)
    dispatcher = Dispatcher()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="◀", callback_data="back")]]
    )

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "", reply_markup=markup)

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        await bot.send_message(query.from_user.id, query.data or "", reply_markup=markup)

    _report_on_signal(stats, Counters())
    await dispatcher.start_polling(bot, handle_signals=False)


# --- the client -----------------------------------------------------------------------------


@dataclass
class Snapshot:
    cpu: float
    statements: float
    transactions: float


class BotUnderTest:
    def __init__(self, kind: str, bot_id: int, process: asyncio.subprocess.Process, stats: Path):
        self.kind, self.bot_id, self.process, self.stats = kind, bot_id, process, stats
        self.sequence = 0

    async def snapshot(self) -> Snapshot:
        self.process.send_signal(signal.SIGUSR1)
        self.sequence += 1
        while True:
            with contextlib.suppress(FileNotFoundError, json.JSONDecodeError):
                figures = json.loads(self.stats.read_text("utf-8"))
                if figures["seq"] >= self.sequence:
                    return Snapshot(figures["cpu"], figures["statements"], figures["transactions"])
            if self.process.returncode is not None:
                raise RuntimeError(f"the {self.kind} bot exited with {self.process.returncode}")
            await asyncio.sleep(0.01)


def _chat_view(emulator: Emulator, bot: BotUnderTest, user: int) -> tuple[int, str, str]:
    """What the user sees of the bot: how many messages, and the last one with its buttons
    (a dialog may answer by editing its question in place)."""
    messages = emulator.bot_messages(user, bot=bot.bot_id)
    if not messages:
        return 0, "", ""
    last = messages[-1]
    return len(messages), str(last.get("text")), json.dumps(last.get("reply_markup"))


async def _replies(emulator: Emulator, bot: BotUnderTest, want: dict[int, int]) -> None:
    """Wait until every user's chat holds `want[user]` messages of the bot."""
    await _until(emulator, bot, lambda user: _chat_view(emulator, bot, user)[0] >= want[user], want)


async def _until(
    emulator: Emulator, bot: BotUnderTest, done: Callable[[int], bool], users: Iterable[int]
) -> None:
    deadline = time.monotonic() + 120
    pending = set(users)
    while pending:
        pending = {user for user in pending if not done(user)}
        if time.monotonic() > deadline:
            raise RuntimeError(f"{bot.kind}: no answer for users {sorted(pending)[:5]}")
        if pending:
            await asyncio.sleep(0.002)


def _back_button(message: dict[str, Any]) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data") or ""
            if data == "back" or ":back:" in data or data.endswith(":back"):
                return str(data)
    raise RuntimeError(f"no Back button under {message.get('text')!r}")


async def _round(
    emulator: Emulator,
    bot: BotUnderTest,
    users: list[int],
    act: Callable[[int], object],
    answers: int = 1,
    *,
    in_place: bool = False,
) -> None:
    """Every user acts once; back when each has its `answers` new messages, or with
    `in_place` (an answer the bot may give by editing its last message) sees it changed."""
    before = {user: _chat_view(emulator, bot, user) for user in users}

    def answered(user: int) -> bool:
        count, *last = _chat_view(emulator, bot, user)
        grown = count >= before[user][0] + answers
        changed = count == before[user][0] and last != list(before[user][1:])
        return grown or (in_place and changed)

    for user in users:
        act(user)
    await _until(emulator, bot, answered, users)


async def run_workload(
    emulator: Emulator, bot: BotUnderTest, workload: str, updates: int
) -> tuple[float, Snapshot]:
    """CPU seconds per update, and the counters' differences, over `updates` updates."""
    base = RESIDENT_BASE if workload == "declare" else LIAISON_BASE
    users = [base + index for index in range(VILLAGES)]
    start = {"help": None, "report": "/report", "declare": "/declare"}[workload]
    typed = {"help": "/help", "report": "3", "declare": "刘小明"}[workload]

    def send(text: str) -> Callable[[int], object]:
        return lambda user: emulator.user_sends(user, user, text, bot=bot.bot_id)

    def back(user: int) -> None:
        message = emulator.bot_messages(user, bot=bot.bot_id)[-1]
        emulator.press_button(
            user, user, message["message_id"], _back_button(message), bot=bot.bot_id
        )

    if start is not None:  # into the dialog first, not measured
        # The declaration starts with an introduction before its first question.
        answers = 2 if bot.kind == "project" and workload == "declare" else 1
        await _round(emulator, bot, users, send(start), answers)
    rounds = max(1, updates // len(users))
    before = await bot.snapshot()
    for index in range(rounds):
        pressing = workload != "help" and index % 2 == 1
        if pressing:  # the project redraws its question in place, the bare bot answers anew
            await _round(emulator, bot, users, back, in_place=True)
        else:
            await _round(emulator, bot, users, send(typed))
    after = await bot.snapshot()
    if start is not None:  # leave the dialog, so the next run starts the same way
        await _round(emulator, bot, users, send("/cancel"))
    count = rounds * len(users)
    spent = Snapshot(
        after.cpu - before.cpu,
        after.statements - before.statements,
        after.transactions - before.transactions,
    )
    return spent.cpu / count, Snapshot(
        spent.cpu, spent.statements / count, spent.transactions / count
    )


async def _start(kind: str, api: str, workdir: Path, database: str | None) -> BotUnderTest:
    stats = workdir / f"{kind}.json"
    url = database or f"sqlite+aiosqlite:///{workdir / 'bot.sqlite3'}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.updates",
        "--serve",
        kind,
        "--api",
        api,
        "--database",
        url,
        "--stats",
        str(stats),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=(workdir / f"{kind}.log").open("w"),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return BotUnderTest(kind, PROJECT_ID if kind == "project" else BARE_ID, process, stats)


async def _ready(emulator: Emulator, bot: BotUnderTest) -> None:
    """Ready once it answers a first message."""
    user = LIAISON_BASE
    want = {user: len(emulator.bot_messages(user, bot=bot.bot_id)) + 1}
    emulator.user_sends(user, user, "/start", bot=bot.bot_id)
    await _replies(emulator, bot, want)


async def main(
    updates: int, runs: int, database: str | None, workloads: tuple[str, ...] = WORKLOADS
) -> int:
    figures: dict[tuple[str, str], list[float]] = {}
    per_step: dict[str, list[Snapshot]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-updates-") as scratch:
        workdir = Path(scratch)
        async with Emulator().running() as emulator:
            emulator.add_bot(PROJECT_TOKEN, username="bench_project_bot")
            emulator.add_bot(BARE_TOKEN, username="bench_bare_bot")
            for base in (LIAISON_BASE, RESIDENT_BASE):
                for index in range(VILLAGES):
                    emulator.create_user(f"用户{index}", user_id=base + index)
            bots = [
                await _start("project", emulator.base_url, workdir, database),
                await _start("bare", emulator.base_url, workdir, None),
            ]
            try:
                for bot in bots:
                    await _ready(emulator, bot)
                for run in range(1, runs + 1):
                    for workload in workloads:
                        for bot in bots:
                            cpu, step = await run_workload(emulator, bot, workload, updates)
                            figures.setdefault((bot.kind, workload), []).append(cpu)
                            if bot.kind == "project" and workload != "help":
                                per_step.setdefault(workload, []).append(step)
                            print(
                                f"run {run} {workload:8} {bot.kind:8} "
                                f"cpu_ms_per_update={cpu * 1000:.3f} "
                                f"sql={step.statements:.2f} tx={step.transactions:.2f}",
                                flush=True,
                            )
            finally:
                for bot in bots:
                    with contextlib.suppress(ProcessLookupError):
                        bot.process.terminate()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(bot.process.wait(), 10)
    median = {key: statistics.median(values) for key, values in figures.items()}
    ratios = {w: median[("project", w)] / median[("bare", w)] for w in workloads}
    steps = [s for values in per_step.values() for s in values]
    for workload in workloads:
        print(
            f"{workload:8} project {median[('project', workload)] * 1000:.3f} ms, "
            f"bare {median[('bare', workload)] * 1000:.3f} ms of CPU per update"
        )
    summary = [f"updates={updates} runs={runs}"]
    summary += [f"{w}_ratio={ratios[w]:.1f}" for w in workloads]
    if steps:
        summary.append(f"sql_per_update={statistics.median(s.statements for s in steps):.1f}")
        summary.append(f"tx_per_update={statistics.median(s.transactions for s in steps):.1f}")
    print(" ".join(summary))
    return 0


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.updates", description=__doc__)
    parser.add_argument("--updates", type=int, default=2000, help="per workload and bot")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", help="the project's database URL (default: SQLite)")
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help="which of help,report,declare to run"
    )
    parser.add_argument("--serve", choices=("project", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve == "project":
        asyncio.run(serve_project(args.api, args.database, args.stats))
        return 0
    if args.serve == "bare":
        asyncio.run(serve_bare(args.api, args.stats))
        return 0
    workloads = tuple(w for w in args.workloads.split(",") if w)
    return asyncio.run(main(args.updates, args.runs, args.database, workloads))


if __name__ == "__main__":
    sys.exit(cli())
