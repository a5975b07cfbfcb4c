"""Excusing an obligation from an escalation's button: the rights check, asked at every step.

services.obligations.excuse trusts its caller; a button press and the reason typed after it
both come from the client, so both go through `may_excuse` here, and refusals are audited.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.obligations import Obligation, ObligationKind
from domain.permissions import Actor, can_manage_unit
from services import obligations
from services.onboarding import log_refusal
from services.refusal import Refused
from services.reports.boards import mark_changed
from storage import Repositories

ACTION = "obligation.excuse"
MAX_REASON_LENGTH = 500
UNKNOWN = "obligation-unknown"


async def may_excuse(
    repos: Repositories, actor: Actor, obligation_id: int, *, now: datetime
) -> Obligation:
    """The obligation, if the actor may excuse it now; otherwise Refused (the refusals of a
    right are written to the audit log)."""
    obligation = await repos.obligations.get_by_id(obligation_id)
    if obligation is None:
        await log_refusal(repos, actor, ACTION, str(obligation_id), UNKNOWN, now)
        raise Refused(UNKNOWN)
    # A supervisor of the obligation's unit or above, or an admin: the people it escalates to.
    decision = can_manage_unit(actor, obligation.unit_code, await repos.org.load_tree())
    if not decision:
        reason = decision.reason_key or "perm-denied"
        await log_refusal(repos, actor, ACTION, str(obligation.key), reason, now)
        raise Refused(reason)
    if obligation.state.closed:
        raise Refused("obligation-closed")
    return obligation


async def excuse(
    repos: Repositories, actor: Actor, obligation_id: int, reason: str, *, now: datetime
) -> Obligation:
    """Check again (roles can change while the reason is typed), then excuse it; the excused
    obligation, or Refused."""
    await may_excuse(repos, actor, obligation_id, now=now)
    transition = await obligations.excuse(
        repos, obligation_id, reason, by=actor.telegram_id, at=now
    )
    if transition is None:  # pragma: no cover - may_excuse has just found it
        raise Refused(UNKNOWN)
    if transition.refusal_key is not None:
        raise Refused(transition.refusal_key)
    excused = transition.obligation
    if excused.kind is ObligationKind.UNIT_REPORT:
        # The groups' boards show the unit excused.
        await mark_changed(repos, excused.unit_code, date.fromisoformat(excused.period))
    return excused
