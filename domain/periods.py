"""The period a supervisor view covers (statistics, exports, bulletins): a preset picked with a
button, or two dates typed.

API (small on purpose; statistics and exports share it):

- `Preset` — the buttons: today, the last 7 days, the last 30 days, this month; `preset(p,
  today)` is its `Period` (every preset ends today, so it includes the day now running).
- `read_period(text, today, max_days)` — two typed dates, "2026-11-01 2026-11-30" or
  "11-1 11-30" (any date form `domain.dates` reads; "~", "至", "到" or "," may join them),
  or one date for that single day → `Parsed[Period]`, or one of `REFUSALS`.
- `check_period(period, today, max_days)` — the same checks for a period built elsewhere.
- `refusal_params(today, max_days)` — the values a refusal is shown with.

A date without a year is read backwards from today (`Direction.PAST`): "12-31" on 2026-03-01
is 2025-12-31. Refused, each with its own message: text that is no pair of dates
(`PERIOD_INVALID`), a start after the end (`PERIOD_INVERTED`), a period ending after today
(`PERIOD_FUTURE`: nothing has happened there to count or export), and one longer than
`max_days` (`PERIOD_TOO_LONG`; configurable, `DEFAULT_MAX_DAYS` by default).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from domain.answers import Parsed, normalise
from domain.dates import Direction, parse_day

DEFAULT_MAX_DAYS: Final = 366

PERIOD_INVALID: Final = "period-invalid"
PERIOD_INVERTED: Final = "period-inverted"
PERIOD_FUTURE: Final = "period-future"
PERIOD_TOO_LONG: Final = "period-too-long"

REFUSALS: Final = (PERIOD_INVALID, PERIOD_INVERTED, PERIOD_FUTURE, PERIOD_TOO_LONG)
"""The refusal keys of this module, for the locale files' completeness test."""


class Preset(StrEnum):
    """A period offered as a button (the value is short: it travels in callback data)."""

    TODAY = "today"
    LAST_7 = "d7"
    LAST_30 = "d30"
    THIS_MONTH = "month"


@dataclass(frozen=True, slots=True)
class Period:
    """Days from `first` to `last`, both included."""

    first: date
    last: date

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1

    def days(self) -> Iterator[date]:
        for offset in range(self.length):
            yield self.first + timedelta(days=offset)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


def preset(choice: Preset, today: date) -> Period:
    """The period a button stands for; every preset ends `today`."""
    if choice is Preset.TODAY:
        return Period(today, today)
    if choice is Preset.LAST_7:
        return Period(today - timedelta(days=6), today)
    if choice is Preset.LAST_30:
        return Period(today - timedelta(days=29), today)
    return Period(today.replace(day=1), today)


def week_of(day: date) -> Period:
    """The ISO week (Monday to Sunday) holding `day`."""
    monday = day - timedelta(days=day.isoweekday() - 1)
    return Period(monday, monday + timedelta(days=6))


# Between the two dates: spaces, or a range mark with optional spaces around it. A hyphen is
# no range mark here, since "11-1" is itself a date.
_JOIN = re.compile(r"\s*[~～至到,，—–]\s*|\s+-\s+|\s+")


def check_period(period: Period, today: date, max_days: int = DEFAULT_MAX_DAYS) -> Parsed[Period]:
    """`period` if a view may cover it, else the refusal that says why."""
    if period.first > period.last:
        return Parsed(refusal=PERIOD_INVERTED)
    if period.last > today:
        return Parsed(refusal=PERIOD_FUTURE)
    if period.length > max_days:
        return Parsed(refusal=PERIOD_TOO_LONG)
    return Parsed(value=period)


def read_period(text: str, today: date, max_days: int = DEFAULT_MAX_DAYS) -> Parsed[Period]:
    """The period typed as two dates (or one, for a single day); see the module docstring."""
    cleaned = normalise(text)
    if not cleaned:
        return Parsed(refusal=PERIOD_INVALID)
    words = [word for word in _JOIN.split(cleaned) if word]
    if len(words) not in (1, 2):
        return Parsed(refusal=PERIOD_INVALID)
    days = [found for word in words if (found := parse_day(word, today, Direction.PAST))]
    if len(days) != len(words):
        return Parsed(refusal=PERIOD_INVALID)
    first, last = days[0], days[-1]
    return check_period(Period(first, last), today, max_days)


def refusal_params(today: date, max_days: int = DEFAULT_MAX_DAYS) -> dict[str, str]:
    """The values any refusal's text may use: {today}, {max_days} and an {example}."""
    example = f"{(today - timedelta(days=6)).isoformat()} {today.isoformat()}"
    return {"today": today.isoformat(), "max_days": str(max_days), "example": example}
