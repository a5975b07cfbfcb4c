"""Organisation files: a TOML list of units, members and groups, validated as a whole.

Validation happens before anything is stored, so a file with one bad line changes nothing.
Errors name the line at fault; tomllib reports syntax errors with a line but not which table
entry a semantic error belongs to, so the table headers are located in the raw text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from domain.org import (
    UNIT_CODE_PATTERN,
    ChatGroup,
    GroupPurpose,
    Language,
    OrgTree,
    Person,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
)

_E = TypeVar("_E", bound=StrEnum)
_TABLES = ("unit", "member", "group")
_HEADER = re.compile(r"^\s*\[\[\s*(\w+)\s*\]\]")
# Longest accepted texts; storage columns are sized to match.
MAX_LENGTH = {"name": 200, "title": 255}
MAX_PHONE_LENGTH = 32
_ALLOWED_KEYS = {
    "unit": {"code", "name", "kind", "parent"},
    "member": {"telegram_id", "name", "unit", "role", "language", "phone"},
    "group": {"chat_id", "title", "unit", "purpose"},
}


@dataclass(frozen=True, slots=True)
class OrgFileProblem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class OrgFileError(ValueError):
    def __init__(self, problems: list[OrgFileProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(slots=True)
class OrgPlan:
    units: list[Unit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    assignments: list[RoleAssignment] = field(default_factory=list)
    groups: list[ChatGroup] = field(default_factory=list)


class _Locator:
    """Maps the n-th [[table]] entry and its keys back to line numbers of the source text."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._headers: dict[str, list[int]] = {name: [] for name in _TABLES}
        self.unknown_tables: list[tuple[str, int]] = []
        for number, line in enumerate(self._lines, start=1):
            match = _HEADER.match(line)
            if match:
                name = match.group(1)
                if name in self._headers:
                    self._headers[name].append(number)
                else:
                    self.unknown_tables.append((name, number))

    def entry(self, table: str, index: int) -> int | None:
        headers = self._headers[table]
        return headers[index] if index < len(headers) else None

    def key(self, table: str, index: int, key: str) -> int | None:
        start = self.entry(table, index)
        if start is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        # By index, not over a slice: copying the rest of the file for every key of every
        # entry made a large file's check quadratic.
        for index in range(start, len(self._lines)):
            line = self._lines[index]
            if _HEADER.match(line) or line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return index + 1
        return start


