"""What staff owe a case that must be acted on at once: an immediate report (即有即报) and a
positive test result each open a case_handling obligation that escalates along its own chain
until someone records the case as handled (services/cases.py). A positive result corrected
away no longer needs handling: its obligation is excused with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.cases import positive_handling, positive_key
from domain.followup import subject
from domain.obligations import ObligationKind
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
    obligation = positive_handling(declaration_id, unit_code, day, now + policy.within)
    await obligations.open_obligation(repos, policy.escalation, obligation, now=now)


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
