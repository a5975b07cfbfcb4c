"""One living declaration per resident: which one is active, an explicit "nothing changed",
and merging an update's follow-up with the version it supersedes.

Active: the resident's latest own declaration not superseded, whose measure is still running
(the plan ends after today) or whose period started within the look-back window (a
registration without a measure stays "the declaration" for as long as re-screening would
read it). Older ones are history: /declare then starts a new declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain import followup
from domain.audit_targets import TargetKind, target
from domain.declarations import DeclarationStatus
from domain.followup import FollowupItem, FollowupPlan
from domain.obligations import ObligationKey, ObligationKind, ObligationState
from services.declaration_support import Scheduler
from services.declarations.model import FollowupConfig, owed_plan, plan_for
from storage import Repositories
from storage.repos.declarations import StoredDeclaration


@dataclass(frozen=True, slots=True)
class ActiveDeclaration:
    """The resident's active declaration as /declare and /mine show it."""

    stored: StoredDeclaration
    start: date
    end: date  # the first day after the period (== start without a measure of days)
    day: int  # today is day `day` of `days` (0 before the period starts, `days` after it)
    days: int
    # The period ran out (today is after its last day): the declaration stays the living one
    # for updates within the look-back window, but /mine and /declare say it ended.
    ended: bool = False


RETURNED = DeclarationStatus.RETURNED
RECONFIRM = "declaration.reconfirm"
UPDATE = "declaration.update"
STALE_UPDATE = "followup-update-stale"


def is_active(
    config: FollowupConfig, stored: StoredDeclaration, today: date, *, after_end: int = 0
) -> bool:
    """Its measure runs, or its start lies within the look-back window; `after_end`: or its
    measure ended at most this many days ago (what /mine still shows as ended)."""
    plan = plan_for(config, stored.classification, stored.start_date)
    window = today - timedelta(days=config.policy.lookback_days)
    runs = plan.end + timedelta(days=after_end) > today
    return stored.superseded_by is None and (runs or stored.start_date >= window)


async def active(
    repos: Repositories, config: FollowupConfig, resident_id: int, now: datetime
) -> ActiveDeclaration | None:
    """The resident's active declaration (see the module docstring), if any. One whose
    measure staff ended early is history: a new return is a new declaration."""
    found = await _current(repos, config, resident_id, now)
    return None if found is None or found.stored.release is not None else found


async def _current(
    repos: Repositories,
    config: FollowupConfig,
    resident_id: int,
    now: datetime,
    *,
    after_end: int = 0,
) -> ActiveDeclaration | None:
    """`active`, also when the measure was ended early (`after_end`: see is_active)."""
    stored = await repos.declarations.current_of(resident_id)
    today = now.astimezone(config.zone).date()
    return None if stored is None else as_active(config, stored, today, after_end=after_end)


def as_active(
    config: FollowupConfig, stored: StoredDeclaration, today: date, *, after_end: int = 0
) -> ActiveDeclaration | None:
    """The declaration as /declare shows it while it is active (is_active), else None."""
    if not is_active(config, stored, today, after_end=after_end):
        return None
    plan = plan_for(config, stored.classification, stored.start_date)
    days = (plan.end - plan.start).days
    day = min((today - plan.start).days + 1, days) if today >= plan.start else 0
    ended = days > 0 and today >= plan.end
    return ActiveDeclaration(stored, plan.start, plan.end, max(day, 0), days, ended)


async def reconfirm(
    repos: Repositories,
    config: FollowupConfig,
    resident_id: int,
    declaration_id: int,
    now: datetime,
) -> StoredDeclaration | None:
    """Record "nothing changed" for the resident's active declaration; None (and nothing
    recorded as confirmed) when `declaration_id` is not it any more."""
    found = await active(repos, config, resident_id, now)
    stored = found.stored if found is not None else None
    ok = stored is not None and stored.id == declaration_id
    await repos.audit.record(
        at=now,
        actor_id=resident_id,
        action=RECONFIRM,
        target=target(TargetKind.DECLARATION, declaration_id),
        allowed=ok,
        detail="nothing changed" if ok else "not the active declaration",
    )
    return stored if ok else None


