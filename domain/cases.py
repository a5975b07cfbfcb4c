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
    RESULT_FIXED = "result_fixed"  # a test result corrected; the note: result_fix_note()


def result_fix_note(day: date, was: str, to: str) -> str:
    """A correction's case entry: the test day and the results before and after."""
    return f"{day.isoformat()}:{was}:{to}"


def read_result_fix(note: str | None) -> tuple[str, str, str] | None:
    """(day, was, to) of a `result_fix_note`; None for anything else."""
    parts = (note or "").split(":")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


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
FEVER_PERIOD = "fever:"  # then the check-in day: the handling of a fever checked in
# Then the version: an update or re-screen into another immediate-report category after the
# earlier handling was recorded (a new event: e.g. a transfer to central quarantine).
RECLASSIFIED_PERIOD = "handling:v"


class Owed(StrEnum):
    """What a case_handling obligation is for, by its period (each is a text suffix)."""

    IMMEDIATE = "immediate"  # 即有即报 (its first, or a later category's)
    POSITIVE = "positive"  # a positive test result
    FEVER = "fever"  # a fever at the daily check-in


def owed_of(period: str) -> tuple[Owed, str | None]:
    """What a handling obligation's period stands for, and its day (positive, fever)."""
    if period.startswith(POSITIVE_PERIOD):
        return Owed.POSITIVE, period.removeprefix(POSITIVE_PERIOD)
    if period.startswith(FEVER_PERIOD):
        return Owed.FEVER, period.removeprefix(FEVER_PERIOD)
    return Owed.IMMEDIATE, None


def _handling(declaration_id: int, unit_code: str, period: str, due_at: datetime) -> Obligation:
    # The unit answers for its cases, through whoever hears of them (domain.recipients).
    return Obligation(
        ObligationKind.CASE_HANDLING, subject(declaration_id), period, unit_code, unit_code, due_at
    )


def _key(declaration_id: int, period: str) -> ObligationKey:
    return ObligationKey(ObligationKind.CASE_HANDLING, subject(declaration_id), period)


def handling_obligation(declaration_id: int, unit_code: str, due_at: datetime) -> Obligation:
    """An immediate report (即有即报) must be recorded as handled by `due_at`, or it
    escalates."""
    return _handling(declaration_id, unit_code, HANDLING_PERIOD, due_at)


def positive_handling(
    declaration_id: int, unit_code: str, day: date, due_at: datetime
) -> Obligation:
    """A positive test result must be recorded as handled by `due_at`, like an immediate
    report: one obligation per test day, beside the declaration's own (which may have been
    met long before)."""
    return _handling(declaration_id, unit_code, f"{POSITIVE_PERIOD}{day.isoformat()}", due_at)


def fever_handling(declaration_id: int, unit_code: str, day: date, due_at: datetime) -> Obligation:
    """A fever at the check-in of `day` is alerted as an immediate report: it must be recorded
    as handled by `due_at` like one (one obligation per check-in day)."""
    return _handling(declaration_id, unit_code, f"{FEVER_PERIOD}{day.isoformat()}", due_at)


def reclassified_handling(
    declaration_id: int, unit_code: str, version: int, due_at: datetime
) -> Obligation:
    """An immediate report whose category changed after its handling was recorded (version
    `version` of the declaration, or of its re-screen) must be handled again by `due_at`."""
    return _handling(declaration_id, unit_code, f"{RECLASSIFIED_PERIOD}{version}", due_at)


def handling_key(declaration_id: int) -> ObligationKey:
    return _key(declaration_id, HANDLING_PERIOD)


def positive_key(declaration_id: int, day: date) -> ObligationKey:
    return _key(declaration_id, f"{POSITIVE_PERIOD}{day.isoformat()}")


def fever_key(declaration_id: int, day: date) -> ObligationKey:
    return _key(declaration_id, f"{FEVER_PERIOD}{day.isoformat()}")


def is_caller(actor: Actor, unit_code: str) -> bool:
    """The unit's liaisons, deputies and trackers: they call the resident."""
    return any(a.unit_code == unit_code and a.role in CALLER_ROLES for a in actor.assignments)


def may_open_case(actor: Actor, unit_code: str, tree: OrgTree) -> bool:
    """Who works a resident's case: those who call them, the unit's supervisors (up the
    tree), and admins."""
    return actor.is_admin or is_caller(actor, unit_code) or supervises(actor, unit_code, tree)
