"""Benchmark: the obligation clock's passes over a large table of open obligations, on SQLite.

An organisation of one county, `--townships` townships and `--villages` villages (each with a
liaison, a deputy and a work group) is loaded through services.org.load_org_file. Open
unit-report obligations are then inserted in bulk, each row exactly what
services.obligations.open_obligation writes (next_action_at from domain.escalation.schedule;
checked against the service for two of them). The engine is scheduler.engine.ObligationEngine
with the default chains and batch size and a texts stub, over a fresh temporary SQLite file.

- due pass: `--total` open obligations (default 100,000), `--due` of them (default 1,000)
  due at the measured moment, 16:00 local, when their first reminder goes to the village's
  liaison; the others fall due on later days. `run_due(now)` is timed `--repeats` times,
  the due rows being put back as they were (and the outbox and the escalation log emptied)
  between repeats; each pass must step exactly the due ones and write one outbox row each.
  due_1000_s is the median.
- idle pass: right after, `run_due(now)` with nothing due plus the `_until_next` query the
  loop makes before it sleeps, 50 times; idle_s is the slowest of them.
- scaling: the due pass again with 1,000 and 10,000 obligations in all (1,000 due), and with
  100 due out of the full total.
- delay: the real loop, `engine.run()` with `now=datetime.now(UTC)`, over `--total` open
  obligations of which `--spread-count` (default 2,000, half unit reports, half notice
  acknowledgements) fall due at random moments over the next `--spread-s` seconds (after a
  2 s lead). For each, the delay is its outbox row's created_at (the time the engine's pass
  stamps on the rows it writes) minus the next_action_at it was due at; p99_delay_s is the
  99th percentile. The moment the row's transaction committed is reported beside it. Quiet
  hours are off for this part only, since it runs at whatever hour the benchmark is started.

Run: `python -m bench.clock`; the last line is `due_1000_s=<x> idle_s=<x> p99_delay_s=<x>`.
The exit status is 1 unless due_1000_s <= 1, idle_s <= 0.05, p99_delay_s <= 1 and every
pass did exactly what was expected.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK, schedule
from domain.obligations import Obligation, ObligationKind
from scheduler.engine import (
    OUTBOX_PREFIX,
    NobodyMessage,
    ObligationEngine,
    Rendered,
    StepMessage,
)
from services.obligations import EscalationPolicy, open_obligation
from services.org import load_org_file
from storage import Database, Repositories
from storage.migrate import upgrade
from storage.models import EscalationLogRow, ObligationRow, OutboxRow

ZONE = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=ZONE)  # today's unit reports are due at 17:00
NOW = DUE - timedelta(hours=1)  # the measured moment: their first reminder
ADMIN = 99
COUNTY_HEAD = 1
IDLE_PASSES = 50
LEAD_S = 2.0  # from starting the loop to the first obligation falling due

OBLIGATIONS = cast(Table, ObligationRow.__table__)
_FILES = itertools.count()


class BenchTexts:
    """Like tests/engine/conftest.py's RecordingTexts: short texts naming step, unit, people."""

    def step(self, message: StepMessage) -> Rendered:
        covering = f"|for:{message.covering_for.telegram_id}" if message.covering_for else ""
        names = ",".join(p.name for p in message.assignees)
        return Rendered(f"{message.step.message}|{message.unit_name}|{names}{covering}")

    def nobody(self, message: NobodyMessage) -> Rendered:
        return Rendered(f"nobody|{message.step.message}|{message.unit_name}")


# --- the organisation ----------------------------------------------------------------------


def village(v: int) -> str:
    return f"v{v:05d}"


def liaison(v: int) -> int:
    return 100_000 + 2 * v


def deputy(v: int) -> int:
    return 100_001 + 2 * v


