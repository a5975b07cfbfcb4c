"""`python -m bot audit`: the access log for the office, as TSV or CSV on standard output.

Dates are read by the project's one date reader (domain.dates) as local days, both included;
the export itself is recorded in the log before the rows are printed."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.config import Settings
from domain.dates import DateWindow, Direction, parse_day
from services import audit_log
from services.audit_log import LogLine, Period
from storage import Database, Repositories
from storage.migrate import upgrade
from storage.repos.audit import AuditFilter

COLUMNS = ("time", "actor_id", "actor", "action", "target", "allowed", "detail")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser(
        "audit", help="print the access log (views, unmaskings, exports, corrections, refusals)"
    )
    audit.add_argument("--person", type=int, metavar="ID", help="only this Telegram id's entries")
    audit.add_argument("--from", dest="since", metavar="DATE", help="first local day (included)")
    audit.add_argument("--to", dest="until", metavar="DATE", help="last local day (included)")
    audit.add_argument(
        "--action", default="", metavar="PREFIX", help='only actions starting so, e.g. "case."'
    )
    audit.add_argument("--format", choices=("tsv", "csv"), default="tsv")
    audit.add_argument("--config", type=Path, help="configuration file (default: BOT_CONFIG)")


def _day(text: str | None, today: date) -> date | None:
    if text is None:
        return None
    # Any day the calendar has: the log may be read years later.
    found = parse_day(text, today, Direction.PAST)
    if found is None or found not in DateWindow(date.min, today + timedelta(days=1)):
        raise ValueError(f"not a date: {text!r} (e.g. 2026-12-01)")
    return found


def _row(line: LogLine, settings: Settings) -> list[str]:
    entry = line.entry
    at = entry.at.astimezone(settings.time.zone).isoformat(timespec="seconds")
    actor = "" if entry.actor_id is None else str(entry.actor_id)
    allowed = "yes" if entry.allowed else "no"
    return [at, actor, line.who, entry.action, entry.target or "", allowed, entry.detail or ""]


def _tsv_field(value: str) -> str:
    # TSV has no quoting: tabs and line breaks typed into a reason would break the columns.
    return " ".join(value.replace("\t", " ").splitlines())


def print_audit(settings: Settings, args: argparse.Namespace) -> int:
    now = SystemClock().now()
    today = now.astimezone(settings.time.zone).date()
    try:
        period = Period(_day(args.since, today), _day(args.until, today))
    except ValueError as error:
        print(f"audit: {error}", file=sys.stderr)
        return 2
    since, until = period.bounds(settings.time.zone)
    people = None if args.person is None else [args.person]
    wanted = AuditFilter(people, since, until, args.action)
    lines = asyncio.run(_export(settings, wanted))
    rows = [_row(line, settings) for line in lines]
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    else:
        print("\t".join(COLUMNS))
        for row in rows:
            print("\t".join(_tsv_field(value) for value in row))
    return 0


async def _export(settings: Settings, wanted: AuditFilter) -> list[LogLine]:
    if settings.database.auto_migrate:
        await asyncio.to_thread(upgrade, settings.database.url)
    database = Database.connect(settings.database.url)
    try:
        async with database.session() as session:
            lines = await audit_log.export(Repositories(session), wanted, now=SystemClock().now())
            await session.commit()
    finally:
        await database.dispose()
    return lines
