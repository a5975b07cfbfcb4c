"""Opening, meeting and excusing obligations: what every capability calls, in its own transaction.

Reports, check-ins and acknowledgements only open obligations and meet them; reminders and
escalation follow from the stored obligation and its chain (scheduler/engine.py). Meeting
happens in the caller's transaction, so the report and the end of its escalation commit
together, and the clock, which locks the rows it steps, can never send a step for an
obligation that a committed report has met.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from domain import obligations as rules
from domain.calendar import WorkCalendar
from domain.escalation import ChainBook, schedule
from domain.obligations import Obligation, ObligationKey, Transition
from domain.org import GroupPurpose
from domain.permissions import STAFF_ROLES
from domain.recipients import Directory
from storage import Repositories


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """The configured chains and calendar."""

    chains: ChainBook
    calendar: WorkCalendar


async def open_obligation(
    repos: Repositories, policy: EscalationPolicy, obligation: Obligation, *, now: datetime
) -> tuple[Obligation, bool]:
    """Store it with its first action scheduled; an existing one (same key) is returned as is."""
    chain = policy.chains.of(obligation)
    if chain is None:
        raise ValueError(f"{obligation.key}: no escalation chain named {obligation.chain!r}")
    scheduled = schedule(obligation, chain, policy.calendar)
    return await repos.obligations.open(scheduled, now=now)


async def meet(
    repos: Repositories, key: ObligationKey, *, at: datetime, by: int | None = None
) -> Transition | None:
    """Close it as met (met_late after the deadline); None when no such obligation exists."""
    obligation = await repos.obligations.get(key, lock=True)
    if obligation is None:
        return None
    return await meet_locked(repos, obligation, at=at, by=by)


async def meet_locked(
    repos: Repositories, obligation: Obligation, *, at: datetime, by: int | None = None
) -> Transition:
    """`meet` for an obligation the caller has read under its lock in this transaction."""
    transition = rules.meet(obligation, at)
    if transition.changed:
        await repos.obligations.save(_closed_by(transition.obligation, by), now=at)
    return transition


async def excuse(
    repos: Repositories, obligation_id: int, reason: str, *, by: int, at: datetime
) -> Transition | None:
    """A supervisor excuses it with a reason; the caller has checked the supervisor's rights.
    None when no such obligation exists."""
    obligation = await repos.obligations.get_by_id(obligation_id, lock=True)
    if obligation is None:
        return None
    transition = rules.excuse(obligation, reason, at, by)
    if transition.changed:
        await repos.obligations.save(transition.obligation, now=at)
        await repos.audit.record(
            actor_id=by,
            action="obligation.excuse",
            target=str(obligation.key),
            allowed=True,
            detail=transition.obligation.excuse_reason,
            at=at,
        )
    return transition


def _closed_by(obligation: Obligation, by: int | None) -> Obligation:
    return replace(obligation, closed_by=by) if by is not None else obligation


async def load_directory(repos: Repositories, on: date) -> Directory:
    """Who holds which staff role where, the work groups, and who is away on `on` or cannot
    be written to: what resolving recipients and covers needs, loaded in one place."""
    return Directory.of(
        await repos.org.load_tree(),
        await repos.roles.all_holding(STAFF_ROLES),
        await repos.groups.with_purpose(GroupPurpose.WORK),
        away_until=await repos.absences.away_on(on),
        unreachable=await repos.people.unreachable_ids(),
    )
