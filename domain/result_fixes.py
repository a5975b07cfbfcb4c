"""Correcting a recorded test result: who may, to what, and who must hear of it. No I/O.

A result is recorded by the resident (or the filer of a proxy declaration) from the test-day
reminder, or by a tracker or liaison for them: "done, pending", then negative or positive.
While it is pending, whoever may record it gives the final result from the same buttons. A
final result is not changed from a button: a wrong tap, a lab's correction or a re-test is
corrected by staff who answer for the resident, audited (who, old → new), and the people a
positive result alerted hear that it no longer stands. The resident is not one of them: a
resident who tapped the wrong result asks their tracker, so that a positive can never be
quietly taken back by the person it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.declarations import TestResult
from domain.org import OrgTree, Role
from domain.permissions import Actor, supervises

# The unit's staff who follow its residents up; supervisors of the unit (or above) as well.
FIXER_ROLES = frozenset({Role.LIAISON, Role.DEPUTY, Role.TRACKER})
# What a result can be corrected to: "pending" is no correction, it takes nothing back.
FINAL = (TestResult.NEGATIVE, TestResult.POSITIVE)


class Notice(StrEnum):
    """Who hears of a correction besides the resident."""

    ALERT = "alert"  # positive now: alerted as a positive result is (即有即报)
    RETRACT = "retract"  # positive no more: those the positive alerted are told
    NONE = "none"  # pending to negative: nobody was alerted, nobody needs to be


@dataclass(frozen=True, slots=True)
class RecordedTest:
    """A stored test-day record."""

    id: int
    declaration_id: int
    day: date
    result: TestResult
    recorded_by: int
    recorded_at: datetime


def may_correct(actor: Actor, unit_code: str, tree: OrgTree) -> bool:
    """The liaisons, deputies and trackers of the resident's unit, and its supervisors."""
    return any(
        a.unit_code == unit_code and a.role in FIXER_ROLES for a in actor.assignments
    ) or supervises(actor, unit_code, tree)


def corrections(current: TestResult) -> tuple[TestResult, ...]:
    """The results a recorded one may be corrected to."""
    return tuple(result for result in FINAL if result is not current)


def notice_of(was: TestResult, now: TestResult) -> Notice:
    if now is TestResult.POSITIVE and was is not TestResult.POSITIVE:
        return Notice.ALERT
    if was is TestResult.POSITIVE and now is not TestResult.POSITIVE:
        return Notice.RETRACT
    return Notice.NONE


def fixable_units(actor: Actor, tree: OrgTree) -> list[str]:
    """The units whose residents' results the actor may correct, in tree order."""
    units: dict[str, None] = {}
    for a in actor.assignments:
        if a.role in FIXER_ROLES:
            units.setdefault(a.unit_code, None)
    for top in actor.units_with(Role.SUPERVISOR):
        if top in tree:
            units.update((u.code, None) for u in tree.subtree(top))
    return list(units)
