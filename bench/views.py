"""Benchmark: supervisor views on SQLite: the .xlsx export of 100,000 declarations, and (from
bench/views_stats.py, when present) statistics for 10,000 units over 30 days and one chart.

Export: a fresh SQLite file is migrated, given bench.rescreen's organisation (a county, 10
townships, 100 villages) and `--declarations` declarations (bench.rescreen's: real districts
as origins, a third with a stay, names and phones), written in bulk and not timed. Then a
child process (`--export-only`), so that its peak RSS is the export's and not the seeding's,
reads the county's declarations ledger for the month and writes the .xlsx exactly as
/export does (services.exports + texts.export_workbook, phones masked); it is timed from the
first read to the saved file, and reports its own peak RSS (VmHWM: the whole process,
interpreter, imports and the key ring included). The file is then opened with openpyxl
(read-only) and its rows counted. bench/README.md has the results and where the time goes.

Run: `python -m bench.views`; the last line ends with
`declarations=<n> export_s=<x> export_rss_mb=<x> units=10000 days=30 stats_s=<x> chart_s=<x>`.
The exit status is 1 unless export_s <= 10 and export_rss_mb <= 300 and the file has every
row.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import inspect
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# As bench.rescreen's (not imported here: it brings the whole bot, aiogram included, which
# the export's process does not need and which would count in its peak RSS).
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
EXPORT_S, EXPORT_RSS_MB = 10.0, 300.0
SEED = 20261206


def install_key(path: Path) -> None:
    """The key ring both processes seal and open personal fields with (made by the parent)."""
    from storage.crypto import KeyRing, install_keyring, write_key_file

    if not path.exists():
        write_key_file(path, KeyRing.generate())
    install_keyring(KeyRing.from_json(path.read_text(), str(path)), path)


async def seed(path: Path, count: int) -> None:
    from bench.rescreen import declarations, districts, first_list, org_file, store
    from bot.config import Settings
    from domain.risk_areas import RiskList
    from services.org import load_org_file
    from storage import Database, Repositories
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    try:
        async with database.transaction() as session:
            await load_org_file(Repositories(session), org_file(), now=NOW)
        rng = random.Random(SEED)
        codes = districts()
        risk = RiskList(first_list(rng, codes, 500))
        await store(database, Settings(), declarations(rng, count, codes), risk)
    finally:
        await database.dispose()


async def export(path: Path, out: Path) -> dict[str, Any]:
    """The measured part (in the child process)."""
    from bot.config import Settings
    from domain.exports import ExportKind, ExportScope
    from domain.org import Language
    from domain.periods import Period
    from services import exports
    from storage import Database, Repositories
    from texts.export_workbook import Footer, write_ledger
    from texts.i18n import Translator

    settings = Settings()
    policy = settings.reports.policy()
    database = Database.connect(f"sqlite+aiosqlite:///{path}")
    tr = Translator(Language.ZH_CN)
    period = Period(NOW.date() - timedelta(days=29), NOW.date())
    scope = ExportScope(ExportKind.DECLARATIONS, "county", period)
    try:
        started = time.perf_counter()
        async with database.session() as session:
            repos = Repositories(session)
            tree = await repos.org.load_tree()
            ledger = exports.open_ledger(
                repos, scope, tree, policy, ZONE, NOW, exports.masker(None)
            )
            footer = Footer("bench", NOW, full_numbers=False)
            rows = await write_ledger(tr, ZONE, ledger, footer, out)
        elapsed = time.perf_counter() - started
    finally:
        await database.dispose()
    return {"rows": rows, "export_s": elapsed, "rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident set: Linux's VmHWM, which starts anew at exec. Not
    ru_maxrss, which a child keeps from the parent it was forked from (here the seeding)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def count_rows(out: Path) -> int:
    from openpyxl import load_workbook

    book = load_workbook(out, read_only=True)
    sheet = book.worksheets[1]
    # The header, the rows, an empty row and the footer.
    return sum(1 for _ in sheet.iter_rows(values_only=True)) - 3


def stats_figures() -> tuple[str, str]:
    """stats_s and chart_s from bench/views_stats.py (the statistics' own benchmark)."""
    if importlib.util.find_spec("bench.views_stats") is None:
        return "n/a", "n/a"
    module = importlib.import_module("bench.views_stats")
    found = []
    for name in ("measure_stats", "measure_chart"):
        result = getattr(module, name)()
        if inspect.isawaitable(result):
            result = asyncio.run(_wait(result))
        found.append(f"{float(result):.3f}")
    return found[0], found[1]


async def _wait(result: Any) -> Any:
    return await result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.views", description=__doc__)
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--export-only", nargs=2, metavar=("DB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.export_only:
        db, out = (Path(p) for p in args.export_only)
        install_key(db.with_suffix(".keys"))
        print(json.dumps(asyncio.run(export(db, out))))
        return 0
    wall = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        db, out = Path(workdir) / "bench.sqlite3", Path(workdir) / "ledger.xlsx"
        install_key(db.with_suffix(".keys"))
        asyncio.run(seed(db, args.declarations))
        child = subprocess.run(
            [sys.executable, "-m", "bench.views", "--export-only", str(db), str(out)],
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            print(child.stderr, file=sys.stderr)
            return 1
        measured = json.loads(child.stdout.strip().splitlines()[-1])
        in_file = count_rows(out)
        size_mb = out.stat().st_size / 1e6
    stats_s, chart_s = stats_figures()
    print(
        f"declarations ledger of {args.declarations} declarations (100 villages): "
        f"{measured['rows']} rows exported, {in_file} read back, {size_mb:.1f} MB file"
    )
    if stats_s == "n/a":
        print("stats_s, chart_s: n/a (bench/views_stats.py is not there)")
    problems = []
    if measured["rows"] != args.declarations or in_file != args.declarations:
        problems.append(f"expected {args.declarations} rows")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"whole benchmark: {time.monotonic() - wall:.1f} s wall")
    export_s, rss = measured["export_s"], measured["rss_mb"]
    print(
        f"declarations={args.declarations} export_s={export_s:.3f} export_rss_mb={rss:.0f} "
        f"units=10000 days=30 stats_s={stats_s} chart_s={chart_s}"
    )
    ok = export_s <= EXPORT_S and rss <= EXPORT_RSS_MB and not problems
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
