"""Being away (`/away`): which dates may be set, and who stands in while someone is away.

Who stands in follows the same rules as domain/recipients.py, so what /away promises is
what the escalation engine does: within a unit, liaison and deputy cover each other; an away
supervisor's escalations go to another supervisor of the unit or else up the tree; nobody
stands in for a tracker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from domain.org import Role, RoleAssignment
from domain.permissions import STAFF_ROLES
from domain.recipients import Directory

# An absence longer than this is a change of who holds the role, not an absence.
MAX_AWAY_DAYS = 90

_FULL_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_SHORT_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})$")


@dataclass(frozen=True, slots=True)
class UntilDate:
    """The last day of an absence, or the message key saying why the text is not one."""

    until: date | None = None
    refusal_key: str | None = None  # away-bad-date, away-past or away-too-far


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_until(text: str, today: date, max_days: int = MAX_AWAY_DAYS) -> UntilDate:
    """`YYYY-MM-DD`, or `MM-DD` meaning the next such day from today on ('/' and '.' work too).

    The absence includes the day given; today itself is allowed (away for the rest of it).
    """
    text = text.strip()
    if full := _FULL_DATE.match(text):
        until = _date(*(int(part) for part in full.groups()))
    elif short := _SHORT_DATE.match(text):
        month, day = (int(part) for part in short.groups())
        until = _date(today.year, month, day)
        if until is None or until < today:
            until = _date(today.year + 1, month, day)
    else:
        until = None
    if until is None:
        return UntilDate(refusal_key="away-bad-date")
    if until < today:
        return UntilDate(refusal_key="away-past")
    if until > today + timedelta(days=max_days):
        return UntilDate(refusal_key="away-too-far")
    return UntilDate(until)


def holds_staff_role(assignments: Iterable[RoleAssignment]) -> bool:
    return any(a.role in STAFF_ROLES for a in assignments)


@dataclass(frozen=True, slots=True)
class CoverPlan:
    """Who stands in for an away person in one of their roles."""

    unit_code: str
    role: Role  # the away person's role in that unit
    covers: tuple[int, ...]  # people present on the day who receive it instead
    passes_up: bool = False  # a supervisor's escalations go to a supervisor above

    @property
    def nobody(self) -> bool:
        return not self.covers and not self.passes_up


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
        plans.append(CoverPlan(a.unit_code, a.role, present, passes_up))
    return plans
