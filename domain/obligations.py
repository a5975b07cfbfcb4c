"""Obligations: something an assignee owes by a time, and the only transitions it may take.

Every reminder and escalation is derived from an obligation and its chain
(domain/escalation.py), so the state machine here is what stops them: once an obligation is
closed, nothing more is sent for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class ObligationKind(StrEnum):
    UNIT_REPORT = "unit_report"  # 日报告/零报告 of a unit for a reporting day
    HEALTH_CHECKIN = "health_checkin"  # a monitored resident's daily check-in
    TEST_DUE = "test_due"  # a test on a test day
    NOTICE_ACK = "notice_ack"  # "received" on a prevention notice
    VERIFICATION = "verification"  # 核查: a worker must verify a lead or a resident
    # 即有即报 or a positive result: staff must record that the case was handled
    CASE_HANDLING = "case_handling"


class ObligationState(StrEnum):
    OPEN = "open"
    MET = "met"
    MET_LATE = "met_late"
    EXCUSED = "excused"
    EXPIRED = "expired"

    @property
    def closed(self) -> bool:
        return self is not ObligationState.OPEN


@dataclass(frozen=True, slots=True)
class ObligationKey:
    """The natural key: creating an obligation twice for the same key must find the first one."""

    kind: ObligationKind
    subject: str  # a unit code, a person's telegram id as text, a notice id...
    period: str  # an ISO date, a notice id, a task id: what makes it owed once

    def __str__(self) -> str:
        return f"{self.kind}/{self.subject}/{self.period}"


@dataclass(frozen=True, slots=True)
class Obligation:
    kind: ObligationKind
    subject: str
    period: str
    # A person (telegram id) answers for it themselves; a unit (code) answers through its
    # liaison, and its deputy covers.
    assignee: int | str
    # The unit the obligation is accounted to: escalation walks up the tree from here and
    # `unit_group` means this unit's work group. For a unit assignee it is that unit.
    unit_code: str
    due_at: datetime
    state: ObligationState = ObligationState.OPEN
    step_reached: int = -1  # index of the last chain step taken; -1 before the first
    repeats_done: int = 0  # repeats of step_reached already taken (0: the step itself)
    next_action_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: int | None = None  # who excused it (a report or check-in names its own author)
    excuse_reason: str | None = None
    id: int | None = None  # set once stored
    # A named escalation chain ([escalation.named.<name>]) instead of the kind's own.
    chain: str | None = None

    def __post_init__(self) -> None:
        # Naive datetimes would silently compare in the server's zone; refuse them early.
        if self.due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")

    @property
    def key(self) -> ObligationKey:
        return ObligationKey(self.kind, self.subject, self.period)

    @property
    def assignee_person(self) -> int | None:
        return self.assignee if isinstance(self.assignee, int) else None

    @property
    def assignee_unit(self) -> str | None:
        return self.assignee if isinstance(self.assignee, str) else None

    def is_overdue(self, now: datetime) -> bool:
        return self.state is ObligationState.OPEN and now > self.due_at


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of a state change: the obligation as it is now and what happened."""

    obligation: Obligation
    previous: ObligationState
    refusal_key: str | None = None  # message key when the change was refused

    @property
    def changed(self) -> bool:
        return self.obligation.state is not self.previous

    @property
    def stops_escalation(self) -> bool:
        return self.changed and self.obligation.state.closed


def _close(
    obligation: Obligation,
    state: ObligationState,
    at: datetime,
    reason: str | None = None,
    by: int | None = None,
) -> Transition:
    closed = replace(obligation, state=state, closed_at=at, excuse_reason=reason, closed_by=by)
    # No next action: a closed obligation never reminds or escalates again.
    return Transition(replace(closed, next_action_at=None), obligation.state)


def _refuse(obligation: Obligation, key: str) -> Transition:
    return Transition(obligation, obligation.state, key)


def meet(obligation: Obligation, at: datetime) -> Transition:
    """Close it as met, or met_late after due_at. Meeting a met obligation again is a no-op
    (a corrected report must not reopen anything); other closed states are final."""
    if obligation.state in (ObligationState.MET, ObligationState.MET_LATE):
        return Transition(obligation, obligation.state)
    if obligation.state.closed:
        return _refuse(obligation, "obligation-closed")
    late = at > obligation.due_at
    return _close(obligation, ObligationState.MET_LATE if late else ObligationState.MET, at)


def reopen(obligation: Obligation) -> Transition:
    """Open a met obligation again because what met it was taken back (a notice's "received"
    undone within its window). Its escalation continues from where it stood; excused and
    expired obligations stay closed."""
    if obligation.state not in (ObligationState.MET, ObligationState.MET_LATE):
        return _refuse(obligation, "obligation-not-met")
    opened = replace(obligation, state=ObligationState.OPEN, closed_at=None, closed_by=None)
    return Transition(opened, obligation.state)


def excuse(obligation: Obligation, reason: str, at: datetime, by: int | None = None) -> Transition:
    """A supervisor excuses it; the reason is kept because accountability is built on it."""
    if obligation.state.closed:
        return _refuse(obligation, "obligation-closed")
    if not reason.strip():
        return _refuse(obligation, "obligation-excuse-needs-reason")
    return _close(obligation, ObligationState.EXCUSED, at, reason.strip(), by)


def expire(obligation: Obligation, at: datetime) -> Transition:
    """Give up on an open obligation whose period is over; only possible after due_at, since
    before it the assignee can still meet it."""
    if obligation.state.closed:
        return _refuse(obligation, "obligation-closed")
    if at <= obligation.due_at:
        return _refuse(obligation, "obligation-not-due-yet")
    return _close(obligation, ObligationState.EXPIRED, at)
