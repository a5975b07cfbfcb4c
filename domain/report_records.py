"""What the bot's own records say a unit's daily report should hold, and where a filed report
departs from them (no I/O).

The report form opens with these counts for the liaison to confirm or adjust; a filed report
keeps them beside the filed answers (`FiledReport.records`), so a roll-up or /status shows
where the two differ; and a zero report for a unit whose records show something needs an
explicit reason. The bot only knows the residents who declared, so its counts are a floor for
event counts and an exact figure for nobody: the liaison's figure is kept, never replaced.

The period follows the schedule's data cut-off: "as of 24:00 yesterday" covers yesterday,
"as of 08:00" the 24 hours up to 08:00 today, "as of filing" today up to the filing.
Measures in force are counted at the end of the period; only declarations submitted by then
count (returns and measures alike), as the figures stood at the cut-off. Fever or symptoms
found after the cut-off but before the filing are counted apart (`later`): they belong to the
next report's figures, yet a zero report filed meanwhile would contradict them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from domain.policy import Category
from domain.reports import Cutoff

# The default form's counts the bot can derive, in the form's order.
RECORD_KEYS = (
    "returned",
    "returned_risk",
    "central_quarantine",
    "home_quarantine",
    "monitoring",
    "fever_cases",
)
FEVER_KEY = "fever_cases"
# The free-text answer pushed to supervisors and quoted in roll-ups (the default form's).
ABNORMAL_KEY = "abnormal"
# What liaisons type for "nothing abnormal": not a situation to push or quote.
_NOTHING = frozenset(
    {
        "无",
        "没有",
        "暂无",
        "无异常",
        "无异常情况",
        "正常",
        "none",
        "no",
        "nil",
        "n/a",
        "na",
        "-",
        "/",
    }
)


def abnormal_situation(answers: Mapping[str, object]) -> str | None:
    """The abnormal situations a report gives, if any (not blank, not "无" / "none")."""
    value = answers.get(ABNORMAL_KEY)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or text.rstrip("。.!！").lower() in _NOTHING:
        return None
    return text


_IN_FORCE = {
    Category.CENTRALISED_QUARANTINE: "central_quarantine",
    Category.HOME_QUARANTINE: "home_quarantine",
    Category.HOME_HEALTH_MONITORING: "monitoring",
}


@dataclass(frozen=True, slots=True)
class DeclaredResident:
    """A unit's current declaration, as far as the report's counts need it."""

    declaration_id: int
    submitted_at: datetime
    start_date: date  # arrival (or planned return, or submission), local
    returned: bool  # the resident says they have returned
    from_risk_area: bool  # matched a mid- or high-risk area
    category: Category
    days: int  # the measure's period
    released_at: datetime | None  # the measure ended early
    unwell: bool  # declared a symptom or a temperature at or above the fever threshold


@dataclass(frozen=True, slots=True)
class UnwellCheckin:
    """A check-in that found a fever or symptoms."""

    declaration_id: int
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class UnitRecords:
    """The bot's counts for a unit's report period, up to `until` (the cut-off)."""

    counts: Mapping[str, int] = field(default_factory=dict)
    until: datetime | None = None
    later: int = 0  # fever or symptoms found after the cut-off, before the filing

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", MappingProxyType(dict(self.counts)))

    @property
    def any(self) -> bool:
        """The records show something: a zero report would contradict them."""
        return self.later > 0 or any(value > 0 for value in self.counts.values())

    def for_keys(self, keys: Iterable[str]) -> dict[str, int]:
        """The counts of these form fields (those the bot derives)."""
        return {key: self.counts[key] for key in keys if key in self.counts}


def period(cutoff: Cutoff, day: date, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """The [start, end) the figures of `day`'s report describe."""
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    if cutoff is Cutoff.YESTERDAY_24:
        return midnight - timedelta(days=1), midnight
    if cutoff is Cutoff.TODAY_08:
        end = midnight + timedelta(hours=8)
        return end - timedelta(days=1), end
    return midnight, max(midnight, min(now, midnight + timedelta(days=1)))


def count(
    residents: Iterable[DeclaredResident],
    checkins: Iterable[UnwellCheckin],
    start: datetime,
    end: datetime,
    now: datetime,
    zone: ZoneInfo,
) -> UnitRecords:
    """The counts of the period [start, end); `now` bounds what was found since."""
    first, last = (
        start.astimezone(zone).date(),
        (end - timedelta(microseconds=1)).astimezone(zone).date(),
    )
    counts = dict.fromkeys(RECORD_KEYS, 0)
    unwell: set[int] = set()
    later: set[int] = set()
    for resident in residents:
        # Declared by the cut-off, as every count is: one declared since (back from
        # yesterday, declared this morning) is not in the figures of the period it closed.
        known = resident.submitted_at < end
        if known and resident.returned and first <= resident.start_date <= last:
            counts["returned"] += 1
            counts["returned_risk"] += int(resident.from_risk_area)
        key = _IN_FORCE.get(resident.category)
        released = resident.released_at is not None and resident.released_at < end
        running = resident.start_date <= last < resident.start_date + timedelta(resident.days)
        if key is not None and running and not released and known:
            counts[key] += 1
        if resident.unwell:
            _found(resident.declaration_id, resident.submitted_at, start, end, now, unwell, later)
    for checkin in checkins:
        _found(checkin.declaration_id, checkin.recorded_at, start, end, now, unwell, later)
    counts[FEVER_KEY] = len(unwell)
    return UnitRecords(counts, end, len(later - unwell))


def _found(
    declaration: int,
    at: datetime,
    start: datetime,
    end: datetime,
    now: datetime,
    unwell: set[int],
    later: set[int],
) -> None:
    if start <= at < end:
        unwell.add(declaration)
    elif end <= at <= now:
        later.add(declaration)


def departures(
    records: Mapping[str, int], answers: Mapping[str, object]
) -> list[tuple[str, int, int]]:
    """(field, the records' count, the filed count) where a filed count departs from the
    records kept beside it, in the records' order."""
    found = []
    for key, system in records.items():
        filed = answers.get(key)
        if type(filed) is int and filed != system:
            found.append((key, system, filed))
    return found
