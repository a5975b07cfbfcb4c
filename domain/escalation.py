"""Escalation chains: which step of an obligation's chain runs when, and to whom it goes.

A chain is a list of steps at offsets from `due_at` (negative: reminders before the deadline);
a step may repeat at an interval until the next step takes over. Steps and their repeats
form one ordered sequence of *events*; the obligation remembers its position in it
(`step_reached`, `repeats_done`) and the time of the next event (`next_action_at`).

Catch-up after downtime: when the clock runs late, every event whose delivery time has
passed is *due*. Each escalation step still runs once, in chain order, because each of its
targets answers for the unit; what a later due event made pointless is skipped and reported
as superseded: reminders before the deadline, and earlier repeats of the same step. So a bot
down from 16:00 to 20:00 sends, for a 17:00 report, the late notice, the township's and the
office's escalation once each, and none of the four reminders or repeats it missed. Non-urgent
events are deferred by the calendar (quiet hours, holidays), so delivery times need not follow
the chain's order: an urgent step at 06:30 may fall due before a reminder deferred to 07:00,
and then supersedes it; an escalation step deferred that way is not skipped but goes out
first, with the urgent one. Closed obligations have no next event: escalation stops when met.

Who a step goes to is decided in domain/recipients.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from domain.calendar import WorkCalendar
from domain.obligations import Obligation, ObligationKind

MAX_OFFSET = timedelta(days=7)


class Target(StrEnum):
    ASSIGNEE = "assignee"  # the person, or the unit's liaisons
    DEPUTY = "deputy"  # the unit's deputies, or a person's cover (a resident's tracker)
    # The unit's liaisons: for a person's obligation (a resident's check-in) the level between
    # the tracker and the supervisors; for a unit's obligation the same people as `assignee`.
    LIAISON = "liaison"
    UNIT_GROUP = "unit_group"  # a message mentioning the assignees in the unit's work group
    SUPERVISOR = "supervisor"  # nearest supervisors up the tree, starting at the unit itself
    SUPERVISOR_UP = "supervisor+1"  # the supervisors one level above those
    OFFICE = "office"  # the root unit's supervisors


@dataclass(frozen=True, slots=True)
class Repeat:
    every: timedelta
    times: int  # repeats after the step itself


@dataclass(frozen=True, slots=True)
class Step:
    offset: timedelta
    targets: tuple[Target, ...]
    message: str  # message key; handlers render it
    urgent: bool = False  # goes out in quiet hours and on holidays
    repeat: Repeat | None = None


@dataclass(frozen=True, slots=True)
class Chain:
    kind: ObligationKind
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        offsets = [step.offset for step in self.steps]
        if any(a >= b for a, b in pairwise(offsets)):
            raise ValueError(f"{self.kind}: step offsets must be strictly increasing")


@dataclass(frozen=True, slots=True)
class ChainBook:
    """Every configured chain: one per obligation kind, and named ones an obligation may ask
    for instead (e.g. schools reporting on their own schedule)."""

    by_kind: Mapping[ObligationKind, Chain]
    named: Mapping[str, Chain] = field(default_factory=dict)

    def of(self, obligation: Obligation) -> Chain | None:
        """The obligation's chain; None for a name no longer configured."""
        if obligation.chain is not None:
            return self.named.get(obligation.chain)
        return self.by_kind.get(obligation.kind)


@dataclass(frozen=True, slots=True, order=True)
class Event:
    step: int
    repeat: int  # 0: the step itself; k: its k-th repeat
    at: datetime = field(compare=False)  # nominal time, before the calendar defers it


def events(obligation: Obligation, chain: Chain) -> Iterator[Event]:
    """Steps and repeats in chain order; a repeat at or after the next step's time is dropped,
    because the next step takes over from it."""
    times = [obligation.due_at + step.offset for step in chain.steps]
    for index, step in enumerate(chain.steps):
        yield Event(index, 0, times[index])
        if step.repeat is None:
            continue
        for k in range(1, step.repeat.times + 1):
            at = times[index] + k * step.repeat.every
            if index + 1 < len(times) and at >= times[index + 1]:
                break
            yield Event(index, k, at)


