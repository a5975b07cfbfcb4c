"""Away dates and who covers: the same rules the escalation engine resolves recipients by."""

from datetime import date

import pytest

from domain.absence import CoverPlan, cover_plans, parse_until
from domain.org import OrgTree, Role, RoleAssignment, Unit, UnitKind
from domain.recipients import Directory

TODAY = date(2026, 11, 20)
TREE = OrgTree.of(
    [
        Unit("xian", "示范县", UnitKind.OFFICE),
        Unit("chengguan", "城关镇", UnitKind.TOWNSHIP, "xian"),
        Unit("dongguan", "东关村", UnitKind.VILLAGE, "chengguan"),
    ]
)
ROLES = [
    RoleAssignment(1001, "xian", Role.SUPERVISOR),
    RoleAssignment(1002, "chengguan", Role.SUPERVISOR),
    RoleAssignment(2001, "dongguan", Role.LIAISON),
    RoleAssignment(2101, "dongguan", Role.DEPUTY),
    RoleAssignment(2301, "dongguan", Role.TRACKER),
]


@pytest.mark.parametrize(
    ("text", "until", "refusal"),
    [
        ("2026-11-30", date(2026, 11, 30), None),
        ("2026/12/1", date(2026, 12, 1), None),
        ("11-20", TODAY, None),
        ("1-5", date(2027, 1, 5), None),  # the next 5 January
        ("11-19", None, "away-too-far"),  # the next one is a year away
        ("2026-11-19", None, "away-past"),
        ("2027-02-18", date(2027, 2, 18), None),  # 90 days
        ("2027-02-19", None, "away-too-far"),
        ("2026-13-01", None, "away-bad-date"),
        ("next week", None, "away-bad-date"),
        ("", None, "away-bad-date"),
    ],
)
def test_parse_until(text: str, until: date | None, refusal: str | None) -> None:
    parsed = parse_until(text, TODAY)
    assert (parsed.until, parsed.refusal_key) == (until, refusal)


def plans(
    person: int, away: dict[int, date] | None = None, unreachable: tuple[int, ...] = ()
) -> list[CoverPlan]:
    directory = Directory.of(TREE, ROLES, away_until=away, unreachable=unreachable)
    mine = [a for a in ROLES if a.telegram_id == person]
    return cover_plans(person, mine, directory, TODAY)


def test_liaison_and_deputy_cover_each_other() -> None:
    assert plans(2001) == [CoverPlan("dongguan", Role.LIAISON, (2101,))]
    assert plans(2101) == [CoverPlan("dongguan", Role.DEPUTY, (2001,))]


def test_a_cover_who_is_away_or_unreachable_covers_nobody() -> None:
    assert plans(2001, {2101: TODAY})[0].nobody
    assert plans(2001, unreachable=(2101,))[0].nobody


def test_supervisors_pass_up_and_trackers_have_no_cover() -> None:
    assert plans(1002) == [CoverPlan("chengguan", Role.SUPERVISOR, (), passes_up=True)]
    assert plans(1002, {1001: TODAY})[0].nobody  # nobody present above either
    assert plans(1001)[0].nobody  # the top of the tree
    assert plans(2301)[0].nobody
