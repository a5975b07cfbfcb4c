"""Ledger exports (台账): who may export what, reading the ledger a page at a time, and the
audit entry of every export (who, kind, unit, period, rows; never the data).

The .xlsx file itself is written by texts/export_workbook.py (it is presentation: headers and
labels in the reader's language); /export and `python -m bot export` join the two.

Phone and ID numbers follow the alerts' rule (domain.exports.reads_full_numbers) for people;
the command line (the office) reads them masked unless it asks for them in full with a
purpose, which is logged (`record(..., purpose=...)`)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.exports import (
    EXPORT_ACTION,
    EXPORT_FULL_ACTION,
    NOT_ALLOWED,
    ExportKind,
    ExportScope,
    may_export,
    reads_full_numbers,
)
from domain.org import OrgTree
from domain.periods import DEFAULT_MAX_DAYS, check_period
from domain.permissions import Actor
from domain.reports import ReportPolicy
from services.audit_log import Period
from services.exports.declarations import declarations_ledger
from services.exports.followup import escalations_ledger, followup_ledger
from services.exports.ledger import Ledger, Masker
from services.exports.notices import notices_ledger
from services.exports.reports import reports_ledger
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories
from storage.repos.exports import ExportRepository

__all__ = ["Ledger", "Masker", "check", "masker", "open_ledger", "record"]


async def check(
    repos: Repositories,
    actor: Actor,
    scope: ExportScope,
    tree: OrgTree,
    today: date,
    now: datetime,
    max_days: int = DEFAULT_MAX_DAYS,
) -> None:
    """Refused (audited) for a unit the actor may not export, or a period no view may cover
    (inverted, ending after today, longer than `max_days`)."""
    if not may_export(actor, scope.unit_code, tree):
        await log_refusal(repos, actor, EXPORT_ACTION, scope.describe(), NOT_ALLOWED, now)
        raise Refused(NOT_ALLOWED)
    checked = check_period(scope.period, today, max_days)
    if checked.refusal is not None:
        raise Refused(checked.refusal)


def masker(actor: Actor | None, *, full: bool = False) -> Masker:
    """Whose numbers `actor` reads in full, by unit; for the command line (no actor), all of
    them when `full` (--full with a purpose), else none."""
    if actor is None:
        return lambda _code: full
    return lambda code: reads_full_numbers(actor, code)


def open_ledger(
    repos: Repositories,
    scope: ExportScope,
    tree: OrgTree,
    policy: ReportPolicy,
    zone: ZoneInfo,
    now: datetime,
    full_for: Masker,
) -> Ledger:
    """The ledger of `scope`, to be read once (its pages come from the database as read)."""
    reads = ExportRepository(repos.session)
    bounds = Period(scope.period.first, scope.period.last).bounds(zone)
    since, until = bounds
    # Both days are given, so both bounds are; for mypy.
    assert since is not None
    assert until is not None
    if scope.kind is ExportKind.REPORTS:
        return reports_ledger(repos, policy, scope, tree, now)
    if scope.kind is ExportKind.DECLARATIONS:
        today = now.astimezone(zone).date()
        return declarations_ledger(reads, scope, tree, full_for, today, (since, until))
    if scope.kind is ExportKind.FOLLOWUP:
        return followup_ledger(repos, reads, scope, tree, full_for)
    if scope.kind is ExportKind.NOTICES:
        return notices_ledger(repos, reads, scope, tree, (since, until))
    return escalations_ledger(repos, reads, scope, tree, (since, until))


async def record(
    repos: Repositories,
    actor_id: int | None,
    scope: ExportScope,
    rows: int,
    now: datetime,
    *,
    purpose: str | None = None,
) -> None:
    """The export's audit entry (`actor_id` None: the command line). A full-number export
    of the command line is its own action, with the purpose it was asked for."""
    await repos.audit.record(
        at=now,
        actor_id=actor_id,
        action=EXPORT_FULL_ACTION if purpose is not None else EXPORT_ACTION,
        target=scope.describe(),
        allowed=True,
        detail=f"rows {rows}" + (f"; purpose: {purpose}" if purpose is not None else ""),
    )
