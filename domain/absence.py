"""Being away (`/away`): which dates may be set, and who stands in while someone is away.

Who stands in follows the same rules as domain/recipients.py, so what /away promises is
what the escalation engine does: within a unit, liaison and deputy cover each other; an away
supervisor's escalations go to another supervisor of the unit or else up the tree; nobody
stands in for a tracker. Residents' cases follow their own rule (domain.recipients.case_staff):
the unit's trackers hear of them whoever is away, so where nobody covers a liaison the plan
still says who hears of the cases; a unit's daily report or a notice has no such second
hearer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.dates import DATE_INVALID, DateWindow, Direction, read_date, refusal_params
from domain.org import Role, RoleAssignment
from domain.permissions import STAFF_ROLES
from domain.recipients import Directory, case_recipients

# An absence longer than this is a change of who holds the role, not an absence.
MAX_AWAY_DAYS = 90

# Between the first and the last day: a space, "至"/"到", or a tilde.
_RANGE_SEPARATOR = re.compile(r"\s*(?:至|到|~|～)\s*|\s+")


@dataclass(frozen=True, slots=True)
class AwayDates:
    """The days of an absence (both included), or the refusal key and its values."""

    starts: date | None = None
    until: date | None = None
    refusal: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)


def away_window(today: date, max_days: int = MAX_AWAY_DAYS) -> DateWindow:
    return DateWindow(today, today + timedelta(days=max_days), "away-outside")


def read_away(text: str, today: date, max_days: int = MAX_AWAY_DAYS) -> AwayDates:
    """`TO` (away from today through TO) or `FROM TO` (also `FROM 至 TO`), each day in any form
    the date reader takes; a day without a year is the one nearest to today, so a day just past
    is refused as past rather than read as next year's. Both days lie within `max_days` from
    today; today itself is allowed (away for the rest of it)."""
    window = away_window(today, max_days)
    parts = [part for part in _RANGE_SEPARATOR.split(text.strip()) if part]
    if not 1 <= len(parts) <= 2:
        return AwayDates(refusal=DATE_INVALID)
    days = []
    for part in parts:
        found = read_date(part, today, window, Direction.NEAREST)
        if found.value is None:
            return AwayDates(refusal=found.refusal, params=refusal_params(found.refusal, window))
        days.append(found.value)
    starts, until = days[0] if len(days) == 2 else today, days[-1]
    if until < starts:
        return AwayDates(refusal="away-end-before-start", params={"first": starts.isoformat()})
    return AwayDates(starts, until)


def holds_staff_role(assignments: Iterable[RoleAssignment]) -> bool:
    return any(a.role in STAFF_ROLES for a in assignments)


@dataclass(frozen=True, slots=True)
class CoverPlan:
    """Who stands in for an away person in one of their roles."""

    unit_code: str
    role: Role  # the away person's role in that unit
    covers: tuple[int, ...]  # people present on the day who receive it instead
    passes_up: bool = False  # a supervisor's escalations go to a supervisor above
    # When nobody covers: who still hears of the unit's residents' cases (alerts and their
    # handling), e.g. its trackers while the only liaison is away. The rest still reaches nobody.
    cases: tuple[int, ...] = ()

    @property
    def nobody(self) -> bool:
        return not self.covers and not self.passes_up


# The unit's roles that hear of (or cover for those who hear of) its residents' cases.
_CASE_ROLES = frozenset({Role.LIAISON, Role.DEPUTY, Role.TRACKER})


def _others(person: int, unit: str, role: Role, d: Directory) -> tuple[int, ...]:
    if role is Role.LIAISON:
        return d.holding(unit, Role.DEPUTY)
    if role is Role.DEPUTY:
        return d.holding(unit, Role.LIAISON)
    if role is Role.SUPERVISOR:
        return tuple(p for p in d.holding(unit, Role.SUPERVISOR) if p != person)
    return ()  # a tracker's residents have no second tracker


def _present_above(person: int, unit: str, d: Directory, on: date) -> bool:
    return any(
        p != person and not d.stands_in(p, on)
        for above in d.tree.ancestors(unit)
        for p in d.holding(above.code, Role.SUPERVISOR)
    )


def cover_plans(
    person: int, assignments: Iterable[RoleAssignment], directory: Directory, on: date
) -> list[CoverPlan]:
    """For each staff role of the person, who receives their messages on `on`. Covers who
    are away (or unreachable) themselves do not count: covering is one level deep."""
    plans: list[CoverPlan] = []
    for a in sorted(assignments, key=lambda a: (a.unit_code, a.role)):
        if a.role not in STAFF_ROLES or a.unit_code not in directory.tree:
            continue
        others = _others(person, a.unit_code, a.role, directory)
        present = tuple(p for p in others if p != person and not directory.stands_in(p, on))
        passes_up = (
            a.role is Role.SUPERVISOR
            and not present
            and _present_above(person, a.unit_code, directory, on)
        )
        cases: tuple[int, ...] = ()
        if a.role in _CASE_ROLES and not present:
            heard = case_recipients(directory, a.unit_code, on, chain=False)
            cases = tuple(p for p in heard if p != person)
        plans.append(CoverPlan(a.unit_code, a.role, present, passes_up, cases))
    return plans
