"""The organisation: units in a tree, people, their roles and the chat groups bound to units."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

UNIT_CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class UnitKind(StrEnum):
    OFFICE = "office"  # 县防控办 and other prevention offices
    TOWNSHIP = "township"  # 乡镇
    STREET = "street"  # 街道
    VILLAGE = "village"  # 村
    COMMUNITY = "community"  # 社区
    SCHOOL = "school"
    ENTERPRISE = "enterprise"
    VENUE = "venue"  # 场所
    GRID = "grid"  # 网格


class Role(StrEnum):
    SUPERVISOR = "supervisor"  # of the unit's whole subtree
    LIAISON = "liaison"  # files the unit's reports
    DEPUTY = "deputy"  # covers the liaison
    TRACKER = "tracker"  # responsible for assigned residents
    RESIDENT = "resident"


class GroupPurpose(StrEnum):
    RESIDENTS = "residents"
    WORK = "work"  # the unit's liaisons and workers
    SUPERVISORS = "supervisors"


class Language(StrEnum):
    ZH_CN = "zh_CN"
    EN = "en"

    @classmethod
    def from_telegram(cls, language_code: str | None, default: Language) -> Language:
        """Telegram sends IETF tags such as 'zh-hans' or 'en-US'."""
        if not language_code:
            return default
        primary = language_code.lower().split("-")[0].split("_")[0]
        return {"zh": cls.ZH_CN, "en": cls.EN}.get(primary, default)


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str
    kind: UnitKind
    parent_code: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    telegram_id: int
    name: str
    language: Language
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    telegram_id: int
    unit_code: str
    role: Role


@dataclass(frozen=True, slots=True)
class ChatGroup:
    chat_id: int
    title: str
    unit_code: str
    purpose: GroupPurpose
    join_token: str | None = None  # residents groups: the deep-link token that registers residents


class UnknownUnitError(KeyError):
    pass


@dataclass(slots=True)
class OrgTree:
    """An immutable view of the unit tree, answering ancestry questions without I/O."""

    units: dict[str, Unit]
    _children: dict[str | None, list[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._children = {}
        for unit in self.units.values():
            self._children.setdefault(unit.parent_code, []).append(unit.code)
        for codes in self._children.values():
            codes.sort()

    @classmethod
    def of(cls, units: Iterable[Unit]) -> OrgTree:
        return cls({unit.code: unit for unit in units})

    def __contains__(self, code: object) -> bool:
        return code in self.units

    def get(self, code: str) -> Unit:
        try:
            return self.units[code]
        except KeyError:
            raise UnknownUnitError(code) from None

    def roots(self) -> list[Unit]:
        return [self.units[code] for code in self._children.get(None, [])]

    def children(self, code: str) -> list[Unit]:
        return [self.units[child] for child in self._children.get(code, [])]

    def ancestors(self, code: str) -> list[Unit]:
        """Parents of the unit, nearest first (the unit itself excluded)."""
        chain: list[Unit] = []
        parent = self.get(code).parent_code
        while parent is not None:
            unit = self.get(parent)
            chain.append(unit)
            parent = unit.parent_code
        return chain

    def subtree(self, code: str) -> Iterator[Unit]:
        """The unit and everything below it, depth first."""
        stack = [code]
        while stack:
            current = stack.pop()
            yield self.get(current)
            stack.extend(reversed(self._children.get(current, [])))

    def contains(self, ancestor_code: str, code: str) -> bool:
        """Whether `code` is `ancestor_code` itself or lies below it."""
        if code == ancestor_code:
            return code in self.units
        return any(unit.code == ancestor_code for unit in self.ancestors(code))

    def path(self, code: str) -> str:
        """A readable path from the root, e.g. '示范县 / 城关镇 / 东关村'."""
        names = [unit.name for unit in reversed(self.ancestors(code))]
        return " / ".join([*names, self.get(code).name])
