"""Who may correct a recorded test result, to what, and who hears of the correction."""

from __future__ import annotations

import pytest

from domain.declarations import TestResult
from domain.org import OrgTree, Role, RoleAssignment, Unit, UnitKind
from domain.permissions import Actor
from domain.result_fixes import Notice, corrections, fixable_units, may_correct, notice_of

TREE = OrgTree.of(
    [
        Unit("xian", "县", UnitKind.OFFICE),
        Unit("chengguan", "城关镇", UnitKind.TOWNSHIP, "xian"),
        Unit("hexi", "河西街道", UnitKind.STREET, "xian"),
        Unit("dongguan", "东关村", UnitKind.VILLAGE, "chengguan"),
    ]
)
P, N, PENDING = TestResult.POSITIVE, TestResult.NEGATIVE, TestResult.PENDING


def actor(*assignments: tuple[str, Role], admin: bool = False) -> Actor:
    return Actor(7, admin, tuple(RoleAssignment(7, unit, role) for unit, role in assignments))


@pytest.mark.parametrize("role", [Role.LIAISON, Role.DEPUTY, Role.TRACKER])
def test_the_units_staff_may_correct_its_residents_results_only(role: Role) -> None:
    assert may_correct(actor(("dongguan", role)), "dongguan", TREE)
    assert not may_correct(actor(("hexi", role)), "dongguan", TREE)
    assert not may_correct(actor(("dongguan", role)), "chengguan", TREE)  # not for the unit above


def test_supervisors_of_the_unit_or_above_may_correct() -> None:
    assert may_correct(actor(("xian", Role.SUPERVISOR)), "dongguan", TREE)
    assert may_correct(actor(("chengguan", Role.SUPERVISOR)), "dongguan", TREE)
    assert not may_correct(actor(("hexi", Role.SUPERVISOR)), "dongguan", TREE)


def test_residents_and_admins_without_a_role_may_not() -> None:
    # A resident's own final result is corrected by staff, never by the resident.
    assert not may_correct(actor(("dongguan", Role.RESIDENT)), "dongguan", TREE)
    assert not may_correct(actor(admin=True), "dongguan", TREE)


def test_a_result_is_corrected_to_another_final_one() -> None:
    assert corrections(P) == (N,)
    assert corrections(N) == (P,)
    assert corrections(PENDING) == (N, P)


def test_who_hears_of_a_correction() -> None:
    assert notice_of(N, P) is Notice.ALERT
    assert notice_of(PENDING, P) is Notice.ALERT
    assert notice_of(P, N) is Notice.RETRACT
    assert notice_of(PENDING, N) is Notice.NONE


def test_the_units_listed_for_correction() -> None:
    who = actor(("hexi", Role.TRACKER), ("chengguan", Role.SUPERVISOR))
    assert fixable_units(who, TREE) == ["hexi", "chengguan", "dongguan"]
    assert fixable_units(actor(("dongguan", Role.RESIDENT)), TREE) == []
