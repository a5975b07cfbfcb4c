"""`/cases`: the residents under a measure in the units one calls for (liaisons, deputies,
trackers), and for supervisors the counts per unit below with drill-down. Every request,
pages and drill-downs included, is checked against the actor's roles again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.audit_targets import TargetKind, target
from domain.cases import CALLER_ROLES, may_open_case
from domain.obligations import ObligationState
from domain.org import OrgTree, Role, Unit
from domain.permissions import Actor, supervises
from domain.policy import Category
from services import audit_log
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories
from storage.repos.cases import MeasureRow

PAGE_SIZE = 10
NOT_STAFF = "cases-not-staff"
NOT_YOURS = "cases-unit-not-yours"
ACTION = "cases.list"


class CheckinToday(StrEnum):
    DONE = "done"
    MISSING = "missing"  # owed today, not (yet) done
    NOT_OWED = "not_owed"


class TestToday(StrEnum):
    DUE = "due"  # a test day, nothing recorded yet
    PENDING = "pending"
    NEGATIVE = "negative"
    POSITIVE = "positive"


@dataclass(frozen=True, slots=True)
class CaseLine:
    declaration_id: int
    name: str
    unit_name: str
    category: Category
    day: int  # day n of the measure
    days: int  # of N
    checkin: CheckinToday
    test: TestToday | None  # None: no test day
    immediate_report: bool
    no_action: bool  # nothing recorded about the case yet
    # Handling owed and not recorded (an immediate report, a positive, a check-in fever).
    handling_open: bool = False
    unlocated: int = 0  # places to locate: screening cannot see them until someone does


@dataclass(frozen=True, slots=True)
class CasePage:
    unit: str  # "" for all of the caller's units
    unit_name: str | None
    query: str
    lines: tuple[CaseLine, ...]
    page: int  # from 0
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class UnitCount:
    unit: Unit
    residents: int
    missing: int  # check-ins owed today and not done
    below: bool  # the unit has units below: drill down to its counts, else to its list
    own: bool = False  # only the residents registered at the unit itself


@dataclass(frozen=True, slots=True)
class CaseCounts:
    unit: Unit | None  # None: the caller's top units
    rows: tuple[UnitCount, ...]


def caller_units(actor: Actor) -> list[str]:
    return sorted({a.unit_code for a in actor.assignments if a.role in CALLER_ROLES})


def sees_counts(actor: Actor) -> bool:
    return actor.is_admin or bool(actor.units_with(Role.SUPERVISOR))


def _checkin(row: MeasureRow) -> CheckinToday:
    if row.checked_in or row.checkin_state in (ObligationState.MET, ObligationState.MET_LATE):
        return CheckinToday.DONE
    if row.checkin_state in (ObligationState.OPEN, ObligationState.EXPIRED):
        return CheckinToday.MISSING
    return CheckinToday.NOT_OWED


def _test(row: MeasureRow) -> TestToday | None:
    if row.test_result is not None:
        return TestToday(row.test_result)
    if row.test_state is None or row.test_state == ObligationState.EXCUSED:
        return None
    return TestToday.DUE


def _line(row: MeasureRow, tree: OrgTree, today: date) -> CaseLine:
    unit = tree.get(row.unit_code).name if row.unit_code in tree else row.unit_code
    return CaseLine(
        declaration_id=row.declaration_id,
        name=row.name or "-",
        unit_name=unit,
        category=row.category,
        day=(today - row.start_date).days + 1,
        days=row.days,
        checkin=_checkin(row),
        test=_test(row),
        immediate_report=row.immediate_report,
        no_action=row.actions == 0,
        handling_open=row.handling_open,
        unlocated=row.unlocated,
    )


async def _refuse(repos: Repositories, actor: Actor, target: str, key: str, now: datetime) -> None:
    await log_refusal(repos, actor, ACTION, target, key, now)
    raise Refused(key)


async def case_page(
    repos: Repositories,
    actor: Actor,
    *,
    unit: str,
    query: str,
    page: int,
    today: date,
    now: datetime,
) -> CasePage:
    """A page of the residents under a measure: of the caller's own units (`unit` ""), or of
    one unit the actor may work (its liaisons, deputies, trackers, supervisors, admins)."""
    tree = await repos.org.load_tree()
    if unit:
        if unit not in tree or not may_open_case(actor, unit, tree):
            await _refuse(repos, actor, f"unit {unit}", NOT_YOURS, now)
        units = [unit]
    else:
        units = caller_units(actor)
        if not units:
            await _refuse(repos, actor, "own units", NOT_STAFF, now)
    rows = await repos.cases.under_measure(units, today)
    lines = [_line(row, tree, today) for row in rows]
    query = query.strip()
    if query:
        needle = query.casefold()
        lines = [line for line in lines if needle in line.name.casefold()]
    lines.sort(key=lambda line: (-line.category.severity, line.name, line.declaration_id))
    pages = max(1, -(-len(lines) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    name = tree.get(unit).name if unit else None
    # The page shows these residents' names and state: each is a view of their record.
    targets = (target(TargetKind.DECLARATION, line.declaration_id) for line in shown)
    await audit_log.record_views(repos, actor, ACTION, targets, now, detail=f"page {page + 1}")
    return CasePage(unit, name, query, tuple(shown), page, pages, len(lines))


def _tops(actor: Actor, tree: OrgTree) -> list[Unit]:
    codes = [u.code for u in tree.roots()] if actor.is_admin else actor.units_with(Role.SUPERVISOR)
    tops = [tree.get(code) for code in codes if code in tree]
    # A supervisor of a unit and of one below it: the one below is in the first's counts.
    return [
        t for t in tops if not any(o.code != t.code and tree.contains(o.code, t.code) for o in tops)
    ]


def _count(
    unit: Unit, codes: Sequence[str], rows: Sequence[MeasureRow], tree: OrgTree
) -> UnitCount:
    wanted = set(codes)
    mine = [row for row in rows if row.unit_code in wanted]
    missing = sum(1 for row in mine if _checkin(row) is CheckinToday.MISSING)
    return UnitCount(unit, len(mine), missing, bool(tree.children(unit.code)))


async def case_counts(
    repos: Repositories, actor: Actor, *, unit: str, today: date, now: datetime
) -> CaseCounts:
    """Residents under a measure and check-ins missing today, per unit right below `unit`
    (the caller's top units for ""), for its supervisors and admins."""
    tree = await repos.org.load_tree()
    if unit:
        if unit not in tree or not (actor.is_admin or supervises(actor, unit, tree)):
            await _refuse(repos, actor, f"unit {unit}", NOT_YOURS, now)
        tops = [tree.get(unit)]
    else:
        tops = _tops(actor, tree)
        if not tops:
            await _refuse(repos, actor, "counts", NOT_STAFF, now)
    if len(tops) == 1:
        at: Unit | None = tops[0]
        parts = tree.children(tops[0].code)
    else:
        at, parts = None, tops
    everything = {u.code for top in tops for u in tree.subtree(top.code)}
    rows = await repos.cases.under_measure(everything, today)
    counts = [_count(p, [u.code for u in tree.subtree(p.code)], rows, tree) for p in parts]
    if at is not None:
        own = _count(at, [at.code], rows, tree)
        if own.residents or not parts:
            counts.insert(0, UnitCount(at, own.residents, own.missing, below=False, own=True))
    return CaseCounts(at, tuple(counts))
