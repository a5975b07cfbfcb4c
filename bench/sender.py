"""Benchmark: the outbox sender against the emulator enforcing Telegram's limits, scaled 10x.

1,000 group chats and 2,000 private chats (whose users have started the bot) each get
`--per-chat` messages (default 2, so 6,000). The emulator enforces Telegram's limits times
`--scale` (300 msg/s overall, 10/s per private chat, 200/min per group) and runs in a process
of its own, as Telegram would be; the sender is configured to the same scaled limits and
drains a SQLite outbox.

Efficiency. The limits bound how fast this workload can possibly be delivered: the global
limit G needs at least (N - 1) / G seconds between the first and the last of N messages, and
chat c's own limit r_c at least (n_c - 1) / r_c for its n_c messages. The slowest of these,
T*, is the ideal delivery time, and (N - 1) / T* the best achievable rate R*: the configured
global limit when it binds (as here), less when one chat's limit does (all messages to one
group cannot go faster than 20/min whatever the global limit). So

    sender_efficiency = achieved rate / R* = T* / T

where T is the time between the first and the last message the emulator accepted. Lost:
messages enqueued but never delivered; duplicated: deliveries beyond the first of a message;
http_429: calls the emulator refused for flood control.

Run: `python -m bench.sender`; the last line is
`sender_efficiency=<x> sent=<n> lost=<n> duplicated=<n> http_429=<n>`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from collections import Counter
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path

TOKEN = "5000001:BenchTokenBenchTokenBenchToken12345"
BOT_ID = 5000001


# --- the emulator's process -------------------------------------------------------------------


def _serve(conn: Connection, groups: int, privates: int, scale: float) -> None:
    asyncio.run(_serve_async(conn, groups, privates, scale))


async def _serve_async(conn: Connection, groups: int, privates: int, scale: float) -> None:
    from sandbox.emulator import Emulator

    async with Emulator().running() as emu:
        emu.add_bot(TOKEN)
        private_ids = []
        for n in range(privates):
            user = emu.create_user(f"u{n}", user_id=10_000 + n)
            emu.user_sends(user["id"], user["id"], "/start")
            private_ids.append(user["id"])
        group_ids = []
        for n in range(groups):
            group = emu.create_group(f"g{n}", chat_id=-1_000_000_000_000 - n)
            emu.add_bot_to_group(group["id"])
            group_ids.append(group["id"])
        emu.core.queue(BOT_ID).drop_pending()
        emu.set_rate_limits(enabled=True, scale=scale)
        emu.core.api_log.clear()
        conn.send((emu.base_url, private_ids, group_ids))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)  # "report"
        delivered: Counter[str] = Counter()
        for chat in private_ids + group_ids:
            delivered.update(m["text"] for m in emu.bot_messages(chat))
        accepted = [
            datetime.fromisoformat(c["time"]).timestamp()
            for c in emu.api_calls("sendMessage")
            if c["status"] == 200
        ]
        refused = sum(1 for c in emu.api_calls("sendMessage") if c["status"] == 429)
        conn.send((dict(delivered), accepted, refused, emu.rate_limited_count))


# --- the measurement -----------------------------------------------------------------------


def ideal_seconds(per_chat: dict[int, int], global_per_s: float, rate: dict[bool, float]) -> float:
    """T*: the least time from first to last delivery that the limits allow."""
    total = sum(per_chat.values())
    bounds = [(total - 1) / global_per_s]
    bounds += [(n - 1) / rate[chat > 0] for chat, n in per_chat.items()]
    return max(bounds)


async def _run_sender(
    base_url: str, chats: list[int], per_chat: int, scale: float, workdir: Path
) -> tuple[float, float]:
    """Enqueue, then drain; returns the sending phase's (wall, CPU) seconds in this process."""
    from zoneinfo import ZoneInfo

    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.clock import SystemClock
    from domain.org import Language
    from domain.outbox import OutboxMessage
    from outbox.alerts import DeliveryAlerts
    from outbox.sender import OutboxSender
    from outbox.settings import OutboxSettings
    from storage import Database, Repositories
    from storage.migrate import upgrade
    from texts.i18n import render

    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    clock = SystemClock()
    async with database.transaction() as session:
        outbox = Repositories(session).outbox
        for n in range(per_chat):
            for chat in chats:
                key = f"bench:{chat}:{n}"
                message = OutboxMessage(key, chat, key, not_before=clock.now())
                await outbox.enqueue(message, now=clock.now())
    settings = OutboxSettings(
        global_per_s=30 * scale,
        private_per_s=1 * scale,
        group_per_min=20 * scale,
        max_in_flight=128,
        batch_size=200,
        idle_poll_s=0.5,
    )
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    alerts = DeliveryAlerts((), Language.ZH_CN, ZoneInfo("Asia/Shanghai"), render)
    sender = OutboxSender(bot, database, settings, clock=clock, alerts=alerts)
    wall, cpu = time.monotonic(), time.process_time()
    task = asyncio.create_task(sender.run())
    try:
        while True:
            await asyncio.sleep(0.2)
            async with database.session() as session:
                if await Repositories(session).outbox.pending_count() == 0:
                    break
            if task.done():
                task.result()
    finally:
        await sender.stop()
        await task
        await bot.session.close()
        await database.dispose()
    return time.monotonic() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sender", description=__doc__)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--privates", type=int, default=2000)
    parser.add_argument("--per-chat", type=int, default=2)
    parser.add_argument("--scale", type=float, default=10.0)
    args = parser.parse_args(argv)

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(
        target=_serve, args=(theirs, args.groups, args.privates, args.scale), daemon=True
    )
    server.start()
    base_url, private_ids, group_ids = ours.recv()
    chats = private_ids + group_ids
    with tempfile.TemporaryDirectory() as workdir:
        wall, cpu = asyncio.run(
            _run_sender(base_url, chats, args.per_chat, args.scale, Path(workdir))
        )
    ours.send("report")
    delivered, accepted, refused, _flood = ours.recv()
    server.join(timeout=10)

    expected = {f"bench:{chat}:{n}" for chat in chats for n in range(args.per_chat)}
    lost = sum(1 for key in expected if delivered.get(key, 0) == 0)
    duplicated = sum(count - 1 for count in delivered.values() if count > 1)
    sent = len(accepted)
    rates = {True: 1.0 * args.scale, False: 20.0 * args.scale / 60.0}
    ideal = ideal_seconds({chat: args.per_chat for chat in chats}, 30.0 * args.scale, rates)
    actual = max(accepted) - min(accepted) if sent > 1 else float("inf")
    efficiency = ideal / actual
    print(f"chats: {len(group_ids)} groups, {len(private_ids)} private; {len(expected)} messages")
    print(
        f"limits x{args.scale:g}: {30 * args.scale:g}/s overall, {rates[True]:g}/s per private "
        f"chat, {20 * args.scale:g}/min per group"
    )
    print(f"ideal T* = {ideal:.2f} s, first-to-last T = {actual:.2f} s")
    print(f"achieved {(sent - 1) / actual:.1f} msg/s, best possible {(sent - 1) / ideal:.1f} msg/s")
    print(f"sending phase: {wall:.1f} s wall, {cpu:.1f} s CPU in the sender's process")
    print(
        f"sender_efficiency={efficiency:.3f} sent={sent} lost={lost} "
        f"duplicated={duplicated} http_429={refused}"
    )
    ok = efficiency >= 0.95 and refused == 0 and lost == 0 and duplicated == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