@dataclass(frozen=True, slots=True)
class MyState:
    """What /mine shows a resident."""

    active: ActiveDeclaration
    next_test: date | None  # today or later
    checkin_today: bool | None  # done or not; None: no check-in owed today


async def my_state(
    repos: Repositories, config: FollowupConfig, resident_id: int, now: datetime
) -> MyState | None:
    """The resident's own state under their active declaration; None without one. A measure
    ended early is shown as such (stored.release) while it would otherwise still count; one
    ended by date is shown as ended for as long as the look-back window after its end, so the
    resident is not told to declare again the day after."""
    found = await _current(repos, config, resident_id, now, after_end=config.policy.lookback_days)
    if found is None:
        return None
    stored = found.stored
    if stored.release is not None:
        return MyState(found, None, None)
    today = now.astimezone(config.zone).date()
    plan = plan_for(config, stored.classification, stored.start_date)
    # The tests still owed (open obligations), not the plan's days: a test whose result is
    # recorded, or one excused or never opened (past when declared), is not "next".
    owed_tests = await repos.obligations.open_of_subject(
        ObligationKind.TEST_DUE, followup.subject(stored.id)
    )
    next_test = min(
        (day for day in (date.fromisoformat(o.period) for o in owed_tests) if day >= today),
        default=None,
    )
    checkin: bool | None = None
    if today in plan.checkin_days:
        key = ObligationKey(ObligationKind.HEALTH_CHECKIN, followup.subject(stored.id), str(today))
        owed = await repos.obligations.get(key)
        checkin = owed is not None and owed.state in (ObligationState.MET, ObligationState.MET_LATE)
    return MyState(found, next_test, checkin)


async def followup_anchor(repos: Repositories, stored: StoredDeclaration) -> datetime | None:
    """When the case's follow-up began: the submission of its first version declaring the
    return (an update keeps the test days that version moved, rather than moving them again
    from its own time); None when none of `stored` and its earlier versions declares it.
    One query per earlier version, only for an update."""
    versions = [stored]
    if stored.version > 1:
        versions += await repos.declarations.earlier_versions(stored.id)
    returned = [v.submitted_at for v in versions if v.declaration.status is RETURNED]
    return min(returned, default=None)


async def merge_followup(
    repos: Repositories,
    config: FollowupConfig,
    old: StoredDeclaration,
    new_id: int,
    plan: FollowupPlan,
    person: int,
    unit_code: str,
    now: datetime,
    anchor: datetime | None = None,
) -> tuple[int, int, int]:
    """Carry the old version's follow-up over to `new_id` with `plan`: what still applies
    (same kind and day) is moved, not doubled, done or not; what no longer applies is excused
    with the reason; what is new is opened. The case (its handling obligation, check-ins,
    tests and staff actions) moves with it, and the old version is marked superseded.
    (opened, kept, excused). `anchor`: the moment both plans were made with
    (followup_anchor of `old`)."""
    old_plan = owed_plan(
        plan_for(config, old.classification, old.start_date, anchor), old.declaration.status
    )
    change = followup.diff(old_plan, plan, now)
    new_slots = {(item.kind, item.day) for item in plan.items}
    kept: list[FollowupItem] = [i for i in old_plan.items if (i.kind, i.day) in new_slots]
    reason = f"updated by declaration {new_id}"
    excused = await repos.declarations.excuse_followup(
        [(old.id, item, reason) for item in change.to_excuse], at=now
    )
    moved = await repos.declarations.move_followup(old.id, new_id, kept, at=now)
    await repos.declarations.move_case(old.id, new_id, at=now)
    owed = Scheduler(config.escalation).obligations(change.to_open, new_id, person, unit_code)
    await repos.obligations.open_many(owed, now=now)
    await repos.declarations.supersede(old.id, new_id)
    return len(owed), moved, excused
