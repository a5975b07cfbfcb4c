"""Who a step goes to: away -> deputy, supervisors up the tree, the office, nobody."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.escalation import Step, Target
from domain.obligations import Obligation, ObligationKind
from domain.org import ChatGroup, GroupPurpose, OrgTree, Role, RoleAssignment, Unit, UnitKind
from domain.recipients import (
    Directory,
    Recipient,
    answerable,
    case_holders,
    case_recipients,
    resolve,
)

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=TZ)
TREE = OrgTree.of(
    [
        Unit("xian", "示范县疫情防控办公室", UnitKind.OFFICE),
        Unit("chengguan", "城关镇", UnitKind.TOWNSHIP, "xian"),
        Unit("dongguan", "东关村", UnitKind.VILLAGE, "chengguan"),
        Unit("nanjie", "南街社区", UnitKind.COMMUNITY, "chengguan"),
    ]
)
ROLES = [
    RoleAssignment(1009, "xian", Role.SUPERVISOR),
    RoleAssignment(1001, "xian", Role.SUPERVISOR),
    RoleAssignment(1002, "chengguan", Role.SUPERVISOR),
    RoleAssignment(2001, "dongguan", Role.LIAISON),
    RoleAssignment(2002, "dongguan", Role.DEPUTY),
    RoleAssignment(2101, "nanjie", Role.TRACKER),
    RoleAssignment(3004, "nanjie", Role.RESIDENT),
]
GROUPS = [
    ChatGroup(-1002, "东关村工作群", "dongguan", GroupPurpose.WORK),
    ChatGroup(-1003, "东关村居民群", "dongguan", GroupPurpose.RESIDENTS),
]
REPORT = Obligation(
    ObligationKind.UNIT_REPORT, "dongguan", "2026-11-23", "dongguan", "dongguan", DUE
)
CHECKIN = Obligation(ObligationKind.HEALTH_CHECKIN, "3004", "2026-11-23", 3004, "nanjie", DUE)


def directory(
    away: dict[int, date] | None = None, roles: list[RoleAssignment] = ROLES
) -> Directory:
    return Directory.of(TREE, roles, GROUPS, away_until=away, covers={3004: (2101,)})


def to(*targets: Target) -> Step:
    return Step(timedelta(0), targets, "obligation-test")


def ids(ob: Obligation, step: Step, d: Directory, on: date = DAY) -> list[int]:
    return [r.chat_id for r in resolve(ob, step, d, on).recipients]


def test_assignee_of_a_unit_is_its_liaison_and_deputy_is_its_deputy() -> None:
    assert ids(REPORT, to(Target.ASSIGNEE), directory()) == [2001]
    assert ids(REPORT, to(Target.DEPUTY), directory()) == [2002]
    both = resolve(REPORT, to(Target.ASSIGNEE, Target.DEPUTY), directory(), DAY)
    assert [(r.chat_id, r.target) for r in both.recipients] == [
        (2001, Target.ASSIGNEE),
        (2002, Target.DEPUTY),
    ]
    assert both.missing == ()


def test_a_unit_without_a_liaison_answers_through_its_deputy() -> None:
    # The liaison's role was taken away (/members): the deputy hears the reminders.
    roles = [a for a in ROLES if a.telegram_id != 2001]
    assert ids(REPORT, to(Target.ASSIGNEE), directory(roles=roles)) == [2002]
    nobody = [a for a in roles if a.telegram_id != 2002]
    assert resolve(REPORT, to(Target.ASSIGNEE), directory(roles=nobody), DAY).nobody


def test_a_case_reaches_the_same_covers_as_an_escalation() -> None:
    # 即有即报: the unit's liaison and trackers, and every supervisor up the tree.
    assert case_recipients(directory(), "dongguan", DAY, chain=True) == (2001, 1002, 1001, 1009)
    assert case_recipients(directory(), "dongguan", DAY, chain=False) == (2001,)
    # The liaison away: the deputy instead, as for the unit's reminders.
    away = directory(away={2001: DAY})
    assert case_recipients(away, "dongguan", DAY, chain=False) == (2002,)
    assert ids(REPORT, to(Target.ASSIGNEE), away) == [2002]
    # Unreachable (blocked the bot) is covered alike; both gone: nobody, said so to the caller.
    both = Directory.of(TREE, ROLES, GROUPS, away_until={2001: DAY}, unreachable=[2002])
    assert case_recipients(both, "dongguan", DAY, chain=False) == ()


HANDLING = Obligation(
    ObligationKind.CASE_HANDLING, "declaration:7", "handling", "nanjie", "nanjie", DUE
)
NANJIE_LIAISON = [*ROLES, RoleAssignment(2003, "nanjie", Role.LIAISON)]


def test_a_cases_handling_reaches_whoever_had_its_alert() -> None:
    # 南街社区: a liaison, no deputy, a tracker. The first step (assignee+deputy) reaches the
    # same people as the case's alert, the tracker included, and names them as answering.
    d = directory(roles=NANJIE_LIAISON)
    step = to(Target.ASSIGNEE, Target.DEPUTY)
    assert ids(HANDLING, step, d) == [2003, 2101]
    assert ids(HANDLING, step, d) == list(case_recipients(d, "nanjie", DAY, chain=False))
    assert answerable(HANDLING, d, DAY) == (2003, 2101)
    # The liaison away, no deputy: the tracker still hears (not "reached nobody").
    away = directory({2003: DAY}, roles=NANJIE_LIAISON)
    got = resolve(HANDLING, step, away, DAY)
    assert got.recipients == (Recipient(2101, Target.ASSIGNEE),)
    assert answerable(HANDLING, away, DAY) == (2101,)
    # 东关村 with its liaison away: the deputy covers, as for the alerts, and says for whom.
    dongguan = Obligation(
        ObligationKind.CASE_HANDLING, "declaration:8", "handling", "dongguan", "dongguan", DUE
    )
    covered = resolve(dongguan, step, directory({2001: DAY}), DAY)
    assert covered.recipients == (Recipient(2002, Target.ASSIGNEE, covering_for=2001),)


def test_a_units_obligation_names_the_cover_of_an_away_liaison() -> None:
    assert answerable(REPORT, directory(), DAY) == (2001,)
    assert answerable(REPORT, directory({2001: DAY}), DAY) == (2002,)
    # Nobody present: still the liaison, so the message says whose it is.
    assert answerable(REPORT, directory({2001: DAY, 2002: DAY}), DAY) == (2001,)
    assert answerable(CHECKIN, directory({3004: DAY}), DAY) == (3004,)


def test_a_unit_without_a_liaison_hears_of_cases_through_its_deputy() -> None:
    roles = [a for a in ROLES if a.telegram_id != 2001]
    assert case_recipients(directory(roles=roles), "dongguan", DAY, chain=False) == (2002,)


def test_an_away_liaison_is_covered_by_the_deputy_through_the_last_day() -> None:
    d = directory({2001: DAY})
    got = resolve(REPORT, to(Target.ASSIGNEE, Target.DEPUTY), d, DAY)
    # The deputy is told once, as the liaison's cover.
    assert got.recipients == (Recipient(2002, Target.ASSIGNEE, covering_for=2001),)
    assert ids(REPORT, to(Target.ASSIGNEE), d, DAY + timedelta(days=1)) == [2001]


def test_an_away_deputy_is_covered_by_the_liaison() -> None:
    got = resolve(REPORT, to(Target.DEPUTY), directory({2002: DAY}), DAY)
    assert got.recipients == (Recipient(2001, Target.DEPUTY, covering_for=2002),)


def test_nobody_present_is_said_explicitly() -> None:
    got = resolve(REPORT, to(Target.ASSIGNEE), directory({2001: DAY, 2002: DAY}), DAY)
    assert got.nobody
    assert got.missing == (Target.ASSIGNEE,)


def test_a_partly_resolved_step_names_what_is_missing() -> None:
    no_deputy = [r for r in ROLES if r.role is not Role.DEPUTY]
    got = resolve(REPORT, to(Target.ASSIGNEE, Target.DEPUTY), directory(roles=no_deputy), DAY)
    assert not got.nobody
    assert got.missing == (Target.DEPUTY,)


def test_unit_group_mentions_the_present_assignees_in_the_work_group() -> None:
    got = resolve(REPORT, to(Target.UNIT_GROUP), directory({2001: DAY}), DAY)
    assert got.recipients == (Recipient(-1002, Target.UNIT_GROUP, group=True, mentions=(2002,)),)
    unbound = Directory.of(TREE, ROLES)
    assert resolve(REPORT, to(Target.UNIT_GROUP), unbound, DAY).nobody


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (Target.SUPERVISOR, [1002]),  # the village has none: the township's
        (Target.SUPERVISOR_UP, [1001, 1009]),  # the county above it
        (Target.OFFICE, [1001, 1009]),  # the root unit's supervisors
    ],
)
def test_supervisors_up_the_tree(target: Target, expected: list[int]) -> None:
    assert ids(REPORT, to(target), directory()) == expected


def test_a_unit_with_its_own_supervisor_escalates_there_first() -> None:
    roles = [*ROLES, RoleAssignment(1500, "dongguan", Role.SUPERVISOR)]
    assert ids(REPORT, to(Target.SUPERVISOR), directory(roles=roles)) == [1500]
    assert ids(REPORT, to(Target.SUPERVISOR_UP), directory(roles=roles)) == [1002]


def test_an_away_supervisor_passes_the_escalation_up() -> None:
    d = directory({1002: DAY})
    assert ids(REPORT, to(Target.SUPERVISOR), d) == [1001, 1009]
    above = resolve(REPORT, to(Target.SUPERVISOR_UP), d, DAY)
    assert above.nobody
    assert above.missing == (Target.SUPERVISOR_UP,)
    assert ids(REPORT, to(Target.OFFICE), directory({1009: DAY})) == [1001]


def test_nobody_escalates_to_themselves() -> None:
    own = Obligation(ObligationKind.VERIFICATION, "t1", "t1", 1002, "chengguan", DUE)
    assert ids(own, to(Target.SUPERVISOR), directory()) == [1001, 1009]


def test_a_residents_deputy_is_their_tracker() -> None:
    assert ids(CHECKIN, to(Target.ASSIGNEE), directory()) == [3004]
    assert ids(CHECKIN, to(Target.DEPUTY), directory()) == [2101]
    away = resolve(CHECKIN, to(Target.ASSIGNEE), directory({3004: DAY}), DAY)
    assert away.recipients == (Recipient(2101, Target.ASSIGNEE, covering_for=3004),)
    # nanjie has no supervisor of its own: the township's.
    assert ids(CHECKIN, to(Target.SUPERVISOR), directory()) == [1002]


def test_without_an_assigned_tracker_the_units_trackers_follow_a_resident_up() -> None:
    unassigned = Directory.of(TREE, ROLES, GROUPS)
    assert ids(CHECKIN, to(Target.DEPUTY), unassigned) == [2101]
    # A resident Telegram refuses to write to is followed up by the tracker in their place.
    blocked = Directory.of(TREE, ROLES, GROUPS, unreachable=[3004])
    assert resolve(CHECKIN, to(Target.ASSIGNEE), blocked, DAY).recipients == (
        Recipient(2101, Target.ASSIGNEE, covering_for=3004),
    )
    # A unit without trackers leaves the step to nobody, which the clock reports.
    elsewhere = Obligation(ObligationKind.TEST_DUE, "3005", "d", 3005, "dongguan", DUE)
    assert resolve(elsewhere, to(Target.DEPUTY), unassigned, DAY).nobody


def test_directory_keeps_only_work_groups() -> None:
    d = directory()
    assert d.work_groups == {"dongguan": -1002}
    assert d.holding("xian", Role.SUPERVISOR) == (1001, 1009)
    assert d.is_away(2001, DAY) is False


def test_a_case_reaches_the_unit_staff_and_with_the_chain_every_supervisor_above() -> None:
    staff = [("nanjie", Role.LIAISON), ("nanjie", Role.TRACKER)]
    assert case_holders(TREE, "nanjie", chain=False) == staff
    assert case_holders(TREE, "nanjie", chain=True) == [
        *staff,
        ("nanjie", Role.SUPERVISOR),
        ("chengguan", Role.SUPERVISOR),
        ("xian", Role.SUPERVISOR),
    ]
