"""Away dates and who covers: the same rules the escalation engine resolves recipients by."""

from datetime import date

import pytest

from domain.absence import CoverPlan, cover_plans, read_away
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
    ("text", "starts", "until", "refusal"),
    [
        ("2026-11-30", TODAY, date(2026, 11, 30), None),
        ("2026/12/1", TODAY, date(2026, 12, 1), None),
        ("11-20", TODAY, TODAY, None),
        ("12月10日", TODAY, date(2026, 12, 10), None),
        ("明天", TODAY, date(2026, 11, 21), None),
        ("1-5", TODAY, date(2027, 1, 5), None),  # the nearest 5 January is the next one
        ("11-19", None, None, "away-outside"),  # yesterday, not next year's 19 November
        ("2026-11-19", None, None, "away-outside"),
        ("2027-02-18", TODAY, date(2027, 2, 18), None),  # 90 days
        ("2027-02-19", None, None, "away-outside"),
        ("11-25 11-28", date(2026, 11, 25), date(2026, 11, 28), None),
        ("11月25日至11月28日", date(2026, 11, 25), date(2026, 11, 28), None),
        ("11/25 ~ 11/28", date(2026, 11, 25), date(2026, 11, 28), None),
        ("11-28 11-25", None, None, "away-end-before-start"),
        ("11-19 11-25", None, None, "away-outside"),
        ("11-25 11-26 11-27", None, None, "answer-date-invalid"),
        ("2026-13-01", None, None, "answer-date-invalid"),
        ("next week", None, None, "answer-date-invalid"),
        ("", None, None, "answer-date-invalid"),
    ],
)
def test_read_away(text: str, starts: date | None, until: date | None, refusal: str | None) -> None:
    parsed = read_away(text, TODAY)
    assert (parsed.starts, parsed.until, parsed.refusal) == (starts, until, refusal)


def test_away_refusals_say_the_window() -> None:
    assert read_away("2027-02-19", TODAY).params == {
        "first": "2026-11-20",
        "last": "2027-02-18",
        "days": "90",
    }


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


def test_where_nobody_covers_the_plan_says_who_still_hears_of_cases() -> None:
    # Liaison and deputy both away: nobody takes their reminders, but the tracker still hears
    # of the residents' cases (domain.recipients.case_staff); a cover present says nothing more.
    both = plans(2001, {2001: TODAY, 2101: TODAY})
    assert both == [CoverPlan("dongguan", Role.LIAISON, (), cases=(2301,))]
    assert both[0].nobody
    assert plans(2001)[0].cases == ()
    # An away tracker: no cover of their own, the liaison hears of the cases.
    assert plans(2301, {2301: TODAY})[0].cases == (2001,)
    # Supervisors pass up instead.
    assert plans(1002)[0].cases == ()


def test_supervisors_pass_up_and_trackers_have_no_cover() -> None:
    assert plans(1002) == [CoverPlan("chengguan", Role.SUPERVISOR, (), passes_up=True)]
    assert plans(1002, {1001: TODAY})[0].nobody  # nobody present above either
    assert plans(1001)[0].nobody  # the top of the tree
    assert plans(2301)[0].nobody
