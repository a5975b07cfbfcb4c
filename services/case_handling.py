"""What staff owe a case that must be acted on at once: an immediate report (即有即报), a
positive test result and a fever at the daily check-in each open a case_handling obligation
that escalates along its own chain until someone records the case as handled
(services/cases.py). A positive result corrected away no longer needs handling: its
obligation is excused with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.cases import (
    Owed,
    fever_handling,
    handling_key,
    handling_obligation,
    owed_of,
    positive_handling,
    positive_key,
    reclassified_handling,
)
from domain.followup import subject
from domain.obligations import Obligation, ObligationKind
from services import obligations
from services.obligations import EscalationPolicy
from storage import Repositories


@dataclass(frozen=True, slots=True)
class HandlingPolicy:
    """The configured chains and how long staff have to record a case as handled."""

    escalation: EscalationPolicy
    within: timedelta


async def owe_positive(
    repos: Repositories,
    policy: HandlingPolicy,
    declaration_id: int,
    unit_code: str,
    day: date,
    *,
    now: datetime,
) -> None:
    """A positive result of `day`: handled within the configured time, or it escalates (once
    per test day: a second recording of it does not open another)."""
    owed = positive_handling(declaration_id, unit_code, day, now + policy.within)
    await obligations.open_obligation(repos, policy.escalation, owed, now=now)


async def owe_fever(
    repos: Repositories,
    policy: HandlingPolicy,
    declaration_id: int,
    unit_code: str,
    day: date,
    *,
    now: datetime,
) -> None:
    """A fever at the check-in of `day` (alerted as 即有即报): as a positive result, once per
    check-in day."""
    owed = fever_handling(declaration_id, unit_code, day, now + policy.within)
    await obligations.open_obligation(repos, policy.escalation, owed, now=now)


async def release_positive(
    repos: Repositories, declaration_id: int, day: date, reason: str, *, by: int, at: datetime
) -> None:
    """The positive of `day` was corrected away: its handling, if still owed, is excused."""
    owed = await repos.obligations.get(positive_key(declaration_id, day))
    if owed is not None and owed.id is not None and not owed.state.closed:
        await obligations.excuse(repos, owed.id, reason, by=by, at=at)


async def handled(repos: Repositories, declaration_id: int, *, by: int, at: datetime) -> None:
    """The case was recorded as handled: every handling it still owes stops escalating."""
    owed = await repos.obligations.open_of_subject(
        ObligationKind.CASE_HANDLING, subject(declaration_id)
    )
    for obligation in owed:
        await obligations.meet(repos, obligation.key, at=at, by=by)


async def immediate_owed(
    repos: Repositories,
    declaration_id: int,
    unit_code: str,
    version: int,
    due_at: datetime,
    *,
    was_immediate: bool,
    category_changed: bool,
) -> Obligation | None:
    """The handling a version `version` that is an immediate report (即有即报) newly owes, to
    be opened on its chain; None when it owes none. Owed when the earlier version was no
    immediate report, or was one of another category whose handling is already recorded (a
    new event: 发热门诊 → 集中隔离 needs a transfer). Never a second one while an immediate
    report's handling is still open: that deadline stands. The case's handling obligations
    are on `declaration_id` already (an update has moved them: merge_followup)."""
    if was_immediate and not category_changed:
        return None
    owed = await repos.obligations.open_of_subject(
        ObligationKind.CASE_HANDLING, subject(declaration_id)
    )
    if any(owed_of(ob.period)[0] is Owed.IMMEDIATE for ob in owed):
        return None
    if await repos.obligations.get(handling_key(declaration_id)) is None:
        return handling_obligation(declaration_id, unit_code, due_at)
    # The first handling is on file (and closed): a period of its own for this event.
    return reclassified_handling(declaration_id, unit_code, version, due_at)
