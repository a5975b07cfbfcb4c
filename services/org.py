"""Loading an organisation file into storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from domain.org import GroupPurpose, Person, Role
from domain.orgfile import parse_org_file
from services.obligations import load_directory
from services.onboarding import new_token
from storage import ApplyResult, Repositories
from storage.repos.org_plan import Progress


async def load_org_file(
    repos: Repositories, text: str, *, now: datetime, progress: Progress | None = None
) -> ApplyResult:
    """Validate the whole file against the stored tree, then upsert it in the caller's
    transaction. Raises OrgFileError, with nothing written, when any line is at fault.
    `progress` hears how far the writing has got."""
    plan = parse_org_file(text, await repos.org.load_tree())
    groups = []
    for group in plan.groups:
        # Residents groups need a join link; an existing one is kept so posted buttons stay valid.
        if group.purpose is GroupPurpose.RESIDENTS:
            stored = await repos.groups.get(group.chat_id)
            token = stored.join_token if stored and stored.join_token else new_token()
            group = replace(group, join_token=token)
        groups.append(group)
    plan.groups = groups
    return await repos.org.apply_plan(plan, now=now, progress=progress)


async def answerable_for(repos: Repositories, telegram_id: int, *, on: date) -> list[Person]:
    """The people to tell when somebody cannot be reached: for each unit the person belongs
    to, the nearest supervisors up the tree (from the unit itself) who are neither away on
    `on` nor unreachable themselves, never the person."""
    directory = await load_directory(repos, on)
    tree = directory.tree
    found: set[int] = set()
    for assignment in await repos.roles.of_person(telegram_id):
        if assignment.unit_code not in tree:
            continue
        for unit in [tree.get(assignment.unit_code), *tree.ancestors(assignment.unit_code)]:
            level = [
                p
                for p in directory.holding(unit.code, Role.SUPERVISOR)
                if p != telegram_id and not directory.stands_in(p, on)
            ]
            if level:
                found.update(level)
                break
    people = await repos.people.many(found)
    return [people[p] for p in sorted(found) if p in people]
