"""The follow-up a classification sets in motion: which days a resident checks in (temperature
and symptoms) and which days they are tested, each due at a local time of day.

Pure: the caller hands in the classification, the day the period starts, the due times and
the zone. The service turns the items into obligations (one per kind and day, subject
`declaration:<id>`), so opening the same plan twice finds what is already there.

The period starts on the arrival day if the declaration gives one, else the planned return
day, else the local day the declaration was submitted: the measures count from arrival, and a
declaration filed before the journey counts from when the resident plans to be back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.declarations import Declaration
from domain.obligations import ObligationKey, ObligationKind
from domain.policy import Classification, Measure


def start_date(declaration: Declaration, submitted_at: datetime, zone: ZoneInfo) -> date:
    """The local day the measure's period starts (see the module docstring)."""
    if declaration.arrival is not None:
        arrival = declaration.arrival
        # A naive arrival is what the resident typed: already local.
        return (arrival.astimezone(zone) if arrival.tzinfo is not None else arrival).date()
    if declaration.planned_date is not None:
        return declaration.planned_date
    return submitted_at.astimezone(zone).date()


def subject(declaration_id: int) -> str:
    """The obligations' subject for a declaration."""
    return f"declaration:{declaration_id}"


def declaration_of(subject_: str) -> int | None:
    """The declaration an obligation's subject names; None for another subject."""
    prefix, _, number = subject_.partition(":")
    return int(number) if prefix == "declaration" and number.isdecimal() else None


@dataclass(frozen=True, slots=True, order=True)
class FollowupItem:
    """One thing owed: a check-in or a test on a day, due at a local time of it."""

    day: date
    kind: ObligationKind  # HEALTH_CHECKIN or TEST_DUE
    due_at: datetime  # timezone-aware

    def key(self, declaration_id: int) -> ObligationKey:
        return ObligationKey(self.kind, subject(declaration_id), self.day.isoformat())


@dataclass(frozen=True, slots=True)
class FollowupPlan:
    start: date
    end: date  # the first day after the period (== start when the measure has no days)
    checkin_days: tuple[date, ...]
    test_dates: tuple[date, ...]
    items: tuple[FollowupItem, ...]  # by day, check-in before test on the same day

    def pending(self, now: datetime) -> tuple[FollowupItem, ...]:
        """The items still ahead: one already past its deadline is not opened (nobody could
        have been reminded of it; opening it would only escalate at once)."""
        return tuple(item for item in self.items if item.due_at > now)

    def days_ahead(self, kind: ObligationKind, now: datetime) -> tuple[date, ...]:
        """The days of `kind` among the pending items: what the resident can still do, and
        so all they are told of (a test due at 10:00 is not "today" at 23:48)."""
        return tuple(item.day for item in self.pending(now) if item.kind is kind)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


def plan(
    measure: Measure | Classification,
    start: date,
    *,
    checkin_due: time,
    test_due: time,
    zone: ZoneInfo,
    declared_at: datetime | None = None,
) -> FollowupPlan:
    """The plan for a period starting on `start`: a check-in on each day of the period when
    the measure asks for daily check-ins, a test on each of its test days.

    `declared_at`: when the case's follow-up began (its first version declaring the return,
    services.declarations.update.followup_anchor). A test day whose due time had passed by
    then moves to the next day of the period without a test (see `moved_tests`); check-ins
    past by then are not moved (one a day, a day is a day).

    The dialog only takes dates within months of today, but a stored declaration is data:
    a period running past the last day a date can hold is cut there rather than failing
    the declaration (or a re-screening) with an OverflowError."""
    if isinstance(measure, Classification):
        measure = measure.measure
    room = (date.max - start).days
    if measure.days > room or any(offset > room for offset in measure.test_offsets):
        offsets = tuple(offset for offset in measure.test_offsets if offset <= room)
        measure = replace(measure, days=min(measure.days, room), test_offsets=offsets)
    checkin_days = (
        tuple(start + timedelta(days=offset) for offset in range(measure.days))
        if measure.checkins
        else ()
    )
    test_dates = measure.test_dates(start)
    if declared_at is not None:
        end = measure.end(start)
        test_dates = moved_tests(test_dates, end, declared_at, test_due=test_due, zone=zone)
    items = [
        FollowupItem(day, ObligationKind.HEALTH_CHECKIN, _at(day, checkin_due, zone))
        for day in checkin_days
    ]
    items += [
        FollowupItem(day, ObligationKind.TEST_DUE, _at(day, test_due, zone)) for day in test_dates
    ]
    items.sort(key=lambda item: (item.day, item.kind is ObligationKind.TEST_DUE))
    return FollowupPlan(start, measure.end(start), checkin_days, test_dates, tuple(items))


def moved_tests(
    days: tuple[date, ...], end: date, declared_at: datetime, *, test_due: time, zone: ZoneInfo
) -> tuple[date, ...]:
    """Test days as owed from `declared_at` on: one whose due time had passed moves to the
    first later day (before `end`) whose due time is still ahead and that has no test, in
    order; with no such day it stays where it was (past: never opened nor told). A resident
    declared after the test time of their day-1 test is tested the next day, not 12 days later
    (the result message lists no past day, and the obligation engine opens none)."""
    taken: set[date] = set()
    moved: list[date] = []
    past = [day for day in days if _at(day, test_due, zone) <= declared_at]
    ahead = [day for day in days if _at(day, test_due, zone) > declared_at]
    taken.update(ahead)
    first = declared_at.astimezone(zone).date()
    for day in past:
        candidate = max(day, first)
        while candidate < end and (
            candidate in taken or _at(candidate, test_due, zone) <= declared_at
        ):
            candidate += timedelta(days=1)
        if candidate < end:
            taken.add(candidate)
            moved.append(candidate)
        else:
            moved.append(day)
    return tuple(sorted(set(moved) | set(ahead)))


# A measure without days (a fever-clinic referral) stays on the staff's list for its start
# day and the next, and after that for as long as its handling (即有即报) is still owed: the
# referral is exactly the person staff must follow, though no period runs.
REFERRAL_LISTED_DAYS = 2


def staff_follow(start: date, days: int, today: date, *, handling_open: bool) -> bool:
    """Whether a current declaration with a measure of `days` from `start` is one staff
    follow on `today` (the case list): its period runs, or it is a referral (no days) still
    listed (REFERRAL_LISTED_DAYS, or its handling not recorded yet)."""
    if today < start:
        return False
    if days > 0:
        return today < start + timedelta(days=days)
    return handling_open or today < start + timedelta(days=REFERRAL_LISTED_DAYS)


@dataclass(frozen=True, slots=True)
class PlanChange:
    """What re-classification changes: items to open (in the new plan, still ahead) and
    items to excuse (in the old plan only, still ahead); what is past stays as it was."""

    to_open: tuple[FollowupItem, ...]
    to_excuse: tuple[FollowupItem, ...]

    @property
    def empty(self) -> bool:
        return not self.to_open and not self.to_excuse


def _slots(items: Iterable[FollowupItem]) -> set[tuple[ObligationKind, date]]:
    return {(item.kind, item.day) for item in items}


def diff(old: FollowupPlan, new: FollowupPlan, now: datetime) -> PlanChange:
    """Compare by (kind, day): the obligation's natural key for one declaration."""
    old_slots, new_slots = _slots(old.items), _slots(new.items)
    return PlanChange(
        to_open=tuple(i for i in new.pending(now) if (i.kind, i.day) not in old_slots),
        to_excuse=tuple(i for i in old.pending(now) if (i.kind, i.day) not in new_slots),
    )