def parse_org_file(text: str, existing: OrgTree | None = None) -> OrgPlan:
    """Parse and validate an organisation file against the units already stored."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise OrgFileError([OrgFileProblem(None, f"not valid TOML: {error}")]) from None
    locator = _Locator(text)
    checker = _Checker(locator, existing or OrgTree({}))
    for name, line in locator.unknown_tables:
        checker.problem(line, f"unknown table [[{name}]] (expected unit, member or group)")
    for key in data:
        if key not in _TABLES:
            checker.problem(None, f"unknown top-level key {key!r}")
    for table in _TABLES:
        entries = data.get(table, [])
        if not isinstance(entries, list):
            checker.problem(None, f"{table!r} must be written as [[{table}]] tables")
            continue
        for index, entry in enumerate(entries):
            checker.check_entry(table, index, entry)
    checker.check_tree()
    if checker.problems:
        raise OrgFileError(checker.problems)
    return checker.plan


class _Checker:
    def __init__(self, locator: _Locator, existing: OrgTree) -> None:
        self.locator = locator
        self.existing = existing
        self.problems: list[OrgFileProblem] = []
        self.plan = OrgPlan()
        self._unit_lines: dict[str, int | None] = {}
        self._unit_entry: dict[str, int] = {}
        self._group_lines: dict[int, int | None] = {}

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(OrgFileProblem(line, message))

    def check_entry(self, table: str, index: int, entry: Mapping[str, Any]) -> None:
        line = self.locator.entry(table, index)
        for key in sorted(set(entry) - _ALLOWED_KEYS[table]):
            self.problem(self.locator.key(table, index, key), f"unknown key {key!r} in [[{table}]]")
        getattr(self, f"_check_{table}")(index, entry, line)

    def _required(
        self, table: str, index: int, entry: Mapping[str, Any], key: str, kind: type
    ) -> Any:
        value = entry.get(key)
        line = self.locator.key(table, index, key)
        if value is None:
            self.problem(self.locator.entry(table, index), f"[[{table}]] is missing {key!r}")
            return None
        if isinstance(value, str):
            value = value.strip()
        if not isinstance(value, kind) or isinstance(value, bool) or value in ("", 0):
            self.problem(line, f"{key!r} must be a non-empty {kind.__name__}")
            return None
        if isinstance(value, str) and len(value) > MAX_LENGTH.get(key, len(value)):
            self.problem(line, f"{key!r} is longer than {MAX_LENGTH[key]} characters")
            return None
        return value

    def _choice(self, table: str, index: int, value: Any, key: str, enum: type[_E]) -> _E | None:
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.problem(
                self.locator.key(table, index, key), f"unknown {key} {value!r} (one of: {allowed})"
            )
            return None

    def _known_unit(self, table: str, index: int, code: str | None) -> bool:
        if code is None:
            return False
        if code in self._unit_lines or code in self.existing:
            return True
        self.problem(self.locator.key(table, index, "unit"), f"unknown unit {code!r}")
        return False

    def _check_unit(self, index: int, entry: Mapping[str, Any], line: int | None) -> None:
        code = self._required("unit", index, entry, "code", str)
        name = self._required("unit", index, entry, "name", str)
        kind_value = self._required("unit", index, entry, "kind", str)
        kind = self._choice("unit", index, kind_value, "kind", UnitKind) if kind_value else None
        parent = entry.get("parent")
        if code is not None and not UNIT_CODE_PATTERN.match(code):
            self.problem(
                self.locator.key("unit", index, "code"),
                f"code {code!r} must be 1-40 lower-case letters, digits, '-' or '_'",
            )
            return
        if parent is not None and not isinstance(parent, str):
            self.problem(self.locator.key("unit", index, "parent"), "'parent' must be a unit code")
            return
        if code is None or name is None or kind is None:
            return
        if code in self._unit_lines:
            self.problem(
                self.locator.key("unit", index, "code"),
                f"duplicate unit code {code!r} (first at line {self._unit_lines[code]})",
            )
            return
        self._unit_lines[code] = line
        self._unit_entry[code] = index
        self.plan.units.append(Unit(code, name.strip(), kind, parent))

    def _check_member(self, index: int, entry: Mapping[str, Any], line: int | None) -> None:
        telegram_id = self._required("member", index, entry, "telegram_id", int)
        name = self._required("member", index, entry, "name", str)
        unit = self._required("member", index, entry, "unit", str)
        role_value = self._required("member", index, entry, "role", str)
        role = self._choice("member", index, role_value, "role", Role) if role_value else None
        language = self._choice(
            "member", index, entry.get("language", "zh_CN"), "language", Language
        )
        phone = entry.get("phone")
        if phone is not None and (
            not isinstance(phone, str | int) or len(str(phone)) > MAX_PHONE_LENGTH
        ):
            self.problem(
                self.locator.key("member", index, "phone"),
                f"'phone' must be a number of at most {MAX_PHONE_LENGTH} characters",
            )
            return
        if telegram_id is not None and telegram_id < 0:
            self.problem(
                self.locator.key("member", index, "telegram_id"), "'telegram_id' must be positive"
            )
            return
        known = self._known_unit("member", index, unit)
        if not known or telegram_id is None or name is None or role is None or language is None:
            return
        self.plan.people.append(
            Person(telegram_id, name.strip(), language, str(phone) if phone else None)
        )
        self.plan.assignments.append(RoleAssignment(telegram_id, unit, role))

    def _check_group(self, index: int, entry: Mapping[str, Any], line: int | None) -> None:
        chat_id = self._required("group", index, entry, "chat_id", int)
        title = self._required("group", index, entry, "title", str)
        unit = self._required("group", index, entry, "unit", str)
        purpose_value = self._required("group", index, entry, "purpose", str)
        purpose = (
            self._choice("group", index, purpose_value, "purpose", GroupPurpose)
            if purpose_value
            else None
        )
        if not self._known_unit("group", index, unit) or None in (chat_id, title):
            return
        if purpose is None:
            return
        if chat_id in self._group_lines:
            self.problem(
                self.locator.key("group", index, "chat_id"),
                f"duplicate group chat_id {chat_id} (first at line {self._group_lines[chat_id]})",
            )
            return
        self._group_lines[chat_id] = line
        self.plan.groups.append(ChatGroup(chat_id, title, unit, purpose))

    def check_tree(self) -> None:
        """Parents must exist (in the file or already stored) and the tree must stay acyclic."""
        merged = {**self.existing.units, **{unit.code: unit for unit in self.plan.units}}
        for unit in self.plan.units:
            if unit.parent_code is not None and unit.parent_code not in merged:
                self.problem(
                    self._parent_line(unit.code),
                    f"unit {unit.code!r} has unknown parent {unit.parent_code!r}",
                )
        for unit in self.plan.units:
            seen = {unit.code}
            parent = unit.parent_code
            while parent is not None and parent in merged:
                if parent in seen:
                    self.problem(
                        self._parent_line(unit.code), f"unit {unit.code!r} is part of a cycle"
                    )
                    break
                seen.add(parent)
                parent = merged[parent].parent_code

    def _parent_line(self, code: str) -> int | None:
        return self.locator.key("unit", self._unit_entry[code], "parent")
