"""The command catalog: which commands exist, where they work and who sees them in /help."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.org import OrgTree
from domain.permissions import Actor, Capability, capabilities_in


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    capability: Capability
    chats: frozenset[ChatKind]

    @property
    def description_key(self) -> str:
        return f"cmd-{self.name}"


_BOTH = frozenset({ChatKind.PRIVATE, ChatKind.GROUP})
_PRIVATE = frozenset({ChatKind.PRIVATE})
_GROUP = frozenset({ChatKind.GROUP})

CATALOG: tuple[CommandSpec, ...] = (
    CommandSpec("start", Capability.EVERYONE, _PRIVATE),
    CommandSpec("help", Capability.EVERYONE, _BOTH),
    CommandSpec("whoami", Capability.EVERYONE, _PRIVATE),
    CommandSpec("lang", Capability.EVERYONE, _PRIVATE),
    CommandSpec("cancel", Capability.EVERYONE, _PRIVATE),
    CommandSpec("declare", Capability.EVERYONE, _BOTH),
    CommandSpec("checkin", Capability.EVERYONE, _PRIVATE),
    CommandSpec("mine", Capability.EVERYONE, _PRIVATE),
    CommandSpec("risk", Capability.EVERYONE, _PRIVATE),
    CommandSpec("mydata", Capability.EVERYONE, _PRIVATE),
    CommandSpec("away", Capability.STAFF, _PRIVATE),
    CommandSpec("results", Capability.STAFF, _PRIVATE),
    CommandSpec("declare_for", Capability.WORKER, _PRIVATE),
    # Liaisons, deputies and trackers get their units' list, supervisors (and admins) the
    # counts per unit below: listed twice, shown once.
    CommandSpec("cases", Capability.WORKER, _PRIVATE),
    CommandSpec("cases", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("report", Capability.FILER, _PRIVATE),
    CommandSpec("zero", Capability.FILER, _PRIVATE),
    # Liaisons and deputies see their own units, supervisors (and admins) their subtree:
    # listed twice, shown once.
    CommandSpec("status", Capability.FILER, _PRIVATE),
    CommandSpec("status", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("invite", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("members", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("stats", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("bulletin", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("notice", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("notices", Capability.SUPERVISOR, _PRIVATE),
    # Ledgers (台账): liaisons and deputies their own unit, supervisors (and admins) their
    # subtree: listed twice, shown once.
    CommandSpec("export", Capability.FILER, _PRIVATE),
    CommandSpec("export", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("bind", Capability.SUPERVISOR, _GROUP),
    # Only the root unit's supervisors and the admins may load: nobody else is offered it.
    CommandSpec("risk_load", Capability.OFFICE, _PRIVATE),
    CommandSpec("audit", Capability.ADMIN, _PRIVATE),
    CommandSpec("hold", Capability.ADMIN, _PRIVATE),
)


def visible_commands(actor: Actor | None, chat: ChatKind, tree: OrgTree) -> list[CommandSpec]:
    """Commands the actor may use in this kind of chat; an unknown person sees everyone's.
    The /help list and the command menu both come from here (tests/handlers/
    test_menus_match_permissions.py runs each listed command as each role)."""
    caps = capabilities_in(actor, tree) if actor is not None else {Capability.EVERYONE}
    return commands_for_capabilities(caps, chat)


def commands_for_capabilities(caps: set[Capability], chat: ChatKind) -> list[CommandSpec]:
    found: dict[str, CommandSpec] = {}
    for spec in CATALOG:
        if spec.capability in caps and chat in spec.chats:
            found.setdefault(spec.name, spec)
    return list(found.values())
