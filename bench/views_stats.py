"""Benchmark parts for the supervisor views (issue 19): statistics and one chart, on SQLite.

`measure_stats()` builds a county of 10,000 units (one county, 100 townships, 9,899 villages)
with 30 days of daily reports written straight into a fresh SQLite file (Core bulk inserts:
the set-up is not timed), then times `services.stats.statistics` for the county over the 30
days: every unit_report obligation (about 297,000) and filed version read, statuses decided,
summed up the tree. The mix per village and day: 85 % on time, 5 % zero, 5 % late (90 minutes),
3 % missing, 2 % excused. `measure_chart()` times one chart (completion by sub-unit, the
100 townships) of those statistics. Both return seconds; `python -m bench.views` (the export
part's runner) prints them. Budgets: statistics <= 2 s, a chart <= 1 s.

Run alone: `python -m bench.views_stats` prints `units=10000 days=30 stats_s=… chart_s=…`.
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from domain.org import Language
from domain.periods import Period
from domain.reports import ReportSchedule
from domain.stats import Statistics
from services.stats import statistics
from storage import Database, Repositories
from storage.migrate import upgrade
from storage.models import ObligationRow, ReportVersionRow, UnitRow
from texts.charts import check_font, completion_chart
from texts.i18n import Translator

UNITS = 10_000
DAYS = 30
TOWNSHIPS = 100
ZONE = ZoneInfo("Asia/Shanghai")
FIRST = date(2026, 11, 1)
PERIOD = Period(FIRST, FIRST + timedelta(days=DAYS - 1))
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=ZONE)
_BATCH = 20_000


def _status(unit: int, day: int) -> str:
    """The day's outcome for a village, spread evenly: S 85, Z 5, L 5, M 3, E 2 of 100."""
    share = (unit * 7 + day * 13) % 100
    if share < 85:
        return "S"
    if share < 90:
        return "Z"
    if share < 95:
        return "L"
    return "M" if share < 98 else "E"


async def _build(database: Database) -> None:
    created = datetime(2026, 10, 1, tzinfo=UTC)
    units: list[dict[str, object]] = [
        {"id": 1, "code": "county", "name": "县防控办", "kind": "office", "parent_id": None}
    ]
    for t in range(TOWNSHIPS):
        units.append(
            {"id": 2 + t, "code": f"t{t}", "name": f"第{t}镇", "kind": "township", "parent_id": 1}
        )
    villages = UNITS - 1 - TOWNSHIPS
    for v in range(villages):
        units.append(
            {
                "id": 2 + TOWNSHIPS + v,
                "code": f"v{v}",
                "name": f"第{v}村",
                "kind": "village",
                "parent_id": 2 + v % TOWNSHIPS,
            }
        )
    for row in units:
        row.update(active=True, created_at=created, updated_at=created)
    schedule = ReportSchedule()
    obligations: list[dict[str, object]] = []
    versions: list[dict[str, object]] = []
    states = {"S": "met", "Z": "met", "L": "met_late", "M": "expired", "E": "excused"}
    for n, day in enumerate(PERIOD.days()):
        due = schedule.due_at(day, ZONE)
        for v in range(villages):
            letter = _status(v, n)
            obligations.append(
                {
                    "kind": "unit_report", "subject": f"v{v}", "period": day.isoformat(),
                    "assignee_unit": f"v{v}", "unit_code": f"v{v}", "due_at": due,
                    "state": states[letter], "step_reached": -1, "repeats_done": 0,
                    "created_at": due, "updated_at": due,
                }
            )  # fmt: skip
            if letter in "SZL":
                filed = due + timedelta(minutes=90) if letter == "L" else due - timedelta(hours=3)
                versions.append(
                    {
                        "unit_code": f"v{v}", "day": day, "version": 1, "zero": letter == "Z",
                        "answers": {}, "filed_by": 1, "filed_at": filed, "late": letter == "L",
                    }
                )  # fmt: skip
    async with database.transaction() as session:
        await session.execute(insert(UnitRow), units)
        for rows, model in ((obligations, ObligationRow), (versions, ReportVersionRow)):
            for start in range(0, len(rows), _BATCH):
                await session.execute(insert(model), rows[start : start + _BATCH])


async def _timed_stats(database: Database) -> tuple[float, Statistics]:
    gc.collect()
    started = time.perf_counter()
    async with database.session() as session:
        found = await statistics(Repositories(session), "county", PERIOD, now=NOW, zone=ZONE)
    return time.perf_counter() - started, found


async def _measure(workdir: Path) -> tuple[float, Statistics]:
    url = f"sqlite+aiosqlite:///{workdir / 'views.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    try:
        await _build(database)
        await _timed_stats(database)  # warm: the first read also fills SQLite's page cache
        seconds, found = await _timed_stats(database)
    finally:
        await database.dispose()
    expected = (UNITS - 1 - TOWNSHIPS) * DAYS
    if found.total.reports.expected != expected:
        raise AssertionError(f"counted {found.total.reports.expected} reports, not {expected}")
    return seconds, found


_LAST: list[Statistics] = []


def measure_stats() -> float:
    """Seconds for the statistics of 10,000 units over 30 days (budget 2 s)."""
    with tempfile.TemporaryDirectory() as workdir:
        seconds, found = asyncio.run(_measure(Path(workdir)))
    _LAST[:] = [found]
    return seconds


def measure_chart() -> float:
    """Seconds for one chart (completion by sub-unit, 100 townships) (budget 1 s)."""
    if not _LAST:
        measure_stats()
    check_font()  # start-up's work, not the chart's
    tr = Translator(Language.ZH_CN)
    completion_chart(tr, _LAST[0])  # warm: matplotlib builds its font cache once per process
    started = time.perf_counter()
    completion_chart(tr, _LAST[0])
    return time.perf_counter() - started


def main() -> int:
    stats_s = measure_stats()
    chart_s = measure_chart()
    print(f"units={UNITS} days={DAYS} stats_s={stats_s:.3f} chart_s={chart_s:.3f}")
    return 0 if stats_s <= 2 and chart_s <= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
