"""The text of /status over a range of days (handlers.reports.status_range)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.reports import Tally
from texts.i18n import Translator
from texts.reports import tally_values


def range_text(
    tr: Translator, unit: str, tallies: Sequence[tuple[date, Tally]], *, single: bool
) -> str:
    """A line a day, then the totals. `single`: one reporting unit, whose day is one state;
    otherwise the day's counts over the unit's subtree."""
    first, last = tallies[0][0], tallies[-1][0]
    lines = [tr("status-range-title", unit=unit, start=first.isoformat(), end=last.isoformat())]
    total = Tally()
    for day, tally in tallies:
        total = total.add(tally)
        lines.append(_day_line(tr, day, tally, single=single))
    lines += ["", tr("status-range-total", **tally_values(total))]
    if total.not_due:
        lines[-1] += tr("rollup-child-not-due", count=total.not_due)
    return "\n".join(lines)


def _day_line(tr: Translator, day: date, tally: Tally, *, single: bool) -> str:
    shown = day.isoformat()
    if not tally.expected:
        return tr("status-range-day-none", day=shown)
    if single:
        return tr("status-range-day-state", day=shown, state=tr(f"status-range-{_state(tally)}"))
    line = tr("status-range-day-tally", day=shown, **tally_values(tally))
    if tally.not_due:
        line += tr("rollup-child-not-due", count=tally.not_due)
    return line


def _state(tally: Tally) -> str:
    """One unit's day from its counts (its tally has exactly one unit in it)."""
    if tally.late:
        return "late-zero" if tally.zero else "late"
    if tally.submitted:
        return "zero" if tally.zero else "filed"
    if tally.excused:
        return "excused"
    return "not-due" if tally.not_due else "missing"
