"""The one reader of dates people type, used by every command and dialog.

Accepted forms (full-width digits too, spaces around separators ignored):

- with a year: "2026-11-20", "2026/11/20", "2026.11.20", "20261120", "2026年11月20日" (日 or 号
  optional); the month and day may have one digit ("2026-3-5");
- without a year: "11-20", "11/20", "11.20", "11月20日", "11月20号", "11月20";
- words: 今天/今日/today, 昨天/昨日/yesterday, 前天, 明天/明日/tomorrow, 后天 (English
  case-insensitive).

A date without a year is read in the `Direction` the question looks: the most recent such day
(`PAST`, e.g. /status on 2026-03-01 reads "12/31" as 2025-12-31; but a day at most a month
ahead is this year's, so "12/07" on 2026-12-06 is tomorrow, which a window ending today
refuses, rather than a year ago), the next one (`FUTURE`), or
the one nearest to today (`NEAREST`: on 2026-12-05, "12-01" is four days ago and "1/3" is next
January). A date is then checked against the question's `DateWindow`.

Every caller shows the same two refusals for the same two mistakes: `DATE_INVALID` when the
text is no date (or an impossible one, "2026-02-30"), and the window's key (by default
`DATE_OUTSIDE`, "the date must lie between {first} and {last}") when it is outside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from domain.answers import Parsed, normalise

DATE_INVALID: Final = "answer-date-invalid"
DATE_OUTSIDE: Final = "answer-date-outside"

REFUSALS: Final = (DATE_INVALID, DATE_OUTSIDE)
"""The refusal keys of this module, for the locale files' completeness test."""


class Direction(StrEnum):
    """Which occurrence a month and day without a year stand for."""

    PAST = "past"
    FUTURE = "future"
    NEAREST = "nearest"


@dataclass(frozen=True, slots=True)
class DateWindow:
    """The days a question accepts (both ends included) and the key that says so."""

    first: date
    last: date
    refusal: str = DATE_OUTSIDE

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def params(self) -> dict[str, str]:
        """The refusal's values: {first}, {last} and the window's length in {days}."""
        days = str((self.last - self.first).days)
        return {"first": self.first.isoformat(), "last": self.last.isoformat(), "days": days}


_RELATIVE_DAYS: Final = {
    "今天": 0,
    "今日": 0,
    "today": 0,
    "昨天": -1,
    "昨日": -1,
    "yesterday": -1,
    "前天": -2,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "后天": 2,
}
_YMD = re.compile(
    r"(?P<y>[0-9]{4})\s*(?P<sep>[-/.])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*(?P<d>[0-9]{1,2})",
    re.ASCII,
)
_YMD_CN = re.compile(
    r"(?P<y>[0-9]{4})\s*年\s*(?P<m>[0-9]{1,2})\s*月\s*(?P<d>[0-9]{1,2})\s*[日号]?", re.ASCII
)
_YMD_COMPACT = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})", re.ASCII)
_MD = re.compile(
    r"(?P<m>[0-9]{1,2})\s*[-/.]\s*(?P<d>[0-9]{1,2})"
    r"|(?P<cm>[0-9]{1,2})\s*月\s*(?P<cd>[0-9]{1,2})\s*[日号]?",
    re.ASCII,
)
# English month names, whole or cut to three letters or more ("Dec 3", "3 December 2026",
# "Sept 30th").
_MONTHS: Final = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_ORDINAL = r"(?:st|nd|rd|th)?"
_MD_EN = re.compile(
    rf"(?P<mon>[a-z]{{3,9}})\.?\s*(?P<d>[0-9]{{1,2}}){_ORDINAL}(?:\s*,?\s*(?P<y>[0-9]{{4}}))?"
    rf"|(?P<d2>[0-9]{{1,2}}){_ORDINAL}\s*(?P<mon2>[a-z]{{3,9}})\.?(?:\s*,?\s*(?P<y2>[0-9]{{4}}))?",
    re.ASCII,
)
# Read back, a month and day at most this many days ahead are this year's (see _year_less).
_SOON_DAYS: Final = 31
# A leap day comes back within eight years; further than that a year-less 2/29 is no date.
_LEAP_SEARCH_YEARS: Final = 9


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year_less(month: int, day: int, today: date, direction: Direction) -> date | None:
    """The date a month and day without a year stand for (see the module docstring)."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if direction is Direction.NEAREST:
        candidates = [
            found
            for year in (today.year - 1, today.year, today.year + 1)
            if (found := _safe_date(year, month, day)) is not None
        ]
        if not candidates:  # 2-29 with no leap year around: the most recent one
            return _year_less(month, day, today, Direction.PAST)
        # Nearest to today; on a tie (never more than one day apart) the earlier one.
        return min(candidates, key=lambda found: (abs((found - today).days), found))
    step = -1 if direction is Direction.PAST else 1
    this_year = _safe_date(today.year, month, day)
    # Read back, a day just ahead is a slip or a day to come, not last year's: it is read as
    # this year's (which a window ending today refuses) rather than silently a year back.
    if step < 0 and this_year is not None and 0 < (this_year - today).days <= _SOON_DAYS:
        return this_year
    for offset in range(_LEAP_SEARCH_YEARS):
        found = _safe_date(today.year + step * offset, month, day)
        if found is not None and (found <= today if step < 0 else found >= today):
            return found
    return None


_DATE_LIKE = re.compile(r"[0-9\-/.年月日号]+", re.ASCII)


def looks_like_date(text: str) -> bool:
    """Whether `text` is meant as a date (digits and date separators, or a day word), read or
    not: among a command's words, it is the date rather than a name."""
    cleaned = normalise(text) or ""
    return bool(_DATE_LIKE.fullmatch(cleaned)) or cleaned.lower() in _RELATIVE_DAYS


def parse_day(text: str, today: date, direction: Direction) -> date | None:
    """The day `text` names, or None when it names none (no window is applied)."""
    cleaned = normalise(text)
    if not cleaned:
        return None
    word = cleaned.lower()
    if word in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[word])
    if match := (
        _YMD.fullmatch(cleaned) or _YMD_CN.fullmatch(cleaned) or _YMD_COMPACT.fullmatch(cleaned)
    ):
        return _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if match := _MD.fullmatch(cleaned):
        month, day = (match["m"], match["d"]) if match["m"] else (match["cm"], match["cd"])
        return _year_less(int(month), int(day), today, direction)
    if match := _MD_EN.fullmatch(word):
        return _english(match, today, direction)
    return None


def _english(match: re.Match[str], today: date, direction: Direction) -> date | None:
    """A date with an English month name ("Dec 3", "3 December 2026")."""
    name = match["mon"] or match["mon2"]
    months = [n for n, full in enumerate(_MONTHS, start=1) if full.startswith(name)]
    if len(months) != 1:  # no month begins so
        return None
    day, year = int(match["d"] or match["d2"]), match["y"] or match["y2"]
    if year:
        return _safe_date(int(year), months[0], day)
    return _year_less(months[0], day, today, direction)


def read_date(
    text: str, today: date, window: DateWindow, direction: Direction = Direction.PAST
) -> Parsed[date]:
    """The day typed, or `DATE_INVALID`, or the window's refusal when it falls outside."""
    found = parse_day(text, today, direction)
    if found is None:
        return Parsed(refusal=DATE_INVALID)
    if found not in window:
        return Parsed(refusal=window.refusal)
    return Parsed(value=found)


def refusal_params(refusal: str | None, window: DateWindow) -> dict[str, str]:
    """The values a refusal of `read_date` is shown with."""
    return window.params() if refusal == window.refusal else {}
