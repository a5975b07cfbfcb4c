"""Benchmark: opening a day's unit reports and building every supervisor's roll-up, on SQLite.

A 1,000-unit organisation is loaded through services.org.load_org_file: one county (with a
supervisor), `--townships` townships (a supervisor each) and the rest villages and
communities, alternately (a liaison each), 1,000 units in all by default. The policy is the
default one (villages and communities report every day by 17:00), the calendar the default
one (Asia/Shanghai), over a fresh temporary SQLite file.

For each of `--days` consecutive days:

- open: `scheduler.jobs.open_today` at 00:05, the built-in job's work (one transaction:
  loading the tree, scheduling every obligation, one bulk insert). Timed.
- filing (not timed): through `services.reports.file_report`, in one transaction, 85 % of the
  reporting units file a full report on time, 5 % a zero report, 5 % a late one (after the
  roll-up, so they count as missing in it); 5 % never file.
- roll-up: `scheduler.jobs.send_rollups` at 17:00, the 17:00 roll-up job's work (supervisors
  found, every roll-up built from one read of the tree, obligations and reports, rendered by a
  trivial renderer that names each missing unit, and written to the outbox). Timed.

open_and_rollup_s is the slowest day's open + roll-up. Every day must open exactly the
reporting units, send one message to each supervisor, count what was filed, and open and send
nothing more when both jobs run again.

Run: `python -m bench.reports`; the last line is `units=<n> open_and_rollup_s=<x>`. The exit
status is 1 unless open_and_rollup_s <= 2 and every check held.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import Settings
from bot.wiring import jobs_config
from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.forms import FormSpec
from domain.org import Language, Role, RoleAssignment
from domain.permissions import Actor
from domain.reports import ReportPolicy, Rollup
from scheduler.actions import open_today, send_rollups
from scheduler.context import JobContext
from services.obligations import EscalationPolicy
from services.org import load_org_file
from services.reports import file_report
from storage import Database, Repositories
from storage.migrate import upgrade
from storage.models import OutboxRow

ZONE = ZoneInfo("Asia/Shanghai")
FIRST_DAY = date(2026, 11, 23)
DEADLINE = clock(17, 0)
COUNTY_HEAD = 1
TARGET_S = 2.0


class TrivialTexts:
    """One part: the tally, the totals and every missing unit by name."""

    def rollup(self, rollup: Rollup, language: Language, form: FormSpec) -> list[str]:
        t = rollup.tally
        missing = "; ".join(
            f"{parent.name}: " + ", ".join(unit.name for unit in units)
            for parent, units in rollup.missing
        )
        totals = ", ".join(f"{key}={value}" for key, value in sorted(t.totals.items()))
        return [
            f"{language} {rollup.root.name} {rollup.day}: {t.submitted}/{t.expected} "
            f"zero {t.zero} late {t.late} excused {t.excused} missing {t.missing} | "
            f"{totals} | {missing} | {len(form.fields)} fields"
        ]


def liaison(u: int) -> int:
    return 100_000 + u


def org_file(townships: int, grassroots: int) -> str:
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
    for u in range(grassroots):
        kind = "village" if u % 2 == 0 else "community"
        lines.append(
            f'[[unit]]\ncode = "u{u:05d}"\nname = "村居{u}"\nkind = "{kind}"\n'
            f'parent = "t{u % townships:03d}"'
        )
        lines.append(
            f'[[member]]\ntelegram_id = {liaison(u)}\nname = "联络员{u}"\nunit = "u{u:05d}"\n'
            'role = "liaison"'
        )
    return "\n".join(lines) + "\n"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


FULL = {
    "returned": 3,
    "returned_risk": 1,
    "central_quarantine": 1,
    "home_quarantine": 2,
    "monitoring": 4,
    "fever_cases": 0,
    "tests_done": 20,
    "abnormal": None,
}


@dataclass
class Day:
    day: date
    open_s: float = 0.0
    rollup_s: float = 0.0
    opened: int = 0
    messages: int = 0
    supervisors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return self.open_s + self.rollup_s


async def file_day(
    database: Database, policy: ReportPolicy, grassroots: int, day: date, *, late: bool
) -> tuple[int, int]:
    """File the day's reports (the on-time ones, or the late ones); (filed, zero)."""
    filed = zero = 0
    async with database.transaction() as session:
        repos = Repositories(session)
        for u in range(grassroots):
            share = u % 20  # 17 of 20 full, 1 zero, 1 late, 1 never
            if share == 19 or (share == 18) != late:
                continue
            who = Actor(
                liaison(u), assignments=(RoleAssignment(liaison(u), f"u{u:05d}", Role.LIAISON),)
            )
            answers = None if share == 17 else FULL
            moment = at(day, 18) if late else at(day, 9) + timedelta(seconds=u)
            # A refusal raises services.refusal.Refused and ends the run: nothing is refused here.
            await file_report(repos, policy, ZONE, who, f"u{u:05d}", day, answers, now=moment)
            filed += 1
            zero += answers is None
    return filed, zero


