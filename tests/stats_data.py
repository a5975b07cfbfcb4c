"""Reporting histories written straight into the database, for the statistics tests: a plan
per unit, one letter a day, read from the first day on.

    S on time   Z zero report on time   L late (filed 90 minutes after the 17:00 deadline)
    E excused   M missing (expired)     - nothing owed (a holiday, or a day it does not report)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.obligations import ObligationState
from domain.org import Unit, UnitKind
from domain.reports import FiledReport, ReportSchedule, report_obligation
from storage import Repositories

ZONE = ZoneInfo("Asia/Shanghai")
SCHEDULE = ReportSchedule()
LATE_BY = timedelta(minutes=90)
_STATES = {
    "S": ObligationState.MET,
    "Z": ObligationState.MET,
    "L": ObligationState.MET_LATE,
    "E": ObligationState.EXCUSED,
    "M": ObligationState.EXPIRED,
}


async def seed_reports(
    repos: Repositories, plan: Mapping[str, str], first: date, *, filed_by: int = 1
) -> None:
    for code, letters in plan.items():
        for offset, letter in enumerate(letters):
            if letter == "-":
                continue
            day = first + timedelta(days=offset)
            unit = Unit(code, code, UnitKind.VILLAGE)
            due = SCHEDULE.due_at(day, ZONE)
            owed = replace(report_obligation(unit, day, SCHEDULE, ZONE), state=_STATES[letter])
            await repos.obligations.open_many([owed], now=due)
            if letter in "SZL":
                filed_at = due + LATE_BY if letter == "L" else datetime.combine(day, time(9), ZONE)
                await repos.reports.add_version(
                    FiledReport(
                        unit_code=code,
                        day=day,
                        version=1,
                        zero=letter == "Z",
                        answers={},
                        filed_by=filed_by,
                        filed_at=filed_at,
                        late=letter == "L",
                    )
                )
