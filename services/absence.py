"""Setting and clearing absences (`/away`), and who covers for whom while someone is away."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from domain.absence import CoverPlan, cover_plans
from domain.org import Language, Person, Role, RoleAssignment
from domain.outbox import OutboxMessage, Priority
from domain.permissions import STAFF_ROLES, Actor, manageable_units
from domain.recipients import Directory
from services.obligations import load_directory
from storage import Repositories


@dataclass(frozen=True, slots=True)
class Cover:
    """A CoverPlan with the people's names, ready to render."""

    unit_code: str
    unit_name: str
    role: Role
    covers: tuple[Person, ...]
    passes_up: bool
    cases: tuple[Person, ...] = ()  # when nobody covers: who still hears of residents' cases

    @property
    def nobody(self) -> bool:
        return not self.covers and not self.passes_up


@dataclass(frozen=True, slots=True)
class PlannedAbsence:
    person: Person
    starts: date
    until: date


@dataclass(frozen=True, slots=True)
class Absence:
    person: Person
    until: date
    covers: tuple[Cover, ...]


async def set_away(
    repos: Repositories, actor: Actor, starts: date, until: date, *, now: datetime
) -> bool:
    """Away from `starts` through `until`; False when exactly that was already set (nobody
    needs telling)."""
    unchanged = await coming_absence(repos, actor.telegram_id, starts) == (starts, until)
    await repos.absences.set(actor.telegram_id, until, starts=starts, now=now)
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action="away.set",
        target=f"{starts.isoformat()}..{until.isoformat()}",
        allowed=True,
    )
    return not unchanged


async def clear_away(repos: Repositories, actor: Actor, *, now: datetime) -> bool:
    """False when no absence was set."""
    cleared = await repos.absences.clear(actor.telegram_id)
    if cleared:
        await repos.audit.record(
            at=now, actor_id=actor.telegram_id, action="away.clear", allowed=True
        )
    return cleared


async def tell_covers(
    repos: Repositories,
    actor: Actor,
    covers: Iterable[Cover],
    render: Callable[[Person, Cover, str], str],
    *,
    occasion: str,
    now: datetime,
) -> int:
    """Queue a message to everyone standing in for the actor; `render(cover person, cover,
    the actor's name)` writes it. `occasion` (e.g. "set:2026-11-30") makes it once per event.
    The name is the one the organisation knows, not the Telegram display name the person
    chose. Returns the number of messages queued."""
    me = await repos.people.get(actor.telegram_id)
    name = me.name if me is not None else str(actor.telegram_id)
    queued = 0
    for cover in covers:
        for person in cover.covers:
            queued += await repos.outbox.enqueue(
                OutboxMessage(
                    dedupe_key=f"away:{actor.telegram_id}:{occasion}:{cover.unit_code}:"
                    f"{person.telegram_id}",
                    chat_id=person.telegram_id,
                    text=render(person, cover, name),
                    not_before=now,
                    priority=Priority.REMINDER,
                    recipient_id=person.telegram_id,
                ),
                now=now,
            )
    return queued


async def coming_absence(
    repos: Repositories, telegram_id: int, today: date
) -> tuple[date, date] | None:
    """The person's absence running today or set for later: its first and last day."""
    found = await repos.absences.coming(telegram_id, today)
    if found is None:
        return None
    starts, until = found
    return max(starts or today, today), until


async def covers_for(
    repos: Repositories, telegram_id: int, assignments: Iterable[RoleAssignment], on: date
) -> list[Cover]:
    """Who receives the person's reminders and escalations on `on`, role by role."""
    directory = await load_directory(repos, on)
    plans = cover_plans(telegram_id, assignments, directory, on)
    return await _named(repos, directory, plans)


async def away_in_subtree(
    repos: Repositories, actor: Actor, on: date, within: str | None = None
) -> list[Absence]:
    """Staff of the units the actor supervises (and below; only those in `within`'s subtree
    when given) who are away on `on`, but not the actor; admins see the whole organisation.
    Nearest return first."""
    directory = await load_directory(repos, on)
    tree = directory.tree
    units = {
        unit.code
        for unit in manageable_units(actor, tree)
        if within is None or tree.contains(within, unit.code)
    }
    roles_of: dict[int, list[RoleAssignment]] = {}
    for (unit_code, role), holders in directory.holders.items():
        for holder in holders:
            if unit_code in units and holder != actor.telegram_id:
                roles_of.setdefault(holder, []).append(RoleAssignment(holder, unit_code, role))
    away = {p: until for p, until in directory.away_until.items() if p in roles_of}
    people = await repos.people.many(away)
    found = []
    for person_id, until in sorted(away.items(), key=lambda item: (item[1], item[0])):
        plans = cover_plans(person_id, roles_of[person_id], directory, on)
        person = people.get(person_id) or Person(person_id, str(person_id), Language.ZH_CN)
        found.append(Absence(person, until, tuple(await _named(repos, directory, plans))))
    return found


async def planned_in_subtree(
    repos: Repositories, actor: Actor, today: date, within: str | None = None
) -> list[PlannedAbsence]:
    """Absences set in advance (beginning after `today`) of the staff of the units the actor
    supervises (only `within`'s subtree when given), but not the actor's; soonest first."""
    tree = await repos.org.load_tree()
    units = {
        unit.code
        for unit in manageable_units(actor, tree)
        if within is None or tree.contains(within, unit.code)
    }
    staff = {
        a.telegram_id for a in await repos.roles.all_holding(STAFF_ROLES) if a.unit_code in units
    } - {actor.telegram_id}
    planned = {
        p: days for p, days in (await repos.absences.planned_after(today)).items() if p in staff
    }
    people = await repos.people.many(planned)
    found = [
        PlannedAbsence(people.get(p) or Person(p, str(p), Language.ZH_CN), starts, until)
        for p, (starts, until) in planned.items()
    ]
    return sorted(found, key=lambda a: (a.starts, a.person.telegram_id))


async def _named(repos: Repositories, directory: Directory, plans: list[CoverPlan]) -> list[Cover]:
    people = await repos.people.many(p for plan in plans for p in (*plan.covers, *plan.cases))

    def named(ids: tuple[int, ...]) -> tuple[Person, ...]:
        return tuple(people.get(p) or Person(p, str(p), Language.ZH_CN) for p in ids)

    return [
        Cover(
            plan.unit_code,
            directory.tree.get(plan.unit_code).name,
            plan.role,
            named(plan.covers),
            plan.passes_up,
            named(plan.cases),
        )
        for plan in plans
    ]
