"""The weekly bulletin (通报) of a subtree: its units ranked by on-time rate, the reporting
units with a perfect week (表扬) and those with misses (通报), and the week's declarations.

Built from the week's `Statistics` (domain/stats.py), so it counts exactly what /stats counts:
holidays, excused days and units that do not report are never misses. The ranking is of the
root's direct sub-units, each with its subtree summed (a county ranks its townships); a root
whose sub-units owe nothing (a township of villages is ranked by village) ranks the reporting
units themselves. Praise and blame always name reporting units: they are who filed or not.

Weeks are ISO weeks, Monday to Sunday; a bulletin covers a week that has ended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Final

from domain.answers import Parsed, normalise
from domain.dates import Direction, looks_like_date, parse_day
from domain.org import Unit
from domain.periods import Period, week_of
from domain.stats import Statistics, UnitFigures, perfect, ranking

WEEK_INVALID: Final = "bulletin-week-invalid"
WEEK_NOT_OVER: Final = "bulletin-week-not-over"
REFUSALS: Final = (WEEK_INVALID, WEEK_NOT_OVER)

_ISO_WEEK = re.compile(r"^(\d{4})-?w(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class BulletinSettings:
    """[views.bulletin]: when the weekly job runs and whether groups get it too."""

    enabled: bool = True
    weekday: int = 1  # ISO: Monday = 1 ... Sunday = 7
    at: time = time(9, 0)
    to_supervisors_groups: bool = False

    @property
    def crontab(self) -> str:
        """The job's crontab(5) expression (whose days run from Sunday = 0)."""
        return f"{self.at.minute} {self.at.hour} * * {self.weekday % 7}"


@dataclass(frozen=True, slots=True)
class Bulletin:
    stats: Statistics
    ranked: tuple[tuple[Unit, UnitFigures], ...]  # best first
    praised: tuple[Unit, ...]  # reporting units with every owed report on time
    flagged: tuple[tuple[Unit, UnitFigures], ...]  # reporting units with misses, most first

    @property
    def root(self) -> Unit:
        return self.stats.root

    @property
    def week(self) -> Period:
        return self.stats.period

    @property
    def total(self) -> UnitFigures:
        return self.stats.total

    @property
    def empty(self) -> bool:
        """Nothing was owed in the week (holidays, or no unit reports): nothing to send."""
        return self.total.reports.counted == 0


def build(stats: Statistics) -> Bulletin:
    counted = [(unit, f) for unit, f in stats.children if f.reports.counted]
    if not counted:
        counted = [(unit, f) for unit, f in stats.units if f.reports.counted]
    reporting = ranking((unit, f) for unit, f in stats.units if f.reports.counted)
    praised = tuple(unit for unit, figures in reporting if perfect(figures))
    flagged = sorted(
        ((unit, f) for unit, f in reporting if f.reports.missing),
        key=lambda entry: (-entry[1].reports.missing, -entry[1].reports.late, entry[0].name),
    )
    return Bulletin(stats, tuple(ranking(counted)), praised, tuple(flagged))


def last_full_week(today: date) -> Period:
    """The latest week that has ended by `today` (on a Monday: the week just before)."""
    return week_of(today - timedelta(days=7))


def week_label(week: Period) -> str:
    """ISO week name, e.g. 2026-W48."""
    year, number, _ = week.first.isocalendar()
    return f"{year}-W{number:02d}"


def chart_filename(unit_code: str, week: Period) -> str:
    return f"bulletin-{unit_code}-{week_label(week)}.png"


def looks_like_week(word: str) -> bool:
    """Whether a command's word names a week (an ISO week or a date) rather than a unit."""
    return _ISO_WEEK.match(normalise(word) or "") is not None or looks_like_date(word)


def read_week(text: str, today: date) -> Parsed[Period]:
    """The week named "2026-W48" (or "2026W48"), or the week holding a date; refused when it
    is no week, or has not ended by `today`."""
    cleaned = normalise(text) or ""
    found = _ISO_WEEK.match(cleaned)
    week: Period | None = None
    if found is not None:
        try:
            week = week_of(date.fromisocalendar(int(found[1]), int(found[2]), 1))
        except ValueError:
            week = None
    elif cleaned:
        day = parse_day(cleaned, today, Direction.PAST)
        week = week_of(day) if day is not None else None
    if week is None:
        return Parsed(refusal=WEEK_INVALID)
    if week.last >= today:
        return Parsed(refusal=WEEK_NOT_OVER)
    return Parsed(value=week)
