"""The unit tree and applying organisation files."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event, update

from domain.org import (
    ChatGroup,
    GroupPurpose,
    Language,
    Person,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
    UnknownUnitError,
)
from domain.orgfile import OrgPlan, parse_org_file
from storage import ApplyResult, Database, Repositories
from storage.models import UnitRow
from storage.repos.org_plan import dependency_order

from .conftest import NOW, sample_plan


async def test_apply_plan_stores_the_file_and_a_second_run_changes_nothing(
    repos: Repositories,
) -> None:
    first = await repos.org.apply_plan(sample_plan(), now=NOW)
    await repos.session.commit()
    assert first == ApplyResult(units_created=3, people_created=2, roles_added=3, groups_bound=2)
    again = await repos.org.apply_plan(sample_plan(), now=NOW)
    assert again == ApplyResult()
    assert not again.changed

    assert await repos.people.get(1002) == Person(1002, "Li Lian", Language.EN, "13800000000")
    assert await repos.roles.of_person(1002) == [
        RoleAssignment(1002, "chengguan", Role.DEPUTY),
        RoleAssignment(1002, "dongguan", Role.LIAISON),
    ]
    assert await repos.groups.get(-1001234) == ChatGroup(
        -1001234, "东关村居民群", "dongguan", GroupPurpose.RESIDENTS
    )


async def test_a_parent_defined_after_its_child_is_stored_first(org: Repositories) -> None:
    tree = await org.org.load_tree()
    assert [unit.code for unit in tree.ancestors("dongguan")] == ["chengguan", "county"]
    assert tree.path("dongguan") == "示范县防控办 / 城关镇 / 东关村"
    assert [unit.code for unit in tree.roots()] == ["county"]


async def test_changes_are_applied_and_counted_and_roles_are_never_removed(
    org: Repositories,
) -> None:
    text = """
[[unit]]
code = "dongguan"
name = "东关社区"
kind = "community"
parent = "xinan"

[[unit]]
code = "xinan"
name = "西南街道"
kind = "street"
parent = "county"

[[member]]
telegram_id = 1002
name = "Li Lian (new)"
unit = "xinan"
role = "tracker"
language = "zh_CN"

