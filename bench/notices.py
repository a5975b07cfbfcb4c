"""Benchmark: a prevention notice to the liaisons of 3,000 units, confirmation required.

The organisation (a county, 30 townships, 3,000 villages with one liaison each) is loaded
into a SQLite database; every liaison has started the bot in the emulator, which enforces
Telegram's limits times `--scale` in a process of its own (as bench.sender does).

- enqueue_s: from "send" (services.notices create_notice called) to every outbox row, every
  recipient row and every notice_ack obligation committed. Target ≤ 1 s on SQLite.
- delivery_efficiency: the outbox sender drains the 3,000 notices plus the author's card;
  measured like bench.sender: T* / T, the ideal first-to-last time the limits allow over the
  achieved one. Target ≥ 0.95. lost / duplicated / http_429 as there.
- The closing note: 3,000 confirmations arriving within one (simulated) minute, each in its own
  transaction as the button handler does it, with the notice refresher passing every second:
  the CPU cost per confirmation and how many edits of the author's status card were written
  (at most one per CARD_INTERVAL, so within Telegram's ~1 edit/s per chat).

Run: `python -m bench.notices`; the last line is
`recipients=3000 enqueue_s=… delivery_efficiency=… lost=0 duplicated=0 http_429=0`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.orgscale import COUNTY_SUPERVISOR, LIAISON_BASE, org_file
from bench.sender import ideal_seconds
from services.notices import NoticeService

TOKEN = "5000002:BenchNoticeTokenBenchNoticeToken1234"
BOT_ID = 5000002
ZONE = ZoneInfo("Asia/Shanghai")


def _serve(conn: Connection, units: int, scale: float) -> None:
    asyncio.run(_serve_async(conn, units, scale))


async def _serve_async(conn: Connection, units: int, scale: float) -> None:
    from sandbox.emulator import Emulator

    async with Emulator().running() as emu:
        emu.add_bot(TOKEN)
        ids = [COUNTY_SUPERVISOR] + [LIAISON_BASE + n for n in range(units)]
        for user_id in ids:
            user = emu.create_user(f"u{user_id}", user_id=user_id)
            emu.user_sends(user["id"], user["id"], "/start")
        emu.core.queue(BOT_ID).drop_pending()
        emu.set_rate_limits(enabled=True, scale=scale)
        emu.core.api_log.clear()
        conn.send(emu.base_url)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)  # "report"
        delivered: Counter[str] = Counter()
        for chat in ids:
            delivered.update(str(chat) for _ in emu.bot_messages(chat))
        accepted = [
            datetime.fromisoformat(c["time"]).timestamp()
            for c in emu.api_calls("sendMessage")
            if c["status"] == 200
        ]
        refused = sum(1 for c in emu.api_calls("sendMessage") if c["status"] == 429)
        conn.send((dict(delivered), accepted, refused))


def _service() -> NoticeService:
    from domain.calendar import WorkCalendar
    from domain.escalation import DEFAULT_CHAIN_BOOK
    from domain.org import Language
    from services.notices import NoticeConfig
    from services.obligations import EscalationPolicy
    from texts.notice_render import NoticeRenderer

    policy = EscalationPolicy(DEFAULT_CHAIN_BOOK, WorkCalendar.of(ZONE, quiet=None))
    return NoticeService(NoticeConfig(NoticeRenderer(ZONE), policy, Language.ZH_CN))


async def _run(
    base_url: str, units: int, scale: float, workdir: Path
) -> tuple[float, float, float, int, int]:
    """(enqueue_s, sending wall s, ack CPU ms each, card edits, recipients)."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.clock import SystemClock
    from domain.notices import Audience, NoticeContent, NoticeRequest
    from domain.org import Language
    from outbox.alerts import DeliveryAlerts
    from outbox.sender import OutboxSender
    from outbox.settings import OutboxSettings
    from services.org import load_org_file
    from storage import Database, Repositories
    from storage.migrate import upgrade
    from texts.i18n import render

    url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    clock = SystemClock()
    service = _service()
    async with database.transaction() as session:
        await load_org_file(Repositories(session), org_file(units, 0), now=clock.now())
    request = NoticeRequest(
        author_id=COUNTY_SUPERVISOR,
        content=NoticeContent("请各村做好春节返乡人员排查，戴口罩、勤洗手。"),
        unit_codes=tuple(f"v{n:05d}" for n in range(units)),
        audiences=frozenset({Audience.LIAISONS}),
        ack_by=clock.now() + timedelta(hours=8),
    )
    started = time.perf_counter()
    async with database.transaction() as session:
        notice_id = await service.create_notice(Repositories(session), request, now=clock.now())
    enqueue_s = time.perf_counter() - started
    assert notice_id is not None

    settings = OutboxSettings(
        global_per_s=30 * scale,
        private_per_s=1 * scale,
        group_per_min=20 * scale,
        max_in_flight=128,
        batch_size=200,
        idle_poll_s=0.5,
    )
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    alerts = DeliveryAlerts((), Language.ZH_CN, ZONE, render)
    sender = OutboxSender(bot, database, settings, clock=clock, alerts=alerts)
    wall = time.monotonic()
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
    wall = time.monotonic() - wall

    # 3,000 confirmations within a minute of simulated time; the refresher every second.
    async with database.session() as session:
        recipients = await Repositories(session).notices.recipients(notice_id)
    async with database.transaction() as session:
        await Repositories(session).notices.learn_message_ids()
    base = clock.now()
    cpu = time.process_time()
    next_pass = 0.0
    for n, r in enumerate(recipients):
        at = base + timedelta(seconds=60 * n / len(recipients))
        assert r.person_id is not None
        async with database.transaction() as session:
            await service.acknowledge(
                Repositories(session), r.id, presser=r.person_id, message_id=None, now=at
            )
        if 60 * n / len(recipients) >= next_pass:
            async with database.transaction() as session:
                await service.refresh(Repositories(session), now=at)
            next_pass += 1.0
    async with database.transaction() as session:
        await service.refresh(Repositories(session), now=base + timedelta(seconds=61))
    ack_ms = (time.process_time() - cpu) * 1000 / len(recipients)
    async with database.session() as session:
        card = await Repositories(session).notices.card(notice_id)
    await database.dispose()
    return enqueue_s, wall, ack_ms, card.revision if card else 0, len(recipients)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notices", description=__doc__)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--scale", type=float, default=10.0)
    args = parser.parse_args(argv)

    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=_serve, args=(theirs, args.units, args.scale), daemon=True)
    server.start()
    base_url = ours.recv()
    with tempfile.TemporaryDirectory() as workdir:
        enqueue_s, wall, ack_ms, edits, recipients = asyncio.run(
            _run(base_url, args.units, args.scale, Path(workdir))
        )
    ours.send("report")
    delivered, accepted, refused = ours.recv()
    server.join(timeout=10)

    chats = [COUNTY_SUPERVISOR] + [LIAISON_BASE + n for n in range(args.units)]
    lost = sum(1 for chat in chats if delivered.get(str(chat), 0) == 0)
    duplicated = sum(count - 1 for count in delivered.values() if count > 1)
    sent = len(accepted)
    rates = {True: 1.0 * args.scale, False: 20.0 * args.scale / 60.0}
    ideal = ideal_seconds({chat: 1 for chat in chats}, 30.0 * args.scale, rates)
    actual = max(accepted) - min(accepted) if sent > 1 else float("inf")
    efficiency = ideal / actual
    print(f"{recipients} liaisons, limits x{args.scale:g}: {30 * args.scale:g}/s overall")
    print(f"ideal T* = {ideal:.2f} s, first-to-last T = {actual:.2f} s, sending {wall:.1f} s wall")
    print(
        f"3000 confirmations in one minute: {ack_ms:.2f} ms CPU each; "
        f"{edits} status card edits (at most one per 3 s)"
    )
    print(
        f"recipients={recipients} enqueue_s={enqueue_s:.3f} delivery_efficiency={efficiency:.3f} "
        f"lost={lost} duplicated={duplicated} http_429={refused}"
    )
    ok = enqueue_s <= 1.0 and efficiency >= 0.95 and refused == 0 and lost == 0
    return 0 if ok and duplicated == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