async def measure(args: argparse.Namespace, workdir: Path) -> list[Day]:
    path = workdir / "bench.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    grassroots = args.units - 1 - args.townships
    policy = ReportPolicy.default()
    escalation = EscalationPolicy(DEFAULT_CHAIN_BOOK, WorkCalendar.of(ZONE))
    config = replace(jobs_config(Settings()), reports=policy, escalation=escalation)
    texts = TrivialTexts()
    days: list[Day] = []
    try:
        async with database.transaction() as session:
            await load_org_file(
                Repositories(session), org_file(args.townships, grassroots), now=at(FIRST_DAY, 0)
            )
        for n in range(args.days):
            day = FIRST_DAY + timedelta(days=n)
            result = Day(day)
            gc.collect()
            started = time.perf_counter()
            result.opened = await open_today(database, escalation, policy, at(day, 0, 5))
            result.open_s = time.perf_counter() - started

            filed, zero = await file_day(database, policy, grassroots, day, late=False)

            context = JobContext(database, at(day, 17), config, texts)
            gc.collect()
            started = time.perf_counter()
            summary = await send_rollups(context, DEADLINE)
            result.rollup_s = time.perf_counter() - started
            result.messages = summary["messages"]
            result.supervisors = summary["supervisors"]

            await file_day(database, policy, grassroots, day, late=True)
            # Both jobs again: nothing new may be opened or sent.
            again = await open_today(database, escalation, policy, at(day, 9))
            resent = (await send_rollups(context, DEADLINE))["messages"]
            check(result, grassroots, args.townships, filed, zero, again, resent)
            days.append(result)
        await verify_texts(database, days[-1].day, grassroots, days[-1])
    finally:
        await database.dispose()
    return days


def check(
    result: Day, grassroots: int, townships: int, filed: int, zero: int, again: int, resent: int
) -> None:
    supervisors = 1 + townships
    if result.opened != grassroots:
        result.problems.append(f"{result.day}: opened {result.opened}, expected {grassroots}")
    if (result.supervisors, result.messages) != (supervisors, supervisors):
        result.problems.append(
            f"{result.day}: {result.messages} messages to {result.supervisors} supervisors, "
            f"expected one each to {supervisors}"
        )
    if again or resent:
        result.problems.append(f"{result.day}: a second run opened {again} and sent {resent}")
    if filed + zero == 0:
        result.problems.append(f"{result.day}: nothing was filed")


async def verify_texts(database: Database, day: date, grassroots: int, result: Day) -> None:
    """The county's roll-up counts what was filed on time (late ones came after it)."""
    async with database.session() as session:
        text = await session.scalar(
            select(OutboxRow.text).where(
                OutboxRow.dedupe_key == f"rollup:{day.isoformat()}:county:{COUNTY_HEAD}:1"
            )
        )
    on_time = sum(1 for u in range(grassroots) if u % 20 <= 17)
    expected = f"{on_time}/{grassroots} zero {sum(1 for u in range(grassroots) if u % 20 == 17)}"
    if text is None or expected not in text:
        result.problems.append(f"county roll-up {text!r} does not say {expected!r}")
    if text is not None and "returned=" not in text:
        result.problems.append("county roll-up has no totals")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args(argv)
    if args.units - 1 - args.townships < args.townships or args.days < 1:
        parser.error("need at least one grassroots unit per township and --days >= 1")

    wall = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        days = asyncio.run(measure(args, Path(workdir)))
    grassroots = args.units - 1 - args.townships
    print(
        f"org: 1 county, {args.townships} townships, {grassroots} villages and communities "
        f"({args.units} units; {1 + args.townships} supervisors); SQLite"
    )
    for d in days:
        print(
            f"  {d.day}: open {d.open_s:.3f} s ({d.opened} obligations), roll-up "
            f"{d.rollup_s:.3f} s ({d.messages} messages to {d.supervisors} supervisors), "
            f"together {d.total_s:.3f} s"
        )
    problems = [p for d in days for p in d.problems]
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"whole benchmark: {time.monotonic() - wall:.1f} s wall")
    worst = max(d.total_s for d in days)
    print(f"units={args.units} open_and_rollup_s={worst:.3f}")
    return 0 if worst <= TARGET_S and not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