[[group]]
chat_id = -1001234
title = "东关社区居民群"
unit = "dongguan"
purpose = "residents"
"""
    result = await org.org.apply_plan(parse_org_file(text, await org.org.load_tree()), now=NOW)
    assert result == ApplyResult(
        units_created=1, units_updated=1, people_updated=1, roles_added=1, groups_bound=1
    )
    tree = await org.org.load_tree()
    assert tree.get("dongguan") == Unit("dongguan", "东关社区", UnitKind.COMMUNITY, "xinan")
    # The phone was not in the new file, so the stored one stays.
    assert await org.people.get(1002) == Person(
        1002, "Li Lian (new)", Language.ZH_CN, "13800000000"
    )
    roles = {(a.unit_code, a.role) for a in await org.roles.of_person(1002)}
    assert roles == {
        ("chengguan", Role.DEPUTY),
        ("dongguan", Role.LIAISON),
        ("xinan", Role.TRACKER),
    }


async def test_apply_plan_is_part_of_the_callers_transaction(repos: Repositories) -> None:
    await repos.org.apply_plan(sample_plan(), now=NOW)
    await repos.session.rollback()
    assert (await repos.org.load_tree()).units == {}
    assert await repos.people.get(1001) is None


async def test_apply_plan_refuses_an_unknown_unit_without_storing_it(
    repos: Repositories,
) -> None:
    plan = OrgPlan(assignments=[RoleAssignment(7, "nowhere", Role.LIAISON)])
    with pytest.raises(UnknownUnitError):
        await repos.org.apply_plan(plan, now=NOW)


async def test_get_unit(org: Repositories) -> None:
    assert await org.org.get_unit("chengguan") == Unit(
        "chengguan", "城关镇", UnitKind.TOWNSHIP, "county"
    )
    assert await org.org.get_unit("county") == Unit("county", "示范县防控办", UnitKind.OFFICE)
    assert await org.org.get_unit("missing") is None


async def test_inactive_units_and_everything_below_them_are_hidden(org: Repositories) -> None:
    await org.session.execute(
        update(UnitRow).where(UnitRow.code == "chengguan").values(active=False)
    )
    await org.org.changed()
    tree = await org.org.load_tree()
    assert set(tree.units) == {"county"}
    assert await org.org.get_unit("chengguan") is None
    # Applying the file again reactivates the unit.
    result = await org.org.apply_plan(sample_plan(), now=NOW)
    assert result == ApplyResult(units_updated=1)
    assert set((await org.org.load_tree()).units) == {"county", "chengguan", "dongguan"}


async def test_the_tree_is_read_once_per_version_of_the_organisation(
    org: Repositories, database: Database
) -> None:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    first = await org.org.load_tree()
    await org.session.commit()
    statements.clear()
    assert await org.org.load_tree() is first  # the version is read, not the tree
    assert await org.org.get_unit("dongguan") == first.units["dongguan"]
    assert len(statements) == 1
    await org.session.commit()
    # Another process renames a unit: the next transaction reads the tree again.
    async with database.transaction() as other:
        plan = sample_plan()
        units = [
            replace(unit, name="东关社区") if unit.code == "dongguan" else unit
            for unit in plan.units
        ]
        await Repositories(other).org.apply_plan(replace(plan, units=units), now=NOW)
    reread = await org.org.load_tree()
    assert reread.units["dongguan"].name == "东关社区"
    assert reread is not first
    event.remove(database.engine.sync_engine, "before_cursor_execute", count)


async def test_a_change_rolled_back_leaves_no_version_behind(
    org: Repositories, database: Database
) -> None:
    before = await org.org.version()
    await org.session.commit()
    await org.org.changed()
    assert await org.org.version() != before  # seen in its own transaction
    await org.session.rollback()
    assert await org.org.version() == before


async def test_a_large_file_is_written_in_batches_with_progress(repos: Repositories) -> None:
    units = [Unit("county", "县", UnitKind.OFFICE)]
    units += [Unit(f"t{t}", f"镇{t}", UnitKind.TOWNSHIP, "county") for t in range(3)]
    units += [Unit(f"v{v}", f"村{v}", UnitKind.VILLAGE, f"t{v % 3}") for v in range(1200)]
    people = [Person(5000 + v, f"人{v}", Language.ZH_CN) for v in range(1200)]
    roles = [RoleAssignment(5000 + v, f"v{v}", Role.LIAISON) for v in range(1200)]
    plan = OrgPlan(units=units, people=people, assignments=roles, groups=[])
    heard: list[tuple[str, int, int]] = []
    result = await repos.org.apply_plan(plan, now=NOW, progress=lambda *p: heard.append(p))
    assert result == ApplyResult(units_created=1204, people_created=1200, roles_added=1200)
    assert heard[-1] == ("roles", 1200, 1200)
    assert ("units", 1204, 1204) in heard
    assert [h for h in heard if h[0] == "people"] == [
        ("people", 500, 1200),
        ("people", 1000, 1200),
        ("people", 1200, 1200),
    ]
    tree = await repos.org.load_tree()
    assert tree.get("v1199").parent_code == "t2"
    assert await repos.roles.of_person(6199) == [RoleAssignment(6199, "v1199", Role.LIAISON)]
    # A second file renames some, moves one and changes a phone: only those are written.
    units[-1] = Unit("v1199", "新村", UnitKind.VILLAGE, "t0")
    people[0] = Person(5000, "新名", Language.EN, "13900000000")
    again = await repos.org.apply_plan(replace(plan, units=units, people=people), now=NOW)
    assert again == ApplyResult(units_updated=1, people_updated=1)
    assert (await repos.org.get_unit("v1199")) == Unit("v1199", "新村", UnitKind.VILLAGE, "t0")
    assert await repos.people.get(5000) == Person(5000, "新名", Language.EN, "13900000000")


def test_dependency_order_puts_parents_first_and_detects_cycles() -> None:
    a = Unit("a", "A", UnitKind.GRID, "b")
    b = Unit("b", "B", UnitKind.VILLAGE, "c")
    c = Unit("c", "C", UnitKind.TOWNSHIP, "stored-elsewhere")
    assert [u.code for u in dependency_order([a, b, c])] == ["c", "b", "a"]
    with pytest.raises(ValueError, match="cycle"):
        dependency_order([a, replace(b, parent_code="a")])
