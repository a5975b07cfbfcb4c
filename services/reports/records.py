"""The bot's own counts for a unit's report (domain.report_records), read from its
declarations and check-ins."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain import report_records
from domain.report_records import UnitRecords
from domain.reports import ReportSchedule
from storage import Repositories


async def unit_records(
    repos: Repositories,
    schedule: ReportSchedule,
    unit_code: str,
    day: date,
    *,
    zone: ZoneInfo,
    now: datetime,
    fever_threshold: float,
) -> UnitRecords:
    """The counts of `day`'s report period, for the fields of the unit's form the bot
    derives; fever or symptoms found since the cut-off up to `now` counted apart."""
    keys = [item.key for item in schedule.form.fields]
    if not any(key in report_records.RECORD_KEYS for key in keys):
        return UnitRecords()
    start, end = report_records.period(schedule.cutoff, day, zone, now)
    last = max(end, now)
    residents = await repos.unit_records.residents(
        unit_code, last.astimezone(zone).date(), fever_threshold
    )
    checkins = await repos.unit_records.unwell_checkins(unit_code, start, last, fever_threshold)
    found = report_records.count(residents, checkins, start, end, now, zone)
    later = found.later if report_records.FEVER_KEY in keys else 0
    return UnitRecords(found.for_keys(keys), found.until, later)
