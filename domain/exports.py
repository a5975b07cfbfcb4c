"""Ledgers (台账) exported as .xlsx: which kinds there are, who may export which unit, and who
reads phone and ID numbers in full. Pure rules; services/exports reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from domain.cases import is_caller
from domain.org import OrgTree, Role
from domain.periods import Period
from domain.permissions import Actor, supervises

EXPORT_ACTION: Final = "export.ledger"
EXPORT_FULL_ACTION: Final = "export.full"  # the command line's --full, with its purpose

# Refusals, as message keys.
NOT_ALLOWED: Final = "export-not-allowed"
NO_DATA: Final = "export-no-data"

# Roles that answer for their own unit's ledgers (not for units below it).
_OWN_UNIT_ROLES: Final = frozenset({Role.LIAISON, Role.DEPUTY})


class ExportKind(StrEnum):
    """What is exported (the value travels in callback data and on the command line)."""

    REPORTS = "reports"  # daily reports, one row per unit and day
    DECLARATIONS = "declarations"  # 返乡人员台账
    FOLLOWUP = "followup"  # check-ins and tests
    ESCALATIONS = "escalations"  # the escalation log
    NOTICES = "notices"  # notice confirmations, one row per recipient


@dataclass(frozen=True, slots=True)
class ExportScope:
    kind: ExportKind
    unit_code: str  # the unit; its subtree is exported
    period: Period

    def describe(self) -> str:
        """For the audit log: codes and dates only, nothing personal."""
        first, last = self.period.first.isoformat(), self.period.last.isoformat()
        return f"{self.kind.value} {self.unit_code} {first}..{last}"


def may_export(actor: Actor, unit_code: str, tree: OrgTree) -> bool:
    """Admins any unit; supervisors their subtree; liaisons and deputies their own unit."""
    if unit_code not in tree:
        return False
    if actor.is_admin or supervises(actor, unit_code, tree):
        return True
    return any(a.unit_code == unit_code and a.role in _OWN_UNIT_ROLES for a in actor.assignments)


def exportable_codes(actor: Actor, tree: OrgTree) -> list[str]:
    """Every unit the actor may export, in tree order."""
    return sorted((code for code in tree.units if may_export(actor, code, tree)), key=tree.path)


def reads_full_numbers(actor: Actor, unit_code: str) -> bool:
    """The rule of the alerts: the unit's liaisons, deputies and trackers (who call the
    residents) read phone and ID numbers in full; supervisors and everyone else masked. An
    export of a unit with units below it is masked for them too: they call only their own."""
    return is_caller(actor, unit_code)


def measure_state(start: date, days: int, released: bool, today: date) -> str:
    """A declaration's measure as of `today`: a key of the ledger's state column."""
    if days <= 0:
        return "none"
    if released:
        return "released"
    if today < start:
        return "ahead"
    return "running" if (today - start).days < days else "ended"
