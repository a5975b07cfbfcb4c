"""Who may do what. Every command and callback handler asks here before acting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from domain.org import OrgTree, Role, RoleAssignment, Unit


class Capability(StrEnum):
    """Coarse abilities, used for /help and command menus; unit-scoped checks come on top."""

    EVERYONE = "everyone"
    WORKER = "worker"  # liaison, deputy or tracker of some unit
    FILER = "filer"  # liaison or deputy of some unit: files its daily report
    STAFF = "staff"  # any role but resident: supervisor, liaison, deputy or tracker
    SUPERVISOR = "supervisor"
    # The prevention office: a supervisor of a top unit, or an admin. What applies to everyone
    # (the risk-area list) is theirs; needs the tree, so see `capabilities_in`.
    OFFICE = "office"
    ADMIN = "admin"


# Roles that carry duties someone must cover while the holder is away (/away).
STAFF_ROLES = frozenset({Role.SUPERVISOR, Role.LIAISON, Role.DEPUTY, Role.TRACKER})


@dataclass(frozen=True, slots=True)
class Actor:
    telegram_id: int
    is_admin: bool = False
    assignments: tuple[RoleAssignment, ...] = field(default_factory=tuple)

    def units_with(self, role: Role) -> list[str]:
        return sorted({a.unit_code for a in self.assignments if a.role is role})

    def capabilities(self) -> set[Capability]:
        caps = {Capability.EVERYONE}
        roles = {a.role for a in self.assignments}
        if roles & {Role.LIAISON, Role.DEPUTY, Role.TRACKER}:
            caps.add(Capability.WORKER)
        if roles & {Role.LIAISON, Role.DEPUTY}:
            caps.add(Capability.FILER)
        if roles & STAFF_ROLES:
            caps.add(Capability.STAFF)
        if Role.SUPERVISOR in roles or self.is_admin:
            caps.add(Capability.SUPERVISOR)
        if self.is_admin:
            caps.add(Capability.ADMIN)
        return caps


def is_office(actor: Actor, tree: OrgTree) -> bool:
    """An admin, or a supervisor of a top unit (the prevention office)."""
    if actor.is_admin:
        return True
    tops = {unit.code for unit in tree.roots()}
    return bool(tops & set(actor.units_with(Role.SUPERVISOR)))


def capabilities_in(actor: Actor, tree: OrgTree) -> set[Capability]:
    """`Actor.capabilities`, with those that depend on where in the tree the roles are."""
    caps = actor.capabilities()
    if is_office(actor, tree):
        caps.add(Capability.OFFICE)
    return caps


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason_key: str | None = None  # message key explaining a refusal

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def supervises(actor: Actor, unit_code: str, tree: OrgTree) -> bool:
    """A supervisor of a unit answers for that unit's whole subtree."""
    if unit_code not in tree:
        return False
    return any(tree.contains(top, unit_code) for top in actor.units_with(Role.SUPERVISOR))


def can_manage_unit(actor: Actor, unit_code: str, tree: OrgTree) -> Decision:
    if unit_code not in tree:
        return Decision(False, "unit-unknown")
    if actor.is_admin or supervises(actor, unit_code, tree):
        return ALLOWED
    return Decision(False, "perm-not-supervisor")


def can_invite(actor: Actor, role: Role, unit_code: str, tree: OrgTree) -> Decision:
    # Residents join through their group's link, so inviting one would only confuse the ledger.
    if role is Role.RESIDENT:
        return Decision(False, "invite-resident-via-group")
    return can_manage_unit(actor, unit_code, tree)


def can_bind_group(actor: Actor, unit_code: str, tree: OrgTree) -> Decision:
    return can_manage_unit(actor, unit_code, tree)


def manageable_units(actor: Actor, tree: OrgTree) -> list[Unit]:
    """Units the actor may invite to or bind groups for, in tree order without repeats."""
    tops: Iterable[str] = (
        [unit.code for unit in tree.roots()]
        if actor.is_admin
        else actor.units_with(Role.SUPERVISOR)
    )
    seen: dict[str, Unit] = {}
    for top in tops:
        if top in tree:
            for unit in tree.subtree(top):
                seen.setdefault(unit.code, unit)
    return list(seen.values())
