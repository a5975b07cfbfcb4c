"""What an audit entry is about, in one spelling: "<kind> <id>" ("declaration 12",
"person 3001"). Readers render it from the parsed form, in the reader's language.

The log is append-only, so the spellings written before this one stay: "declaration:12" (holds)
and "test_record:7" (test results) are read as the same targets, and `spellings` gives every
spelling to look an entry up by.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TargetKind(StrEnum):
    DECLARATION = "declaration"
    PERSON = "person"
    TEST_RECORD = "test_record"
    CORRECTION = "correction"


_KINDS = frozenset(kind.value for kind in TargetKind)


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    id: int

    def __str__(self) -> str:
        return f"{self.kind.value} {self.id}"


def target(kind: TargetKind, id: int) -> str:
    """The target as written to the log."""
    return str(Target(kind, id))


def parse(text: str | None) -> Target | None:
    """The target an entry names, in either spelling; None for any other text (a unit's
    code, an obligation's key, "audit log")."""
    if not text:
        return None
    for separator in (" ", ":"):
        kind, found, rest = text.partition(separator)
        if not found:
            continue
        if kind in _KINDS and rest.isascii() and rest.isdigit():
            return Target(TargetKind(kind), int(rest))
    return None


def spellings(kind: TargetKind, id: int) -> tuple[str, ...]:
    """Every spelling the log may hold for the target: today's, and the older one."""
    return (f"{kind.value} {id}", f"{kind.value}:{id}")
