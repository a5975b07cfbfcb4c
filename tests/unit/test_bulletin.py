"""The weekly bulletin (domain/bulletin.py, texts/bulletin.py): ranking order, the praised
and flagged units, the week read from a command, and the text in both languages."""

from __future__ import annotations

from datetime import date

import pytest

from domain.bulletin import (
    WEEK_INVALID,
    WEEK_NOT_OVER,
    Bulletin,
    BulletinSettings,
    build,
    last_full_week,
    looks_like_week,
    read_week,
    week_label,
)
from domain.org import Language, OrgTree, Unit, UnitKind
from domain.periods import Period
from domain.stats import NewDeclaration, NoticeConfirmation, compute
from texts.bulletin import MOST_LINES, bulletin_text
from texts.i18n import Html, Translator

from .test_stats import TREE, WEEK, E, L, M, S, Z, reports

ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)


def county_week() -> Bulletin:
    records = [
        *reports("east", [S, S, L, M, S]),  # 3/5 on time, 1 late, 1 missed
        *reports("west", [S, Z, S, S, E]),  # every owed report on time (one excused)
        *reports("north", [M, M, S, S, S]),  # 3/5, 2 missed
    ]
    news = [NewDeclaration("east", WEEK.first, "home_quarantine", "mid")]
    return build(compute(TREE, "county", WEEK, records, declarations=news))


def test_the_ranking_is_of_the_sub_units_best_first() -> None:
    bulletin = build(compute(TREE, "county", WEEK, [*reports("east", [S, S, L, M, S]),
        *reports("west", [S, Z, S, S, E]), *reports("north", [M, M, S, S, S])]))  # fmt: skip
    # 城关镇 sums 东关村 and 西关村: 7 of 9 on time; 山乡 3 of 5.
    assert [(u.code, f.reports.on_time, f.reports.counted) for u, f in bulletin.ranked] == [
        ("town", 7, 9),
        ("hill", 3, 5),
    ]
    assert [u.code for u in bulletin.praised] == ["west"]
    # Most misses first.
    assert [(u.code, f.reports.missing) for u, f in bulletin.flagged] == [("north", 2), ("east", 1)]
    assert not bulletin.empty


def test_a_root_without_reporting_sub_units_ranks_its_units() -> None:
    bulletin = build(compute(TREE, "town", WEEK, [*reports("east", [S, S, L, M, S]),
        *reports("west", [S, Z, S, S, E])]))  # fmt: skip
    assert [u.code for u, _ in bulletin.ranked] == ["west", "east"]
    village = build(compute(TREE, "east", WEEK, reports("east", [S, S, S])))
    assert [u.code for u, _ in village.ranked] == ["east"]
    assert [u.code for u in village.praised] == ["east"]


def test_a_week_of_holidays_is_empty() -> None:
    bulletin = build(compute(TREE, "county", WEEK, reports("east", [E, E])))
    assert bulletin.empty
    assert bulletin.ranked == ()
    assert bulletin.praised == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-W48", Period(date(2026, 11, 23), date(2026, 11, 29))),
        ("2026w49", Period(date(2026, 11, 30), date(2026, 12, 6))),
        ("2026-11-25", Period(date(2026, 11, 23), date(2026, 11, 29))),
        ("12-6", Period(date(2026, 11, 30), date(2026, 12, 6))),
        ("2020-W53", Period(date(2020, 12, 28), date(2021, 1, 3))),
    ],
)
def test_read_week(text: str, expected: Period) -> None:
    assert read_week(text, date(2026, 12, 7)).value == expected


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("2026-W54", WEEK_INVALID),
        ("2026-W00", WEEK_INVALID),
        ("next", WEEK_INVALID),
        ("", WEEK_INVALID),
        ("2026-W50", WEEK_NOT_OVER),
        ("12-7", WEEK_NOT_OVER),
    ],
)
def test_read_week_refuses(text: str, refusal: str) -> None:
    assert read_week(text, date(2026, 12, 7)).refusal == refusal


def test_the_last_full_week_and_its_label() -> None:
    for today in (date(2026, 12, 7), date(2026, 12, 13)):
        assert last_full_week(today) == Period(date(2026, 11, 30), date(2026, 12, 6))
    assert week_label(last_full_week(date(2026, 12, 7))) == "2026-W49"
    assert looks_like_week("2026-W49")
    assert looks_like_week("12-01")
    assert not looks_like_week("城关镇")


def test_the_crontab_counts_days_from_sunday() -> None:
    assert BulletinSettings().crontab == "0 9 * * 1"
    assert BulletinSettings(weekday=7).crontab == "0 9 * * 0"


@pytest.mark.parametrize("tr", [ZH, EN])
def test_the_text_ranks_praises_and_names(tr: Translator) -> None:
    bulletin = county_week()
    text = bulletin_text(tr, bulletin)
    counts = Html(tr("bulletin-counts", on_time=7, late=1, missing=1, excused=1))
    first = tr("bulletin-rank-line", place=1, unit="城关镇", rate="77.8%", counts=counts)
    counts = Html(tr("bulletin-counts", on_time=3, late=0, missing=2, excused=0))
    second = tr("bulletin-rank-line", place=2, unit="山乡", rate="60.0%", counts=counts)
    assert text.index(first) < text.index(second)
    assert tr("bulletin-praised", units=Html("西关村")) in text
    north = tr("bulletin-flag-line", unit="北村", missing=2, late=0)
    east = tr("bulletin-flag-line", unit="东关村", missing=1, late=1)
    assert text.index(tr("bulletin-flagged")) < text.index(north) < text.index(east)
    category = tr("stats-count-item", name=tr("followup-category-home_quarantine"), count=1)
    assert tr("bulletin-declarations", count=1, categories=Html(category)) in text
    # No notice asked for a confirmation that week: no line about them.
    heading = {Language.ZH_CN: "需确认的通知", Language.EN: "Notices to acknowledge"}[tr.language]
    assert heading in tr("stats-notices", expected=1, confirmed=0, rate="0%")
    assert heading not in text


@pytest.mark.parametrize("tr", [ZH, EN])
def test_the_text_gives_the_notice_confirmation_rate(tr: Translator) -> None:
    confirmations = [
        NoticeConfirmation(1, "east", WEEK.first, "unit:east", confirmed=True),
        NoticeConfirmation(1, "west", WEEK.first, "unit:west", confirmed=False),
        NoticeConfirmation(1, "north", WEEK.first, "unit:north", confirmed=True),
        NoticeConfirmation(2, "east", WEEK.last, "person:7", confirmed=True),
    ]
    records = [*reports("east", [S, S]), *reports("west", [S, S]), *reports("north", [S, S])]
    bulletin = build(compute(TREE, "county", WEEK, records, notices=confirmations))
    text = bulletin_text(tr, bulletin)
    assert tr("stats-notices", expected=4, confirmed=3, rate="75.0%") in text


def test_long_lists_are_cut_and_counted() -> None:
    units = [Unit("top", "总部", UnitKind.OFFICE)] + [
        Unit(f"u{n:03d}", f"村{n:03d}", UnitKind.VILLAGE, "top") for n in range(MOST_LINES + 5)
    ]
    tree = OrgTree.of(units)
    records = [r for unit in units[1:] for r in reports(unit.code, [S, S])]
    text = bulletin_text(ZH, build(compute(tree, "top", WEEK, records)))
    assert ZH("bulletin-more-lines", count=5) in text
    assert ZH("bulletin-and-more", count=5) in text
    assert "村044" not in text  # the 45th, past the cut
