"""The report board: a group's view of its subtree's reports for one day, unit by unit.

A bound work or supervisors group gets one board a reporting day, posted with the first
reminder, edited as reports arrive and closed at the deadline. It carries unit names and
counts only, never who filed or what was reported. Before a unit's deadline a unit without a
report is "not yet due" (待报), after it "missing" (未报).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.escalation import Chain
from domain.obligations import Obligation, ObligationState
from domain.org import GroupPurpose, OrgTree, Unit
from domain.reports import FiledReport, Tally, UnitStatus, status_of

# The purposes of the groups that get a board.
BOARD_PURPOSES = (GroupPurpose.WORK, GroupPurpose.SUPERVISORS)


@dataclass(frozen=True, slots=True)
class BoardSettings:
    """[reports.board] as plain values."""

    enabled: bool = True
    # At most one edit of a board in this interval: coalesces a burst of filings.
    edit_interval: timedelta = timedelta(seconds=5)
    # At the deadline, a message in the work group mentioning the liaisons of units still
    # missing (their names, as Telegram mentions).
    mention_missing: bool = False


@dataclass(frozen=True, slots=True)
class ReportBoard:
    """A stored board: which group, whose subtree, which day, and where it stands."""

    id: int
    chat_id: int
    unit_code: str
    purpose: GroupPurpose
    day: date
    message_id: int | None  # None until the sender has posted it
    dirty: bool  # a filing changed it since it was last rendered
    closed: bool
    revision: int  # edits written so far
    edited_at: datetime | None


class BoardMark(StrEnum):
    FILED = "filed"  # a full report, on time
    ZERO = "zero"  # a zero report, on time
    LATE = "late"  # filed after the deadline
    EXCUSED = "excused"
    PENDING = "pending"  # not filed, deadline still ahead: not yet due
    MISSING = "missing"  # not filed, deadline passed


@dataclass(frozen=True, slots=True)
class BoardLine:
    unit: Unit
    parent: Unit | None  # the unit it is listed under (None: the board's own unit)
    mark: BoardMark


@dataclass(frozen=True, slots=True)
class Board:
    root: Unit
    day: date
    lines: tuple[BoardLine, ...]  # every owing unit, in tree order
    tally: Tally  # counts only (no totals): expected, filed, zero, late, excused, missing
    pending: int  # not filed and not yet due
    due_at: datetime | None  # the latest deadline of its units
    closed: bool


def mark_of(
    report: FiledReport | None, excused: bool, due_at: datetime, now: datetime
) -> BoardMark:
    status = status_of(report, excused)
    if status is UnitStatus.MISSING:
        return BoardMark.PENDING if now < due_at else BoardMark.MISSING
    return {
        UnitStatus.SUBMITTED: BoardMark.FILED,
        UnitStatus.ZERO: BoardMark.ZERO,
        UnitStatus.LATE: BoardMark.LATE,
        UnitStatus.EXCUSED: BoardMark.EXCUSED,
    }[status]


def board(
    tree: OrgTree,
    root_code: str,
    day: date,
    owed: Iterable[Obligation],
    versions: Iterable[FiledReport],
    *,
    now: datetime,
    closed: bool,
) -> Board:
    """The board of `root_code`'s subtree: every unit owing a report (`owed`, the day's
    unit_report obligations), marked by its first version (`versions`, any units)."""
    subtree = [unit for unit in tree.subtree(root_code)]
    by_code = {ob.unit_code: ob for ob in owed}
    first: dict[str, FiledReport] = {}
    for report in versions:
        if report.day != day:
            continue
        known = first.get(report.unit_code)
        if known is None or report.version < known.version:
            first[report.unit_code] = report
    lines: list[BoardLine] = []
    counts = dict.fromkeys(BoardMark, 0)
    zero = 0
    for unit in subtree:
        obligation = by_code.get(unit.code)
        if obligation is None:
            continue
        filed = first.get(unit.code)
        mark = mark_of(filed, obligation.state is ObligationState.EXCUSED, obligation.due_at, now)
        counts[mark] += 1
        zero += filed is not None and filed.zero
        parent = None if unit.code == root_code else tree.get(unit.parent_code or root_code)
        lines.append(BoardLine(unit, parent, mark))
    tally = Tally(
        expected=len(lines),
        submitted=counts[BoardMark.FILED] + counts[BoardMark.ZERO] + counts[BoardMark.LATE],
        zero=zero,
        late=counts[BoardMark.LATE],
        excused=counts[BoardMark.EXCUSED],
        missing=counts[BoardMark.MISSING],
    )
    dues = [by_code[line.unit.code].due_at for line in lines]
    return Board(
        tree.get(root_code),
        day,
        tuple(lines),
        tally,
        counts[BoardMark.PENDING],
        max(dues, default=None),
        closed,
    )


def post_lead(chain: Chain | None) -> timedelta:
    """How long before a deadline the board is posted: with the chain's first reminder (a step
    before the deadline), else at the deadline itself."""
    if chain is None or not chain.steps:
        return timedelta(0)
    return max(-chain.steps[0].offset, timedelta(0))
