"""Excusing an obligation from an escalation's button: the rights check, asked at every step.

services.obligations.excuse trusts its caller; a button press and the reason typed after it
both come from the client, so both go through `may_excuse` here, and refusals are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.obligations import Obligation
from domain.permissions import Actor, can_manage_unit
from services import obligations
from services.onboarding import log_refusal
from storage import Repositories

ACTION = "obligation.excuse"
MAX_REASON_LENGTH = 500


@dataclass(frozen=True, slots=True)
class ExcuseOutcome:
    key: str  # message key: what happened or why not
    ok: bool
    obligation: Obligation | None = None


async def may_excuse(
    repos: Repositories, actor: Actor, obligation_id: int, *, now: datetime
) -> ExcuseOutcome:
    """Whether the actor may excuse this obligation now; refusals are written to the audit log."""
    obligation = await repos.obligations.get_by_id(obligation_id)
    if obligation is None:
        await log_refusal(repos, actor, ACTION, str(obligation_id), "obligation-unknown", now)
        return ExcuseOutcome("obligation-unknown", ok=False)
    # A supervisor of the obligation's unit or above, or an admin: the people it escalates to.
    decision = can_manage_unit(actor, obligation.unit_code, await repos.org.load_tree())
    if not decision:
        reason = decision.reason_key or "perm-denied"
        await log_refusal(repos, actor, ACTION, str(obligation.key), reason, now)
        return ExcuseOutcome(reason, ok=False, obligation=obligation)
    if obligation.state.closed:
        return ExcuseOutcome("obligation-closed", ok=False, obligation=obligation)
    return ExcuseOutcome("excuse-ask-reason", ok=True, obligation=obligation)


async def excuse(
    repos: Repositories, actor: Actor, obligation_id: int, reason: str, *, now: datetime
) -> ExcuseOutcome:
    """Check again (roles can change while the reason is typed), then excuse it."""
    allowed = await may_excuse(repos, actor, obligation_id, now=now)
    if not allowed.ok:
        return allowed
    transition = await obligations.excuse(
        repos, obligation_id, reason, by=actor.telegram_id, at=now
    )
    if transition is None:  # pragma: no cover - may_excuse has just found it
        return ExcuseOutcome("obligation-unknown", ok=False)
    if transition.refusal_key is not None:
        return ExcuseOutcome(transition.refusal_key, ok=False, obligation=transition.obligation)
    return ExcuseOutcome("excuse-done", ok=True, obligation=transition.obligation)
