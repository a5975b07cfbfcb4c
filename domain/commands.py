"""The command catalog: which commands exist, where they work and who sees them in /help."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.permissions import Actor, Capability


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
    CommandSpec("bind", Capability.SUPERVISOR, _GROUP),
    # Only the root unit's supervisors and the admins may load; others are refused politely.
    CommandSpec("risk_load", Capability.SUPERVISOR, _PRIVATE),
    CommandSpec("audit", Capability.ADMIN, _PRIVATE),
    CommandSpec("hold", Capability.ADMIN, _PRIVATE),
)


def visible_commands(actor: Actor | None, chat: ChatKind) -> list[CommandSpec]:
    """Commands the actor may use in this kind of chat; an unknown person sees everyone's."""
    caps = actor.capabilities() if actor is not None else {Capability.EVERYONE}
    return commands_for_capabilities(caps, chat)


def commands_for_capabilities(caps: set[Capability], chat: ChatKind) -> list[CommandSpec]:
    found: dict[str, CommandSpec] = {}
    for spec in CATALOG:
        if spec.capability in caps and chat in spec.chats:
            found.setdefault(spec.name, spec)
    return list(found.values())
