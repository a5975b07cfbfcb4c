"""The report board's rules (domain.boards) and its text (texts.boards): marks before and after
the deadline, the tally, the post time, and a board that always fits in one message."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.config import Settings
from domain.boards import BoardMark, board, post_lead
from domain.escalation import DEFAULT_CHAIN_BOOK, Chain
from domain.obligations import Obligation, ObligationKind, ObligationState
from domain.org import Language, OrgTree, Unit, UnitKind
from domain.reports import FiledReport
from texts.boards import board_text
from texts.i18n import Translator
from texts.messaging import TELEGRAM_TEXT_LIMIT

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
DUE = datetime.combine(DAY, time(17), tzinfo=ZONE)
ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)


def tree(townships: int, villages: int) -> OrgTree:
    units = [Unit("county", "示范县", UnitKind.OFFICE)]
    units += [Unit(f"t{t}", f"第{t}镇", UnitKind.TOWNSHIP, "county") for t in range(townships)]
    units += [
        Unit(f"v{v}", f"很长很长的名字的第{v}村", UnitKind.VILLAGE, f"t{v % townships}")
        for v in range(villages)
    ]
    return OrgTree.of(units)


def owed(code: str, state: ObligationState = ObligationState.OPEN) -> Obligation:
    return Obligation(
        ObligationKind.UNIT_REPORT, code, DAY.isoformat(), code, code, DUE, state=state
    )


def filed(code: str, *, zero: bool = False, late: bool = False, version: int = 1) -> FiledReport:
    return FiledReport(code, DAY, version, zero, {}, 1, DUE - timedelta(hours=1), late)


def test_marks_follow_the_first_version_and_the_deadline() -> None:
    org = tree(1, 5)
    obligations = [owed(f"v{v}") for v in range(4)] + [owed("v4", ObligationState.EXCUSED)]
    versions = [
        filed("v0"),
        filed("v1", zero=True),
        filed("v1", version=2),  # a full correction of a zero report: still marked zero
        filed("v2", late=True),
    ]
    before = board(
        org, "t0", DAY, obligations, versions, now=DUE - timedelta(minutes=5), closed=False
    )
    assert [line.mark for line in before.lines] == [
        BoardMark.FILED,
        BoardMark.ZERO,
        BoardMark.LATE,
        BoardMark.PENDING,  # not yet due
        BoardMark.EXCUSED,
    ]
    assert (before.tally.expected, before.tally.submitted, before.pending) == (5, 3, 1)
    assert before.tally.missing == 0
    after = board(org, "t0", DAY, obligations, versions, now=DUE, closed=True)
    assert after.lines[3].mark is BoardMark.MISSING
    assert (after.tally.missing, after.pending) == (1, 0)
    assert after.due_at == DUE


def test_the_board_is_posted_with_the_first_reminder() -> None:
    chain = DEFAULT_CHAIN_BOOK.by_kind[ObligationKind.UNIT_REPORT]
    assert post_lead(chain) == -chain.steps[0].offset == timedelta(minutes=60)
    assert post_lead(None) == timedelta(0)
    assert post_lead(Chain(ObligationKind.UNIT_REPORT, ())) == timedelta(0)


def test_a_small_board_lists_every_unit_under_its_parent() -> None:
    org = tree(2, 4)
    shown = board(
        org, "county", DAY, [owed(f"v{v}") for v in range(4)], [filed("v0")], now=DUE, closed=False
    )
    text = board_text(EN, shown, ZONE)
    assert EN("board-parent", parent="第0镇") in text
    assert EN("board-line-filed", unit="很长很长的名字的第0村") in text
    assert EN("board-line-missing", unit="很长很长的名字的第1村") in text


def test_a_county_board_always_fits_in_one_message() -> None:
    org = tree(20, 1000)
    obligations = [owed(f"v{v}") for v in range(1000)]
    versions = [filed(f"v{v}") for v in range(1000) if v % 10]  # 100 have not filed
    shown = board(org, "county", DAY, obligations, versions, now=DUE, closed=True)
    text = board_text(ZH, shown, ZONE)
    assert len(text) <= TELEGRAM_TEXT_LIMIT
    # Too many to list: only the 100 not filed, and the counts say the rest.
    assert ZH("board-only-unfiled") in text
    assert ZH("board-line-missing", unit="很长很长的名字的第10村") in text
    assert ZH("board-line-filed", unit="很长很长的名字的第11村") not in text
    assert "1000" in text
    # Ten times as many missing: listed as far as they fit, the rest counted.
    none_filed = board(org, "county", DAY, obligations, [], now=DUE, closed=True)
    text = board_text(ZH, none_filed, ZONE)
    assert len(text) <= TELEGRAM_TEXT_LIMIT
    assert "……另有" in text


def test_the_board_settings_are_checked() -> None:
    board = Settings.model_validate(
        {"reports": {"board": {"edit_interval_s": 10, "mention_missing": True}}}
    ).reports.board.settings()
    assert (board.enabled, board.edit_interval, board.mention_missing) == (
        True,
        timedelta(seconds=10),
        True,
    )
    # Faster than Telegram lets a group be written to is refused, naming the key.
    with pytest.raises(ValidationError, match="edit_interval_s"):
        Settings.model_validate({"reports": {"board": {"edit_interval_s": 1}}})
    with pytest.raises(ValidationError, match="mentions"):
        Settings.model_validate({"reports": {"board": {"mentions": True}}})
