"""Two ledgers of follow-up work: the check-ins and tests owed on the period's days (with what
was recorded, or that nothing was), and the escalation log (every step taken, for whom)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime

from domain.declaration_steps import Step
from domain.escalation import Target
from domain.exports import ExportScope
from domain.obligations import ObligationKind, ObligationState
from domain.org import OrgTree
from services.declaration_support import mask_phone
from services.exports.ledger import Answer, Column, Label, Ledger, Masker, Row, nothing
from storage import Repositories
from storage.repos.exports import ExportRepository, FollowupLine

FOLLOWUP_COLUMNS = (
    Column("day", 11),
    Column("followup-kind", 10),
    Column("number", 8),
    Column("resident", 12),
    Column("phone", 15),
    Column("unit", 18),
    Column("code", 12),
    Column("followup-state", 12),
    Column("due-at", 18),
    Column("recorded-at", 18),
    Column("temperature", 10),
    Column("symptoms", 24),
    Column("test-result", 10),
)

ESCALATION_COLUMNS = (
    Column("at", 18),
    Column("unit", 18),
    Column("code", 12),
    Column("obligation-kind", 14),
    Column("obligation-period", 14),
    Column("due-at", 18),
    Column("step", 6),
    Column("repeat", 6),
    Column("target", 14),
    Column("outcome", 12),
    Column("recipient", 14),
    Column("covering-for", 14),
)


def _unit(tree: OrgTree, code: str) -> str:
    return tree.get(code).name if code in tree else code


def followup_state(line: FollowupLine) -> str:
    """done / late / missed / excused / open: the state column's key suffix."""
    return {
        ObligationState.MET: "done",
        ObligationState.MET_LATE: "late",
        ObligationState.EXPIRED: "missed",
        ObligationState.EXCUSED: "excused",
        ObligationState.OPEN: "open",
    }[line.state]


def followup_ledger(
    repos: Repositories,
    reads: ExportRepository,
    scope: ExportScope,
    tree: OrgTree,
    full_for: Masker,
) -> Ledger:
    codes = {unit.code for unit in tree.subtree(scope.unit_code)}
    ledger = Ledger(scope, _unit(tree, scope.unit_code), FOLLOWUP_COLUMNS, nothing())

    async def pages() -> AsyncIterator[list[Row]]:
        period = scope.period
        async for page in reads.followup(codes, period.first, period.last):
            declarations = await repos.declarations.many({line.declaration_id for line in page})
            rows: list[Row] = []
            for line in page:
                stored = declarations.get(line.declaration_id)
                d = stored.declaration if stored is not None and not stored.purged else None
                phone = None
                if d is not None:
                    phone = d.phone if full_for(line.unit_code) else mask_phone(d.phone)
                checkin = line.kind is ObligationKind.HEALTH_CHECKIN
                state = followup_state(line)
                ledger.summary[f"export-followup-{line.kind.value}-{state}"] += 1
                rows.append(
                    (
                        line.day,
                        Label(f"export-kind-{line.kind.value}"),
                        line.declaration_id,
                        d.name if d is not None else None,
                        phone,
                        _unit(tree, line.unit_code),
                        line.unit_code,
                        Label(f"export-followup-{state}"),
                        line.due_at,
                        line.recorded_at,
                        line.temperature,
                        _symptoms(line) if checkin and line.recorded_at else None,
                        Answer(Step.TESTRES, line.result) if line.result else None,
                    )
                )
            ledger.rows += len(rows)
            yield rows

    ledger.pages = pages()
    return ledger


def _symptoms(line: FollowupLine) -> Answer | None:
    return None if line.purged else Answer(Step.SYMPTOMS, list(line.symptoms))


def escalations_ledger(
    repos: Repositories,
    reads: ExportRepository,
    scope: ExportScope,
    tree: OrgTree,
    bounds: tuple[datetime, datetime],
) -> Ledger:
    codes = {unit.code for unit in tree.subtree(scope.unit_code)}
    ledger = Ledger(scope, _unit(tree, scope.unit_code), ESCALATION_COLUMNS, nothing())

    async def pages() -> AsyncIterator[list[Row]]:
        async for page in reads.escalations(codes, *bounds):
            people = {line.recipient for line in page if line.recipient and line.recipient > 0}
            people |= {line.covering_for for line in page if line.covering_for}
            names = {pid: p.name for pid, p in (await repos.people.many(people)).items()}
            rows: list[Row] = []
            for line in page:
                ledger.summary[f"export-outcome-{line.outcome}"] += 1
                recipient = line.recipient
                rows.append(
                    (
                        line.at,
                        _unit(tree, line.unit_code),
                        line.unit_code,
                        Label(f"export-kind-{line.kind.value}"),
                        _period(line.period),
                        line.due_at,
                        line.step,
                        line.repeat,
                        _target(line.target),
                        Label(f"export-outcome-{line.outcome}"),
                        names.get(recipient, str(recipient)) if recipient else None,
                        names.get(line.covering_for) if line.covering_for else None,
                    )
                )
            ledger.rows += len(rows)
            yield rows

    ledger.pages = pages()
    return ledger


def _period(period: str) -> date | str:
    """A day's obligation (a daily report, a check-in) is dated; other periods stay as text."""
    try:
        return date.fromisoformat(period)
    except ValueError:
        return period


_TARGETS = frozenset(target.value for target in Target)


def _target(target: str | None) -> Label | str | None:
    """Whom the step was for, in the reader's language (a value no chain has is shown as is)."""
    return Label(f"export-target-{target}") if target in _TARGETS else target