@dataclass(frozen=True, slots=True)
class Action:
    """A step to perform now."""

    event: Event
    step: Step
    superseded: tuple[Event, ...] = ()  # skipped by catch-up; record, never send

    def dedupe_key(self, obligation: Obligation) -> str:
        return f"{obligation.key}#{self.event.step}.{self.event.repeat}"


@dataclass(frozen=True, slots=True)
class Advance:
    obligation: Obligation  # position and next_action_at updated
    action: Action | None  # None when nothing is due yet (or the obligation is closed)


def _delivery(ob: Obligation, chain: Chain, event: Event, calendar: WorkCalendar) -> datetime:
    step = chain.steps[event.step]
    return calendar.deliver_at(event.at, urgent=step.urgent, kind=ob.kind, due_at=ob.due_at)


def _after(ob: Obligation, chain: Chain, position: tuple[int, int]) -> list[Event]:
    return [e for e in events(ob, chain) if (e.step, e.repeat) > position]


def schedule(obligation: Obligation, chain: Chain, calendar: WorkCalendar) -> Obligation:
    """Set next_action_at to the delivery time of the next event (None when closed or done)."""
    if obligation.state.closed:
        return replace(obligation, next_action_at=None)
    position = (obligation.step_reached, obligation.repeats_done)
    times = [_delivery(obligation, chain, e, calendar) for e in _after(obligation, chain, position)]
    return replace(obligation, next_action_at=min(times, default=None))


def _still_meaningful(due: list[Event], chain: Chain) -> list[Event]:
    """The due events worth sending when several are due at once (after downtime, or when
    quiet hours deferred them to the same morning).

    Every escalation step still runs once, in order: each target (the township, then the
    office) is answerable and must hear about it. What is dropped is what a later due event
    has made pointless: a reminder before the deadline once anything later is due, and a
    repeat once a later repeat of the same step is due.
    """
    latest = max(due)
    return [
        event
        for event in due
        if not any(other.step == event.step and other > event for other in due)
        and not (chain.steps[event.step].offset < timedelta(0) and event != latest)
    ]


def advance(obligation: Obligation, chain: Chain, calendar: WorkCalendar, now: datetime) -> Advance:
    """Perform the next meaningful due event (if any), move past it and reschedule.

    One event per call: the engine calls again while next_action_at is due, so overdue
    escalation steps each run once, in order, and each call is its own transaction.
    """
    if obligation.state.closed:
        return Advance(replace(obligation, next_action_at=None), None)
    position = (obligation.step_reached, obligation.repeats_done)
    pending = _after(obligation, chain, position)
    due = [e for e in pending if _delivery(obligation, chain, e, calendar) <= now]
    if not due:
        return Advance(schedule(obligation, chain, calendar), None)
    # An escalation step the calendar held back (a non-urgent one at night) goes out with a
    # later urgent one that is due: whoever is woken, the levels below must hear of it too,
    # and the position cannot come back for it later.
    latest = max(due)
    due = sorted(
        set(due)
        | {
            e
            for e in pending
            if e < latest and e.repeat == 0 and chain.steps[e.step].offset >= timedelta(0)
        }
    )
    chosen = min(_still_meaningful(due, chain))
    moved = replace(obligation, step_reached=chosen.step, repeats_done=chosen.repeat)
    superseded = tuple(e for e in pending if e < chosen)
    action = Action(chosen, chain.steps[chosen.step], superseded)
    return Advance(schedule(moved, chain, calendar), action)


# --- default chains ----------------------------------------------------------------------
# From how the source documents describe the work; every one can be replaced in [escalation].

_A, _D, _G, _L = Target.ASSIGNEE, Target.DEPUTY, Target.UNIT_GROUP, Target.LIAISON
_S, _S1, _O = Target.SUPERVISOR, Target.SUPERVISOR_UP, Target.OFFICE


