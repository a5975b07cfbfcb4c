"""Notice confirmation rates in statistics (domain/stats.py): one confirmation per unit for
liaisons and per person for members, counted in their unit and summed up the tree."""

from datetime import date

from domain.stats import NoticeConfirmation, compute
from tests.unit.test_stats import TREE, WEEK


def confirmation(
    notice: int, unit: str, confirms_for: str, confirmed: bool, day: date = WEEK.first
) -> NoticeConfirmation:
    return NoticeConfirmation(notice, unit, day, confirms_for, confirmed)


def test_confirmations_are_counted_once_per_unit_or_person_and_summed() -> None:
    notices = [
        # Two liaisons of east: one confirming confirms the unit.
        confirmation(1, "east", "unit:east", False),
        confirmation(1, "east", "unit:east", True),
        confirmation(1, "west", "unit:west", False),
        # Members count for themselves, in their unit.
        confirmation(1, "west", "person:7", True),
        confirmation(1, "west", "person:8", False),
        # Another notice asks east again.
        confirmation(2, "east", "unit:east", False),
        confirmation(2, "north", "unit:north", True),
        # Outside the period: not counted.
        confirmation(3, "east", "unit:east", True, date(2026, 12, 7)),
    ]
    stats = compute(TREE, "county", WEEK, [], notices=notices)
    assert (stats.total.notices.expected, stats.total.notices.confirmed) == (6, 3)
    assert stats.total.notices.rate == 0.5
    town = dict((unit.code, figures) for unit, figures in stats.children)["town"]
    assert (town.notices.expected, town.notices.confirmed) == (5, 2)
    town_only = compute(TREE, "town", WEEK, [], notices=notices)
    assert (town_only.total.notices.expected, town_only.total.notices.confirmed) == (5, 2)


def test_no_notices_have_no_rate() -> None:
    stats = compute(TREE, "county", WEEK, [])
    assert stats.total.notices.expected == 0
    assert stats.total.notices.rate is None
