"""Working a declaration's case from its alert: the case card, recording that the person was
reached or the case handled, and showing the full number to someone who sees it masked. Each
is checked against the actor's roles and written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.case_reasons import CaseReasons, case_reasons
from domain.cases import (
    CaseEntry,
    CaseStep,
    CheckinLine,
    TestLine,
    handling_key,
    is_caller,
    may_open_case,
)
from domain.org import Person
from domain.permissions import Actor
from services import obligations
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories
from storage.repos.declarations import StoredDeclaration

NOT_YOURS = "case-not-yours"
VIEW, RECORD, UNMASK = "case.view", "case.record", "case.unmask"
MAX_NOTE = 500


@dataclass(frozen=True, slots=True)
class Case:
    stored: StoredDeclaration
    unit_name: str
    reasons: CaseReasons
    full_phone: bool  # the reader must call: the number in full
    checkins: tuple[CheckinLine, ...]
    tests: tuple[TestLine, ...]
    entries: tuple[CaseEntry, ...]
    names: dict[int, str]  # who recorded the entries


async def _allowed(
    repos: Repositories, actor: Actor, declaration_id: int, action: str, now: datetime
) -> StoredDeclaration:
    stored = await repos.declarations.get(declaration_id)
    tree = await repos.org.load_tree()
    if stored is None or not may_open_case(actor, stored.unit_code, tree):
        await log_refusal(repos, actor, action, f"declaration {declaration_id}", NOT_YOURS, now)
        raise Refused(NOT_YOURS)
    return stored


async def _audit(
    repos: Repositories,
    actor: Actor,
    action: str,
    stored: StoredDeclaration,
    now: datetime,
    detail: str | None = None,
) -> None:
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=action,
        target=f"declaration {stored.id}",
        allowed=True,
        detail=detail,
    )


async def check_access(
    repos: Repositories, actor: Actor, declaration_id: int, *, now: datetime
) -> None:
    """Refused (audited) unless the actor works this declaration's case."""
    await _allowed(repos, actor, declaration_id, RECORD, now)


async def open_case(
    repos: Repositories, actor: Actor, declaration_id: int, *, fever_threshold: float, now: datetime
) -> Case:
    """The case card's content; every opening is audited."""
    stored = await _allowed(repos, actor, declaration_id, VIEW, now)
    await _audit(repos, actor, VIEW, stored, now)
    tree = await repos.org.load_tree()
    entries = await repos.cases.entries(stored.id)
    people: dict[int, Person] = await repos.people.many(e.by for e in entries)
    unit = tree.get(stored.unit_code).name if stored.unit_code in tree else stored.unit_code
    return Case(
        stored,
        unit,
        case_reasons(stored.declaration, stored.classification, stored.facts, fever_threshold),
        is_caller(actor, stored.unit_code),
        tuple(await repos.cases.checkins(stored.id)),
        tuple(await repos.cases.tests(stored.id)),
        tuple(entries),
        {p: person.name for p, person in people.items()},
    )


async def record(
    repos: Repositories,
    actor: Actor,
    declaration_id: int,
    step: CaseStep,
    note: str | None,
    *,
    now: datetime,
) -> StoredDeclaration:
    """Record that the person was reached or the case handled (`note`: what was done)."""
    stored = await _allowed(repos, actor, declaration_id, RECORD, now)
    note = note.strip()[:MAX_NOTE] if note else None
    await repos.cases.add(stored.id, step, note, by=actor.telegram_id, at=now)
    if step is CaseStep.HANDLED:
        # Handled: the immediate report's escalation (if any) stops here.
        await obligations.meet(repos, handling_key(stored.id), at=now, by=actor.telegram_id)
    # The note is about a person's health: the audit keeps who did what, not the note.
    await _audit(repos, actor, RECORD, stored, now, detail=step.value)
    return stored


async def reveal_phone(
    repos: Repositories, actor: Actor, declaration_id: int, *, now: datetime
) -> str | None:
    """The full number for someone allowed to open the case who sees it masked; audited."""
    stored = await _allowed(repos, actor, declaration_id, UNMASK, now)
    await _audit(repos, actor, UNMASK, stored, now)
    return stored.declaration.phone