def _m(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


def _h(hours: int) -> timedelta:
    return timedelta(hours=hours)


DEFAULT_CHAINS: Mapping[ObligationKind, Chain] = {
    chain.kind: chain
    for chain in (
        # Remind the liaison twice, tell liaison and deputy it is late, then the township,
        # then the county office. Missing a daily report wakes nobody: none is urgent.
        Chain(
            ObligationKind.UNIT_REPORT,
            (
                Step(_m(-60), (_A,), "obligation-unit-report-remind"),
                Step(_m(-15), (_A,), "obligation-unit-report-remind-soon"),
                Step(_m(0), (_A, _D), "obligation-unit-report-late"),
                Step(_m(30), (_S,), "obligation-unit-report-escalate"),
                Step(_h(2), (_O,), "obligation-unit-report-escalate-office"),
            ),
        ),
        # A monitored resident: reminders, then the tracker (人盯人) follows up hourly, then the
        # unit's liaison, then its supervisor. Never the unit group: that would expose who is
        # under monitoring.
        Chain(
            ObligationKind.HEALTH_CHECKIN,
            (
                Step(_h(-2), (_A,), "obligation-checkin-remind"),
                Step(_m(-30), (_A,), "obligation-checkin-remind-soon"),
                Step(_m(0), (_A, _D), "obligation-checkin-missed", repeat=Repeat(_h(1), 3)),
                Step(_h(3), (_L,), "obligation-checkin-escalate"),
                Step(_h(5), (_S,), "obligation-checkin-escalate"),
            ),
        ),
        # Test days: the evening before and two hours before, then the tracker, the liaison,
        # the unit's supervisor, and the level above.
        Chain(
            ObligationKind.TEST_DUE,
            (
                Step(_h(-24), (_A,), "obligation-test-remind"),
                Step(_h(-2), (_A,), "obligation-test-remind-soon"),
                Step(_m(0), (_A, _D), "obligation-test-missed"),
                Step(_h(2), (_L,), "obligation-test-escalate"),
                Step(_h(4), (_S,), "obligation-test-escalate"),
                Step(_h(24), (_S1,), "obligation-test-escalate-up"),
            ),
        ),
        # Notices are meant to be pushed again and again: the unit group is told publicly.
        Chain(
            ObligationKind.NOTICE_ACK,
            (
                Step(_m(-30), (_A,), "obligation-notice-remind"),
                Step(_m(0), (_A, _D), "obligation-notice-unconfirmed"),
                Step(_h(1), (_G,), "obligation-notice-group"),
                Step(_h(3), (_S,), "obligation-notice-escalate"),
                Step(_h(24), (_S1,), "obligation-notice-escalate-up"),
            ),
        ),
        # Verifying a lead cannot wait for the morning (24-hour duty, 即有即报): urgent.
        Chain(
            ObligationKind.VERIFICATION,
            (
                Step(_h(-2), (_A,), "obligation-verify-remind"),
                Step(_m(0), (_A, _D), "obligation-verify-overdue", urgent=True),
                Step(_h(1), (_S,), "obligation-verify-escalate", urgent=True),
                Step(_h(3), (_S1,), "obligation-verify-escalate-up", urgent=True),
                Step(_h(6), (_O,), "obligation-verify-escalate-office", urgent=True),
            ),
        ),
        # An immediate report (即有即报) or a positive result nobody has recorded as handled:
        # whoever had its alert (for a case `assignee` is domain.recipients.case_staff: the
        # liaison or their cover, the trackers) and the deputy, then up the tree to the
        # office, urgent throughout.
        Chain(
            ObligationKind.CASE_HANDLING,
            (
                Step(_m(0), (_A, _D), "obligation-case-unhandled", urgent=True),
                Step(_m(30), (_S,), "obligation-case-escalate", urgent=True),
                Step(_h(2), (_S1,), "obligation-case-escalate-up", urgent=True),
                Step(_h(4), (_O,), "obligation-case-escalate-office", urgent=True),
            ),
        ),
    )
}


DEFAULT_CHAIN_BOOK = ChainBook(DEFAULT_CHAINS)
