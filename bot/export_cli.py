"""`python -m bot export KIND --unit CODE --from DATE --to DATE --out FILE`: a ledger (台账) as
.xlsx for the office, the same file /export sends.

Phone and ID numbers are masked, as for a supervisor: the office reads a ledger to count and
follow up, not to call. `--full --purpose TEXT` shows them in full; the purpose is required
and goes into the audit log with the export (action export.full), like the reason asked
before a number is unmasked in the chat. Every export is audited (who: the command line;
kind, unit, period and rows; never the data). Dates are read by the project's date reader
(domain.dates) as local days, both included, and checked like /export's period."""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
from datetime import date
from pathlib import Path

from bot.clock import SystemClock
from bot.config import Settings
from domain.dates import Direction, parse_day
from domain.exports import ExportKind, ExportScope
from domain.org import Language
from domain.periods import Period, check_period, refusal_params
from services import exports
from storage import Database, Repositories
from storage.migrate import upgrade
from texts.export_workbook import Footer, write_ledger
from texts.i18n import Translator

COMMANDS = ("export",)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export",
        help="write a ledger (台账) as .xlsx: reports, declarations, followup, escalations",
    )
    export.add_argument("kind", choices=[kind.value for kind in ExportKind])
    export.add_argument("--unit", required=True, metavar="CODE", help="the unit (its subtree)")
    export.add_argument("--from", dest="first", required=True, metavar="DATE", help="first day")
    export.add_argument("--to", dest="last", required=True, metavar="DATE", help="last day")
    export.add_argument("--out", required=True, type=Path, metavar="FILE", help="the .xlsx file")
    export.add_argument(
        "--lang", choices=[lang.value for lang in Language], default=Language.ZH_CN.value
    )
    export.add_argument(
        "--full", action="store_true", help="phone and ID numbers in full (needs --purpose)"
    )
    export.add_argument("--purpose", metavar="TEXT", help="why full numbers are needed (logged)")
    export.add_argument("--config", type=Path, help="configuration file (default: BOT_CONFIG)")


def _period(args: argparse.Namespace, today: date, max_days: int) -> Period | str:
    """The period, or what is wrong with it."""
    first = parse_day(args.first, today, Direction.PAST)
    last = parse_day(args.last, today, Direction.PAST)
    if first is None or last is None:
        bad = args.first if first is None else args.last
        return f"not a date: {bad!r} (e.g. 2026-12-01)"
    checked = check_period(Period(first, last), today, max_days)
    if checked.value is None:
        text = Translator(Language.EN)(checked.refusal or "", **refusal_params(today, max_days))
        return html.unescape(re.sub(r"<[^>]+>", "", text))  # a chat message, for the terminal
    return checked.value


def run(settings: Settings, args: argparse.Namespace) -> int:
    purpose = (args.purpose or "").strip()
    if args.full and not purpose:
        print("export: --full needs --purpose (it is written to the audit log)", file=sys.stderr)
        return 2
    now = SystemClock().now()
    today = now.astimezone(settings.time.zone).date()
    period = _period(args, today, settings.views.max_period_days)
    if isinstance(period, str):
        print(f"export: {period}", file=sys.stderr)
        return 2
    scope = ExportScope(ExportKind(args.kind), args.unit, period)
    return asyncio.run(_export(settings, args, scope, purpose if args.full else None))


async def _export(
    settings: Settings, args: argparse.Namespace, scope: ExportScope, purpose: str | None
) -> int:
    if settings.database.auto_migrate:
        await asyncio.to_thread(upgrade, settings.database.url)
    tr = Translator(Language(args.lang))
    zone = settings.time.zone
    database = Database.connect(settings.database.url)
    try:
        async with database.session() as session:
            repos = Repositories(session)
            tree = await repos.org.load_tree()
            if scope.unit_code not in tree:
                print(f"export: no unit with the code {scope.unit_code!r}", file=sys.stderr)
                return 2
            now = SystemClock().now()
            full = purpose is not None
            masker = exports.masker(None, full=full)
            policy = settings.reports.policy()
            ledger = exports.open_ledger(repos, scope, tree, policy, zone, now, masker)
            footer = Footer(tr("export-office"), now, full_numbers=full)
            # Written beside the file and moved into place once the export is on record.
            partial = args.out.with_name(args.out.name + ".partial")
            rows = await write_ledger(tr, zone, ledger, footer, partial)
            if not rows:
                print(
                    f"export: no {scope.kind.value} records for that unit and period; "
                    "no file was written",
                    file=sys.stderr,
                )
                return 1
            await exports.record(repos, None, scope, rows, now, purpose=purpose)
            await session.commit()
            partial.replace(args.out)
    finally:
        await database.dispose()
    print(f"{args.out}: {rows} rows")
    return 0
