"""A declaration's case as staff work it: who may open it, who sees the phone in full, and
what was done about it (reached the person, handled it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.declarations import Symptom
from domain.followup import subject
from domain.obligations import Obligation, ObligationKey, ObligationKind
from domain.org import OrgTree, Role
from domain.permissions import Actor, supervises

# Who must call a resident about their case: they see the phone in full, others masked.
CALLER_ROLES = frozenset({Role.LIAISON, Role.DEPUTY, Role.TRACKER})


class CaseStep(StrEnum):
    CALLED = "called"  # the person was reached
    HANDLED = "handled"  # what was done, in a note
    LOCATED = "located"  # a place matching no division located; the note: its code, or none


@dataclass(frozen=True, slots=True)
class CaseEntry:
    step: CaseStep
    note: str | None
    by: int
    at: datetime


@dataclass(frozen=True, slots=True)
class MeasureRelease:
    """A measure ended early by staff (解除): who, when and why. The reason may say something
    about the person's health, so it lives with the declaration, never in the audit log."""

    by: int
    at: datetime
    reason: str


class ReleaseRefusal(StrEnum):
    """Why a measure cannot be ended early (each is a message key)."""

    ALREADY = "case-release-already"
    NO_MEASURE = "case-release-no-measure"  # registration only, over, or superseded


def release_refusal(
    *,
    released: bool,
    superseded: bool,
    has_measure: bool,
    measure_end: date,
    today: date,
) -> ReleaseRefusal | None:
    """None when a declaration's measure may be ended early on `today`: it is the current
    version, it has a measure of days, and its last day has not passed (`measure_end` is the
    first day after the period)."""
    if released:
        return ReleaseRefusal.ALREADY
    if superseded or not has_measure or today >= measure_end:
        return ReleaseRefusal.NO_MEASURE
    return None


@dataclass(frozen=True, slots=True)
class CheckinLine:
    day: date
    temperature: float | None  # None: erased by the retention purge
    symptoms: tuple[Symptom, ...]


@dataclass(frozen=True, slots=True)
class TestLine:
    day: date
    result: str  # negative / positive / pending, or ERASED_RESULT


# A test record whose result the retention purge erased: done on its day, result not kept.
ERASED_RESULT = "erased"


# The one handling obligation of a declaration's case (its period).
HANDLING_PERIOD = "handling"
POSITIVE_PERIOD = "positive:"  # then the test day: the handling of a positive result


def handling_obligation(declaration_id: int, unit_code: str, due_at: datetime) -> Obligation:
    """An immediate report (即有即报) must be recorded as handled by `due_at`, or it escalates;
    the unit answers for it, through its liaison (and its deputy)."""
    return Obligation(
        ObligationKind.CASE_HANDLING,
        subject(declaration_id),
        HANDLING_PERIOD,
        unit_code,
        unit_code,
        due_at,
    )


def positive_handling(
    declaration_id: int, unit_code: str, day: date, due_at: datetime
) -> Obligation:
    """A positive test result must be recorded as handled by `due_at`, like an immediate
    report: one obligation per test day, beside the declaration's own (which may have been
    met long before)."""
    return Obligation(
        ObligationKind.CASE_HANDLING,
        subject(declaration_id),
        f"{POSITIVE_PERIOD}{day.isoformat()}",
        unit_code,
        unit_code,
        due_at,
    )


def positive_key(declaration_id: int, day: date) -> ObligationKey:
    return ObligationKey(
        ObligationKind.CASE_HANDLING, subject(declaration_id), f"{POSITIVE_PERIOD}{day.isoformat()}"
    )


def handling_key(declaration_id: int) -> ObligationKey:
    return ObligationKey(ObligationKind.CASE_HANDLING, subject(declaration_id), HANDLING_PERIOD)


def is_caller(actor: Actor, unit_code: str) -> bool:
    """The unit's liaisons, deputies and trackers: they call the resident."""
    return any(a.unit_code == unit_code and a.role in CALLER_ROLES for a in actor.assignments)


def may_open_case(actor: Actor, unit_code: str, tree: OrgTree) -> bool:
    """Who works a resident's case: those who call them, the unit's supervisors (up the
    tree), and admins."""
    return actor.is_admin or is_caller(actor, unit_code) or supervises(actor, unit_code, tree)