def org_file(townships: int, villages: int) -> str:
    lines = [
        '[[unit]]\ncode = "county"\nname = "县防控办"\nkind = "office"',
        f'[[member]]\ntelegram_id = {COUNTY_HEAD}\nname = "县主任"\nunit = "county"\n'
        'role = "supervisor"',
    ]
    for t in range(townships):
        lines.append(
            f'[[unit]]\ncode = "t{t:03d}"\nname = "镇{t}"\nkind = "township"\nparent = "county"'
        )
        lines.append(
            f'[[member]]\ntelegram_id = {1000 + t}\nname = "镇长{t}"\nunit = "t{t:03d}"\n'
            'role = "supervisor"'
        )
    for v in range(villages):
        code = village(v)
        lines.append(
            f'[[unit]]\ncode = "{code}"\nname = "村{v}"\nkind = "village"\n'
            f'parent = "t{v % townships:03d}"'
        )
        for person, role in ((liaison(v), "liaison"), (deputy(v), "deputy")):
            lines.append(
                f'[[member]]\ntelegram_id = {person}\nname = "{role}{v}"\nunit = "{code}"\n'
                f'role = "{role}"'
            )
        lines.append(
            f'[[group]]\nchat_id = {-1_000_000_000_000 - v}\ntitle = "村{v}工作群"\n'
            f'unit = "{code}"\npurpose = "work"'
        )
    return "\n".join(lines) + "\n"


# --- the obligations -----------------------------------------------------------------------


def unit_report(v: int, due_at: datetime) -> Obligation:
    code = village(v)
    return Obligation(
        ObligationKind.UNIT_REPORT,
        code,
        due_at.astimezone(ZONE).date().isoformat(),
        code,
        code,
        due_at,
    )


def notice_ack(v: int, due_at: datetime) -> Obligation:
    code = village(v)
    return Obligation(ObligationKind.NOTICE_ACK, f"notice-{v}", code, code, code, due_at)


