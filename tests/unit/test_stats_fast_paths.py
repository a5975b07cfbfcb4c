"""The statistics' fast paths (issue 19's performance): plain tuples count as ReportDays do,
ReportCounts.of agrees with add_day report by report, subtree sums in one pass agree with
summing each subtree, and garbage collection is paused only while a bulk read runs."""

from __future__ import annotations

import gc
import random
from datetime import timedelta

from domain.org import OrgTree, Unit, UnitKind
from domain.reports import UnitStatus
from domain.stats import ReportCounts, ReportDay, compute
from services.gc_pause import collection_paused
from tests.unit.test_stats import WEEK

STATUSES = list(UnitStatus)


def county(rng: random.Random) -> tuple[OrgTree, list[ReportDay]]:
    units = [Unit("county", "县", UnitKind.OFFICE)]
    for t in range(4):
        units.append(Unit(f"t{t}", f"镇{t}", UnitKind.TOWNSHIP, "county"))
        for v in range(5):
            units.append(Unit(f"t{t}v{v}", f"村{t}{v}", UnitKind.VILLAGE, f"t{t}"))
    reports = []
    for unit in units[1:]:
        for n in range(7):
            if rng.random() < 0.8:
                status = rng.choice(STATUSES)
                late = rng.choice([None, 12.5]) if status is UnitStatus.LATE else None
                reports.append(
                    ReportDay(
                        unit.code, WEEK.first + timedelta(days=n), status, rng.random() < 0.3, late
                    )
                )
    rng.shuffle(reports)
    return OrgTree.of(units), reports


def test_counts_in_one_pass_agree_with_adding_day_by_day() -> None:
    _, reports = county(random.Random(7))
    one_by_one = ReportCounts()
    for report in reports:
        one_by_one.add_day(report)
    assert ReportCounts.of(reports) == one_by_one


def test_plain_tuples_count_as_report_days_and_subtrees_sum_up() -> None:
    tree, reports = county(random.Random(11))
    named = compute(tree, "county", WEEK, reports)
    plain = compute(tree, "county", WEEK, [tuple(report) for report in reports])  # type: ignore[misc]
    assert named == plain
    own = dict(named.units)
    for child, figures in named.children:
        expected = ReportCounts()
        for unit in tree.subtree(child.code):
            if unit in own:
                expected.add(own[unit].reports)
        assert figures.reports == expected
        assert figures.longest_miss_run == max(
            (own[u].longest_miss_run for u in tree.subtree(child.code) if u in own), default=0
        )
    total = ReportCounts()
    for figures in own.values():
        total.add(figures.reports)
    assert named.total.reports == total
    # A township's own statistics are the same figures as its line in the county's.
    town = compute(tree, "t1", WEEK, reports)
    assert town.total == dict(named.children)[tree.get("t1")]


def test_collection_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # overlapping: the inner one leaves it off
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
