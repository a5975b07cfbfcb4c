import pytest

from domain.commands import ChatKind, visible_commands
from domain.org import OrgTree, Role, RoleAssignment, Unit, UnitKind
from domain.permissions import (
    Actor,
    Capability,
    can_bind_group,
    can_invite,
    capabilities_in,
    manageable_units,
)

TREE = OrgTree.of(
    [
        Unit("xian", "县", UnitKind.OFFICE),
        Unit("chengguan", "城关镇", UnitKind.TOWNSHIP, "xian"),
        Unit("hexi", "河西街道", UnitKind.STREET, "xian"),
        Unit("dongguan", "东关村", UnitKind.VILLAGE, "chengguan"),
    ]
)


def actor(*assignments: tuple[str, Role], admin: bool = False) -> Actor:
    return Actor(7, admin, tuple(RoleAssignment(7, unit, role) for unit, role in assignments))


def test_supervisor_may_invite_within_their_subtree_only() -> None:
    township = actor(("chengguan", Role.SUPERVISOR))
    assert can_invite(township, Role.LIAISON, "dongguan", TREE)
    assert can_invite(township, Role.SUPERVISOR, "chengguan", TREE)
    refused = can_invite(township, Role.LIAISON, "hexi", TREE)
    assert not refused
    assert refused.reason_key == "perm-not-supervisor"
    assert not can_invite(township, Role.LIAISON, "xian", TREE)


def test_other_roles_and_strangers_may_not_invite_or_bind() -> None:
    for who in (actor(("dongguan", Role.LIAISON)), actor(("dongguan", Role.RESIDENT)), actor()):
        assert not can_invite(who, Role.LIAISON, "dongguan", TREE)
        assert not can_bind_group(who, "dongguan", TREE)


def test_admin_may_do_everything_but_unknown_units_are_refused() -> None:
    admin = actor(admin=True)
    assert can_bind_group(admin, "hexi", TREE)
    assert can_invite(admin, Role.SUPERVISOR, "xian", TREE)
    assert can_bind_group(admin, "ghost", TREE).reason_key == "unit-unknown"


def test_residents_are_never_invited() -> None:
    assert can_invite(actor(admin=True), Role.RESIDENT, "dongguan", TREE).reason_key == (
        "invite-resident-via-group"
    )


def test_manageable_units_follow_the_subtree() -> None:
    assert [u.code for u in manageable_units(actor(("chengguan", Role.SUPERVISOR)), TREE)] == [
        "chengguan",
        "dongguan",
    ]
    assert len(manageable_units(actor(admin=True), TREE)) == 4
    assert manageable_units(actor(("dongguan", Role.LIAISON)), TREE) == []


EVERYONE_PRIVATE = (
    "start",
    "help",
    "whoami",
    "lang",
    "cancel",
    "declare",
    "checkin",
    "mine",
    "risk",
    "mydata",
)


@pytest.mark.parametrize(
    ("who", "private", "group"),
    [
        (actor(), {*EVERYONE_PRIVATE}, {"help", "declare"}),
        (
            actor(("dongguan", Role.LIAISON)),
            {
                *EVERYONE_PRIVATE,
                "away",
                "results",
                "report",
                "zero",
                "status",
                "declare_for",
                "cases",
                "export",
            },
            {"help", "declare"},
        ),
        (
            # A tracker follows residents: no report of a unit to file or watch.
            actor(("dongguan", Role.TRACKER)),
            {*EVERYONE_PRIVATE, "away", "results", "declare_for", "cases"},
            {"help", "declare"},
        ),
        (
            actor(("xian", Role.SUPERVISOR)),
            {
                *EVERYONE_PRIVATE,
                "away",
                "results",
                "status",
                "invite",
                "members",
                "risk_load",
                "cases",
                "notice",
                "notices",
                "stats",
                "bulletin",
                "export",
            },
            {"help", "declare", "bind"},
        ),
    ],
)
def test_visible_commands_depend_on_role_and_chat(
    who: Actor, private: set[str], group: set[str]
) -> None:
    assert {c.name for c in visible_commands(who, ChatKind.PRIVATE, TREE)} == private
    assert {c.name for c in visible_commands(who, ChatKind.GROUP, TREE)} == group


def test_a_command_listed_for_two_capabilities_is_shown_once() -> None:
    both = actor(("xian", Role.SUPERVISOR), ("dongguan", Role.LIAISON))
    names = [c.name for c in visible_commands(both, ChatKind.PRIVATE, TREE)]
    assert names.count("status") == 1
    assert names.count("cases") == 1
    assert names.count("export") == 1
    admin = [c.name for c in visible_commands(actor(admin=True), ChatKind.PRIVATE, TREE)]
    assert "status" in admin
    assert "report" not in admin


def test_capabilities() -> None:
    assert actor(("a", Role.TRACKER)).capabilities() == {
        Capability.EVERYONE,
        Capability.WORKER,
        Capability.STAFF,
    }
    # Supervisors are staff (they can be away), residents are not.
    assert Capability.STAFF in actor(("a", Role.SUPERVISOR)).capabilities()
    assert Capability.STAFF not in actor(("a", Role.RESIDENT)).capabilities()
    assert Capability.ADMIN in actor(admin=True).capabilities()
    for filer in (Role.LIAISON, Role.DEPUTY):
        assert Capability.FILER in actor(("a", filer)).capabilities()


def test_only_the_prevention_office_is_offered_the_risk_list_upload() -> None:
    # A township's supervisor may not change the county's list (services.risk.may_load).
    township = actor(("chengguan", Role.SUPERVISOR))
    assert "risk_load" not in {c.name for c in visible_commands(township, ChatKind.PRIVATE, TREE)}
    assert Capability.OFFICE not in capabilities_in(township, TREE)
    for office in (actor(("xian", Role.SUPERVISOR)), actor(admin=True)):
        assert Capability.OFFICE in capabilities_in(office, TREE)
        assert "risk_load" in {c.name for c in visible_commands(office, ChatKind.PRIVATE, TREE)}
