"""Retention: erase the personal fields of declarations whose measure ended long enough ago
(`privacy.retention_days`, domain/retention.py), with a receipt in the audit log; and the
admins' holds that keep a case under review from it (`/hold`).

The purge runs as a calendar job (scheduler/actions.py `purge_personal_data`). It works on
"everything due by today", so a missed run is made up by the next, and a second run finds
nothing more to erase: its receipt then says zero. Every run writes one receipt, so the log
shows the purge ran even when nothing was due. The receipt holds counts, never the data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.audit_targets import TargetKind, target
from domain.permissions import Actor
from domain.retention import ended_on, erase_answers, is_due
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories
from storage.repos.retention import ErasedCounts, RetentionCandidate

PURGE = "privacy.purge"
HOLD = "privacy.hold"
UNHOLD = "privacy.unhold"
RECEIPT_TARGET = "declarations"
NOT_ADMIN = "hold-not-admin"
NOT_FOUND = "hold-not-found"
NOT_HELD = "hold-not-held"


@dataclass(frozen=True, slots=True)
class PurgeReceipt:
    """What a run erased (counts of rows), and what it left because of holds."""

    declarations: int = 0
    checkins: int = 0
    tests: int = 0
    case_notes: int = 0
    excuses: int = 0
    outbox: int = 0  # messages about the erased records, their text cleared
    corrections: int = 0  # answered correction requests, their text and reason blanked
    drafts: int = 0
    held: int = 0  # due, but held back by an admin

    def detail(self) -> str:
        return " ".join(f"{key}={value}" for key, value in asdict(self).items())


def _held_chains(candidates: list[RetentionCandidate]) -> set[int]:
    """Ids held themselves or through a later version: holding a case keeps the versions the
    resident's updates superseded, which its card compares."""
    by_id = {c.id: c for c in candidates}
    held: set[int] = set()
    for candidate in candidates:
        seen: set[int] = set()
        current: RetentionCandidate | None = candidate
        while current is not None and current.id not in seen:
            if current.held:
                held.add(candidate.id)
                break
            seen.add(current.id)
            nxt = current.superseded_by
            current = by_id.get(nxt) if nxt is not None else None
    return held


async def purge(
    repos: Repositories, *, now: datetime, zone: ZoneInfo, retention_days: int
) -> PurgeReceipt:
    """Erase what is due at `now` and write the receipt (actor: the system)."""
    store = repos.retention
    today = now.astimezone(zone).date()
    candidates = await store.candidates()
    held_chains = _held_chains(candidates)
    due: list[int] = []
    residents: set[int] = set()
    held = 0
    for c in candidates:
        ended = ended_on(
            start=c.start_date,
            days=c.days,
            released=c.released_at.astimezone(zone).date() if c.released_at else None,
            superseded=c.superseded_at.astimezone(zone).date() if c.superseded_at else None,
        )
        if not is_due(ended, today, retention_days):
            continue
        if c.id in held_chains:
            held += 1
            continue
        due.append(c.id)
        if c.resident_id is not None:
            residents.add(c.resident_id)
    erased = await store.erase(due, erase_answers, now=now) if due else ErasedCounts()
    before = now - timedelta(days=retention_days)
    # A hold keeps the case as it was, the resident's requests about it included.
    keep = {c.resident_id for c in candidates if c.id in held_chains and c.resident_id}
    corrections = await store.blank_corrections(decided_before=before, keep=keep)
    outbox = await store.clear_outbox(await store.records_of(due, corrections))
    drafts = await store.drop_stale_drafts(residents, before)
    counts = asdict(erased) | {"outbox": outbox, "corrections": len(corrections)}
    receipt = PurgeReceipt(**counts, drafts=drafts, held=held)
    await repos.audit.record(
        at=now,
        actor_id=None,
        action=PURGE,
        target=RECEIPT_TARGET,
        allowed=True,
        detail=receipt.detail(),
    )
    return receipt


async def check_admin(
    repos: Repositories, actor: Actor, action: str, target: str, now: datetime
) -> None:
    """Refused (audited) unless the actor is an admin (settings.admins)."""
    if not actor.is_admin:
        await log_refusal(repos, actor, action, target, NOT_ADMIN, now)
        raise Refused(NOT_ADMIN)


async def hold(
    repos: Repositories, actor: Actor, declaration_id: int, reason: str, now: datetime
) -> None:
    """Keep a declaration from the purge (admins only); audited with the reason."""
    await check_admin(repos, actor, HOLD, target(TargetKind.DECLARATION, declaration_id), now)
    if not await repos.retention.set_hold(declaration_id, actor.telegram_id, reason, at=now):
        raise Refused(NOT_FOUND, id=declaration_id)
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=HOLD,
        target=target(TargetKind.DECLARATION, declaration_id),
        allowed=True,
        detail=reason,
    )


async def release_hold(
    repos: Repositories, actor: Actor, declaration_id: int, now: datetime
) -> None:
    """Let the purge take the declaration again (admins only); audited with the hold's reason."""
    await check_admin(repos, actor, UNHOLD, target(TargetKind.DECLARATION, declaration_id), now)
    stored = await repos.declarations.get(declaration_id)
    reason = stored.hold.reason if stored is not None and stored.hold is not None else None
    if not await repos.retention.clear_hold(declaration_id):
        raise Refused(NOT_HELD, id=declaration_id)
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=UNHOLD,
        target=target(TargetKind.DECLARATION, declaration_id),
        allowed=True,
        detail=reason,
    )