def due_pass_obligations(total: int, due: int, villages: int) -> Iterator[Obligation]:
    """`due` reports due today at 17:00 (first reminder at NOW), the rest on later days."""
    for v in range(due):
        yield unit_report(v, DUE)
    for j in range(total - due):
        yield unit_report(j % villages, DUE + timedelta(days=1 + j // villages))


def row(ob: Obligation, policy: EscalationPolicy, created: datetime) -> dict[str, Any]:
    """The row open_obligation stores for `ob` (storage.repos.obligations.open)."""
    chain = policy.chains.of(ob)
    assert chain is not None
    s = schedule(ob, chain, policy.calendar)
    return {
        "kind": s.kind.value,
        "subject": s.subject,
        "period": s.period,
        "assignee_person": s.assignee_person,
        "assignee_unit": s.assignee_unit,
        "unit_code": s.unit_code,
        "due_at": s.due_at,
        "state": s.state.value,
        "step_reached": s.step_reached,
        "repeats_done": s.repeats_done,
        "next_action_at": s.next_action_at,
        "closed_at": s.closed_at,
        "closed_by": s.closed_by,
        "excuse_reason": s.excuse_reason,
        "chain": s.chain,
        "created_at": created,
        "updated_at": created,
    }


async def insert_obligations(
    database: Database, obligations: list[Obligation], policy: EscalationPolicy, created: datetime
) -> None:
    """The first and the last through open_obligation, the others in bulk; then check that the
    bulk rows are built as the service builds them."""
    ends = [obligations[0], obligations[-1]] if len(obligations) > 1 else obligations[:1]
    async with database.transaction() as session:
        for ob in ends:
            await open_obligation(Repositories(session), policy, ob, now=created)
    rows = [row(ob, policy, created) for ob in obligations[1:-1]]
    async with database.transaction() as session:
        for start in range(0, len(rows), 20_000):
            await session.execute(insert(OBLIGATIONS), rows[start : start + 20_000])
    columns = [c for c in OBLIGATIONS.c if c.name != "id"]
    async with database.session() as session:
        for ob in ends:
            stored = (
                await session.execute(
                    select(*columns).where(
                        OBLIGATIONS.c.kind == ob.kind.value,
                        OBLIGATIONS.c.subject == ob.subject,
                        OBLIGATIONS.c.period == ob.period,
                    )
                )
            ).one()
            if dict(stored._mapping) != row(ob, policy, created):
                raise RuntimeError(f"bulk rows differ from open_obligation's: {stored}")
        count = await session.scalar(select(func.count()).select_from(OBLIGATIONS))
    if count != len(obligations):
        raise RuntimeError(f"{count} obligations stored, {len(obligations)} meant")


async def fresh_database(workdir: Path, name: str, townships: int, villages: int) -> Database:
    url = f"sqlite+aiosqlite:///{workdir / name}"
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    async with database.transaction() as session:
        await load_org_file(Repositories(session), org_file(townships, villages), now=NOW)
    return database


def make_engine(
    database: Database, calendar: WorkCalendar, now: Callable[[], datetime]
) -> ObligationEngine:
    return ObligationEngine(
        database, DEFAULT_CHAIN_BOOK, calendar, BenchTexts(), now=now, admins=(ADMIN,)
    )


# --- the due and idle passes -----------------------------------------------------------------


@dataclass
class DuePass:
    total: int
    due: int
    seconds: list[float]  # wall, every repeat, the first one (cold statement caches) included
    cpu: list[float]  # CPU time of this process (its SQLite thread included) for the same
    idle: list[float]
    problems: list[str]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


async def _outbox_rows(database: Database) -> list[tuple[int, str]]:
    async with database.session() as session:
        rows = await session.execute(select(OutboxRow.chat_id, OutboxRow.dedupe_key))
        return [(chat, key) for chat, key in rows]


async def _put_back(database: Database) -> None:
    """Make the due obligations due again, as they were before the pass."""
    async with database.transaction() as session:
        await session.execute(delete(OutboxRow))
        await session.execute(delete(EscalationLogRow))
        await session.execute(
            update(OBLIGATIONS)
            .where(OBLIGATIONS.c.due_at == DUE)
            .values(step_reached=-1, repeats_done=0, next_action_at=NOW, updated_at=NOW)
        )


async def measure_due_pass(
    workdir: Path,
    total: int,
    due: int,
    *,
    townships: int,
    villages: int,
    repeats: int,
    idle_passes: int = 0,
) -> DuePass:
    calendar = WorkCalendar.of(ZONE)
    policy = EscalationPolicy(DEFAULT_CHAIN_BOOK, calendar)
    name = f"due-{total}-{due}-{next(_FILES)}.db"
    database = await fresh_database(workdir, name, townships, villages)
    obligations = list(due_pass_obligations(total, due, villages))
    await insert_obligations(database, obligations, policy, NOW - timedelta(days=1))
    del obligations  # the setup's objects would only lengthen the collector's full passes
    engine = make_engine(database, calendar, lambda: NOW)
    expected = {liaison(v) for v in range(due)}
    result = DuePass(total, due, [], [], [], [])
    try:
        # The loop was running before: one pass, a minute early, finds nothing.
        warm = await engine.run_due(NOW - timedelta(minutes=1))
        if warm.obligations:
            result.problems.append(f"{warm.obligations} stepped before they were due")
        for n in range(repeats):
            if n:
                await _put_back(database)
            gc.collect()
            started, cpu = time.perf_counter(), time.process_time()
            passed = await engine.run_due(NOW)
            result.seconds.append(time.perf_counter() - started)
            result.cpu.append(time.process_time() - cpu)
            rows = await _outbox_rows(database)
            if (passed.obligations, passed.actions, passed.messages) != (due, due, due):
                result.problems.append(f"total {total}, due {due}: the pass did {passed}")
            if len(rows) != due or {chat for chat, _ in rows} != expected:
                result.problems.append(f"total {total}, due {due}: {len(rows)} outbox rows")
            if not all(key.startswith(OUTBOX_PREFIX) and "#0.0:" in key for _, key in rows):
                result.problems.append("outbox rows other than the first reminders")
        for _ in range(idle_passes):
            started = time.perf_counter()
            passed = await engine.run_due(NOW)
            await engine._until_next()
            result.idle.append(time.perf_counter() - started)
            if passed.obligations:
                result.problems.append(f"an idle pass stepped {passed.obligations}")
    finally:
        await database.dispose()
    return result


# --- the delay in the running loop -----------------------------------------------------------


@dataclass
class Delays:
    stamped: list[float]  # outbox created_at - next_action_at
    committed: list[float]  # commit of that row's transaction - next_action_at
    passes: int  # transactions that wrote outbox rows
    problems: list[str]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def measure_delay(
    workdir: Path, total: int, count: int, spread_s: float, *, townships: int, villages: int
) -> Delays:
    calendar = WorkCalendar.of(ZONE, quiet=None)
    policy = EscalationPolicy(DEFAULT_CHAIN_BOOK, calendar)
    database = await fresh_database(workdir, "loop.db", townships, villages)
    real_now = datetime.now(UTC)
    # From the day after tomorrow: today's and tomorrow's dates stay free for the measured ones.
    later = datetime.combine(real_now.astimezone(ZONE).date() + timedelta(days=2), DUE.timetz())
    background = [
        unit_report(j % villages, later + timedelta(days=j // villages))
        for j in range(total - count)
    ]
    await insert_obligations(database, background, policy, real_now)
    del background

    # Per village one unit report (first step 60 min before its deadline) and one notice
    # (30 min), due at random moments over the spread.
    start = datetime.now(UTC) + timedelta(seconds=LEAD_S)
    rng = random.Random(7)
    offsets = sorted(rng.uniform(0.0, spread_s) for _ in range(count))
    timed: dict[tuple[str, str, str], datetime] = {}
    rows = []
    for k, offset in enumerate(offsets):
        at = start + timedelta(seconds=offset)
        v = k // 2
        ob = (
            unit_report(v, at + timedelta(hours=1))
            if k % 2 == 0
            else notice_ack(v, at + timedelta(minutes=30))
        )
        timed[(ob.kind.value, ob.subject, ob.period)] = at
        rows.append(row(ob, policy, real_now))
        if rows[-1]["next_action_at"] != at:
            raise RuntimeError(f"unexpected schedule for {ob}")
    async with database.transaction() as session:
        await session.execute(insert(OBLIGATIONS), rows)

    commits: list[datetime] = []

    def committed(_session: Session) -> None:
        commits.append(datetime.now(UTC))

    gc.collect()
    event.listen(Session, "after_commit", committed)
    engine = make_engine(database, calendar, lambda: datetime.now(UTC))
    task = asyncio.create_task(engine.run())
    problems: list[str] = []
    try:
        await asyncio.sleep(LEAD_S + spread_s + 0.5)
        for _ in range(150):  # up to 30 s more for stragglers
            if len(await _outbox_rows(database)) >= count:
                break
            await asyncio.sleep(0.2)
    finally:
        await engine.stop()
        await asyncio.wait_for(task, 30)
        event.remove(Session, "after_commit", committed)
    try:
        async with database.session() as session:
            keys = {
                ob_id: (kind, subject, period)
                for ob_id, kind, subject, period in await session.execute(
                    select(
                        OBLIGATIONS.c.id,
                        OBLIGATIONS.c.kind,
                        OBLIGATIONS.c.subject,
                        OBLIGATIONS.c.period,
                    )
                )
            }
            outbox = (
                await session.execute(select(OutboxRow.dedupe_key, OutboxRow.created_at))
            ).all()
    finally:
        await database.dispose()
    written = []
    for dedupe_key, created_at in outbox:
        # "obligation:<id>#<step>.<repeat>:<chat>" (scheduler.engine.outbox_key)
        ob_id = int(dedupe_key.removeprefix(OUTBOX_PREFIX).split("#")[0])
        written.append((*keys[ob_id], created_at))
    stamped, landed = [], []
    commits.sort()
    for kind, subject, period, created_at in written:
        due_at = timed.get((kind, subject, period))
        if due_at is None:
            problems.append(f"{kind}/{subject}/{period} was stepped and should not have been")
            continue
        stamped.append((created_at - due_at).total_seconds())
        # The pass that stamped created_at committed at the first commit after it: the loop
        # runs one transaction at a time, and nothing else writes meanwhile.
        commit = next((c for c in commits if c >= created_at), None)
        if commit is None:
            problems.append("an outbox row without a commit after it")
        else:
            landed.append((commit - due_at).total_seconds())
    if len(stamped) != count:
        problems.append(f"{len(stamped)} of {count} obligations reached the outbox")
    passes = len({created for *_, created in written})
    return Delays(stamped, landed, passes, problems)


# --- the report ------------------------------------------------------------------------------


async def _run(args: argparse.Namespace, workdir: Path) -> tuple[DuePass, list[DuePass], Delays]:
    shape = {"townships": args.townships, "villages": args.villages}
    main = await measure_due_pass(
        workdir,
        args.total,
        args.due,
        repeats=args.repeats,
        idle_passes=IDLE_PASSES,
        **shape,
    )
    scaling = []
    for total, due in ((args.due, args.due), (10 * args.due, args.due), (args.total, 100)):
        scaling.append(await measure_due_pass(workdir, total, due, repeats=args.repeats, **shape))
    delays = await measure_delay(workdir, args.total, args.spread_count, args.spread_s, **shape)
    return main, scaling, delays


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clock", description=__doc__)
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--spread-count", type=int, default=2000)
    parser.add_argument("--spread-s", type=float, default=15.0)
    args = parser.parse_args(argv)
    if args.villages < args.due or args.due < 100 or args.spread_count > 2 * args.villages:
        parser.error("need --villages >= --due >= 100 and --spread-count <= 2 * --villages")

    wall = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        primary, scaling, delays = asyncio.run(_run(args, Path(workdir)))

    print(
        f"org: 1 county, {args.townships} townships, {args.villages} villages "
        f"(liaison, deputy, work group each); SQLite, batch size 500"
    )
    print("due pass, run_due(now), seconds (every repeat; median):")
    for p in sorted([primary, *scaling], key=lambda p: (p.due, p.total)):
        print(
            f"  {p.due:>5} due of {p.total:>7} open: median {p.median:.3f} "
            f"({1000 * p.median / p.due:.2f} ms per due obligation), CPU median "
            f"{statistics.median(p.cpu):.3f}  [{_seconds(p.seconds)}]"
        )
    by_total = {p.total: p.median for p in [primary, *scaling] if p.due == primary.due}
    if len(by_total) > 1:
        smallest = min(by_total)
        print(
            f"  {primary.due} due: {max(by_total)} open take "
            f"{by_total[max(by_total)] / by_total[smallest]:.2f}x the time of {smallest} open"
        )
    print(
        f"idle pass, run_due(now) + _until_next(), {len(primary.idle)} passes: "
        f"median {statistics.median(primary.idle) * 1000:.2f} ms, "
        f"max {max(primary.idle) * 1000:.2f} ms"
    )
    if delays.stamped:
        for name, values in (("stamped", delays.stamped), ("committed", delays.committed)):
            if values:
                print(
                    f"loop delay after next_action_at, {name} ({len(values)} obligations over "
                    f"{args.spread_s:g} s, {delays.passes} passes wrote them): "
                    f"p50 {percentile(values, 0.5):.3f} s, p99 {percentile(values, 0.99):.3f} s, "
                    f"max {max(values):.3f} s"
                )
    problems = primary.problems + [q for p in scaling for q in p.problems] + delays.problems
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"whole benchmark: {time.monotonic() - wall:.1f} s wall")

    due_s = primary.median
    idle_s = max(primary.idle)
    p99 = percentile(delays.stamped, 0.99) if delays.stamped else float("inf")
    print(f"due_1000_s={due_s:.3f} idle_s={idle_s:.3f} p99_delay_s={p99:.3f}")
    ok = due_s <= 1.0 and idle_s <= 0.05 and p99 <= 1.0 and not problems
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
