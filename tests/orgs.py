"""The organisations the tests run on, built from shared parts instead of copied TOML.

Most tests need one of three small trees, and the people in them:

- the county tree (`COUNTY_TREE`): 县防控办 > 城关镇 > 东关村, 西关村, with codes county,
  town, east and west (the engine, check-in, declaration and report tests);
- the 示范县 tree (`XIAN`, `CHENGGUAN`, `DONGGUAN`, ...): codes as in the demo (handler tests,
  the end-to-end day of reports and the declarations);
- a township and a village (`TOWN`, `EAST`) for the in-process bot and the sender.

`org_toml` writes the organisation file a test loads, from these units and the test's own
people and groups (`Member`, `Group`): a test still reads its whole organisation in one place,
but a unit is spelt once. Tests about the file format itself (tests/unit/test_orgfile.py,
tests/storage/test_cli.py, tests/storage/conftest.py) keep their literal TOML, whose layout is
what they test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str
    parent: str | None = None


@dataclass(frozen=True)
class Member:
    telegram_id: int
    name: str
    unit: str
    role: str
    language: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Group:
    chat_id: int
    title: str
    unit: str
    purpose: str


# The county tree.
COUNTY = Unit("county", "县防控办", "office")
TOWN_IN_COUNTY = Unit("town", "城关镇", "township", "county")
EAST_IN_TOWN = Unit("east", "东关村", "village", "town")
WEST_IN_TOWN = Unit("west", "西关村", "village", "town")
COUNTY_TREE = (COUNTY, TOWN_IN_COUNTY, EAST_IN_TOWN, WEST_IN_TOWN)
COUNTY_SUPERVISOR = Member(1, "王主任", "county", "supervisor")
TOWN_SUPERVISOR_EN = Member(2, "Li Town", "town", "supervisor", language="en")

# A township and one of its villages on their own (the township is the root).
TOWN = Unit("town", "城关镇", "township")
EAST = EAST_IN_TOWN

# The 示范县 tree (the demo's codes; the demo's own file is sandbox/demo_org.toml).
XIAN = Unit("xian", "示范县", "office")
CHENGGUAN = Unit("chengguan", "城关镇", "township", "xian")
HEXI = Unit("hexi", "河西街道", "street", "xian")
DONGGUAN = Unit("dongguan", "东关村", "village", "chengguan")
XIGUAN = Unit("xiguan", "西关村", "village", "chengguan")
NANJIE = Unit("nanjie", "南街社区", "community", "chengguan")
BEIJIE = Unit("beijie", "北街社区", "community", "chengguan")
XIAN_SUPERVISOR = Member(1001, "王主任", "xian", "supervisor")
CHENGGUAN_SUPERVISOR_EN = Member(1002, "Li Zhen", "chengguan", "supervisor", language="en")
DONGGUAN_LIAISON = Member(2001, "张联络", "dongguan", "liaison")


def org_toml(
    units: Iterable[Unit] = (), members: Iterable[Member] = (), groups: Iterable[Group] = ()
) -> str:
    """An organisation file (the format `python -m bot org load` reads) of these parts."""
    tables: list[str] = []
    for unit in units:
        tables.append(_table("unit", code=unit.code, name=unit.name, kind=unit.kind))
        if unit.parent is not None:
            tables[-1] += f"parent = {_string(unit.parent)}\n"
    for member in members:
        tables.append(
            _table(
                "member",
                telegram_id=member.telegram_id,
                name=member.name,
                unit=member.unit,
                role=member.role,
                language=member.language,
                phone=member.phone,
            )
        )
    for group in groups:
        tables.append(
            _table(
                "group",
                chat_id=group.chat_id,
                title=group.title,
                unit=group.unit,
                purpose=group.purpose,
            )
        )
    return "".join(tables)


def _table(table: str, **fields: str | int | None) -> str:
    lines = [f"[[{table}]]"]
    for key, value in fields.items():
        if value is None:
            continue
        lines.append(f"{key} = {value if isinstance(value, int) else _string(value)}")
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
