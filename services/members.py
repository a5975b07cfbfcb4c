"""The people of a unit and taking a role away (`/members`): checked, audited, and told to
the person; what the unit owes goes on reaching whoever still holds its roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.org import Language, Person, Role, RoleAssignment, Unit
from domain.outbox import OutboxMessage, Priority
from domain.permissions import Actor, can_manage_unit
from services.onboarding import log_refusal, refuse
from services.refusal import Refused
from storage import Repositories

ACTION = "role.revoke"
# Who receives a unit's reminders and escalations (domain/recipients.py): when none of them
# is left, nobody does.
UNIT_WORKERS = (Role.LIAISON, Role.DEPUTY)


@dataclass(frozen=True, slots=True)
class Member:
    assignment_id: int
    person: Person
    role: Role


@dataclass(frozen=True, slots=True)
class Removal:
    unit: Unit
    person: Person
    role: Role
    remaining: tuple[Person, ...]  # the unit's liaisons and deputies after the removal


async def members_of(
    repos: Repositories, actor: Actor, unit_code: str, *, now: datetime
) -> tuple[Unit, list[Member]]:
    """The unit and everyone holding a role in it; Refused (audited) unless the actor may
    manage the unit."""
    tree = await repos.org.load_tree()
    decision = can_manage_unit(actor, unit_code, tree)
    if not decision:
        raise await refuse(repos, actor, "members", unit_code, decision, now)
    held = await repos.roles.in_unit(unit_code)
    return tree.get(unit_code), [Member(found, person, role) for found, person, role in held]


async def member(
    repos: Repositories, actor: Actor, assignment_id: int, *, now: datetime
) -> tuple[Unit, Member]:
    """One assignment (from a button: not trusted), with its unit; Refused (audited) unless
    the actor may manage its unit, or when it no longer exists."""
    assignment = await repos.roles.by_id(assignment_id)
    if assignment is None:
        raise Refused("members-already-gone")
    unit, people = await members_of(repos, actor, assignment.unit_code, now=now)
    found = next((m for m in people if m.assignment_id == assignment_id), None)
    if found is None:
        raise Refused("members-already-gone")
    return unit, found


async def remove_role(
    repos: Repositories,
    actor: Actor,
    assignment_id: int,
    *,
    now: datetime,
    notice: Callable[[Language, Unit, Role], str],
) -> Removal:
    """Take the assignment away and queue `notice(language, unit, role)` to the person. Refused
    (audited) without the right to manage the unit, for one's own role (someone else must
    take it), or when the role is no longer held."""
    unit, held = await member(repos, actor, assignment_id, now=now)
    assignment = RoleAssignment(held.person.telegram_id, unit.code, held.role)
    target = f"{assignment.telegram_id}:{assignment.role.value}@{assignment.unit_code}"
    if assignment.telegram_id == actor.telegram_id:
        await log_refusal(repos, actor, ACTION, target, "members-not-yourself", now)
        raise Refused("members-not-yourself")
    if not await repos.roles.revoke(assignment_id):
        raise Refused("members-already-gone")
    await repos.audit.record(
        at=now, actor_id=actor.telegram_id, action=ACTION, target=target, allowed=True
    )
    person = held.person
    await repos.outbox.enqueue(
        OutboxMessage(
            dedupe_key=f"role-revoked:{target}:{now.isoformat()}",
            chat_id=person.telegram_id,
            text=notice(person.language, unit, assignment.role),
            not_before=now,
            priority=Priority.REMINDER,
            recipient_id=person.telegram_id,
        ),
        now=now,
    )
    remaining = [p for role in UNIT_WORKERS for p in await repos.roles.holders(unit.code, role)]
    return Removal(unit, person, assignment.role, tuple(remaining))
