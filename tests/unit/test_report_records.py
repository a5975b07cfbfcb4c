"""The bot's own counts for a unit's report, and what counts as an abnormal situation."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.policy import Category
from domain.report_records import (
    DeclaredResident,
    UnwellCheckin,
    abnormal_situation,
    count,
    departures,
    period,
)
from domain.reports import Cutoff

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)


def at(day: int, hour: int) -> datetime:
    return datetime.combine(date(2026, 11, day), time(hour), tzinfo=ZONE)


def resident(ident: int, submitted: datetime, **kw: object) -> DeclaredResident:
    values: dict[str, object] = {
        "declaration_id": ident,
        "submitted_at": submitted,
        "start_date": submitted.date(),
        "returned": True,
        "from_risk_area": False,
        "category": Category.HOME_HEALTH_MONITORING,
        "days": 14,
        "released_at": None,
        "unwell": False,
        **kw,
    }
    return DeclaredResident(**values)  # type: ignore[arg-type]


def test_the_period_follows_the_cutoff() -> None:
    now = at(23, 15)
    assert period(Cutoff.YESTERDAY_24, DAY, ZONE, now) == (at(22, 0), at(23, 0))
    assert period(Cutoff.TODAY_08, DAY, ZONE, now) == (at(22, 8), at(23, 8))
    assert period(Cutoff.NOW, DAY, ZONE, now) == (at(23, 0), now)


def test_counts_of_the_period_and_fever_found_since() -> None:
    start, end = at(22, 0), at(23, 0)
    residents = [
        resident(1, at(22, 9), from_risk_area=True, unwell=True),
        resident(2, at(10, 9), category=Category.HOME_QUARANTINE),  # arrived long ago
        resident(3, at(5, 9), category=Category.CENTRALISED_QUARANTINE),  # period over
        resident(4, at(20, 9), released_at=at(21, 9)),  # released early
        resident(5, at(23, 9), unwell=True),  # after the cut-off
    ]
    checkins = [UnwellCheckin(2, at(22, 20)), UnwellCheckin(1, at(22, 21))]
    found = count(residents, checkins, start, end, at(23, 15), ZONE)
    assert dict(found.counts) == {
        "returned": 1,
        "returned_risk": 1,
        "central_quarantine": 0,
        "home_quarantine": 1,
        "monitoring": 1,
        "fever_cases": 2,  # residents 1 and 2, each once
    }
    assert found.later == 1
    assert found.any


def test_a_return_declared_after_the_cut_off_is_not_in_the_period() -> None:
    # Back yesterday, declared this morning: the cut-off (24:00) figures did not know of it,
    # so it is counted neither as returned nor under its measure, alike.
    late = resident(6, at(23, 9), start_date=date(2026, 11, 22), from_risk_area=True)
    found = count([late], [], at(22, 0), at(23, 0), at(23, 15), ZONE)
    assert found.counts["returned"] == 0
    assert found.counts["returned_risk"] == 0
    assert found.counts["monitoring"] == 0
    # Declared before the cut-off, the same return counts in both.
    early = resident(7, at(22, 23), start_date=date(2026, 11, 22))
    found = count([early], [], at(22, 0), at(23, 0), at(23, 15), ZONE)
    assert (found.counts["returned"], found.counts["monitoring"]) == (1, 1)


def test_no_records_contradict_nothing() -> None:
    found = count([], [], at(22, 0), at(23, 0), at(23, 15), ZONE)
    assert not found.any


def test_departures_name_the_adjusted_counts() -> None:
    records = {"returned": 1, "fever_cases": 1}
    assert departures(records, {"returned": 1, "fever_cases": 0}) == [("fever_cases", 1, 0)]


def test_nothing_abnormal_is_not_a_situation() -> None:
    for nothing in ("", "  ", "无", "无。", "None", "没有", None, 3):
        assert abnormal_situation({"abnormal": nothing}) is None
    assert abnormal_situation({"abnormal": " 有人发热 "}) == "有人发热"
