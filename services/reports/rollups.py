"""Roll-ups of a subtree's reports for a day, and who receives them."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, datetime, time

from domain.obligations import Obligation, ObligationKind, ObligationState
from domain.org import GroupPurpose, OrgTree, Person, Role
from domain.reports import (
    FiledReport,
    ReportPolicy,
    Rollup,
    rollup,
)
from storage import Repositories


async def day_rollup(
    repos: Repositories,
    policy: ReportPolicy,
    root_code: str,
    day: date,
    *,
    deadline: time | None = None,
    tree: OrgTree | None = None,
) -> Rollup:
    """The roll-up of `root_code`'s subtree for `day`.

    Owing are the units with a unit_report obligation for that day, excused those whose
    obligation a supervisor excused. `deadline` keeps only units reporting by that deadline
    (the roll-up sent at it); `tree` saves loading the tree again when building many.
    """
    tree = tree or await repos.org.load_tree()
    subtree = [unit.code for unit in tree.subtree(root_code)]
    owed = await repos.obligations.for_period(ObligationKind.UNIT_REPORT, day.isoformat(), subtree)
    return _rollup_of(
        tree, policy, root_code, day, owed, await _versions(repos, day, owed), deadline
    )


async def _versions(repos: Repositories, day: date, owed: list[Obligation]) -> list[FiledReport]:
    return await repos.reports.for_day(day, [ob.unit_code for ob in owed]) if owed else []


def _with_deadline(
    tree: OrgTree, policy: ReportPolicy, owed: list[Obligation], deadline: time | None
) -> list[Obligation]:
    if deadline is None:
        return [ob for ob in owed if ob.unit_code in tree]
    kept = []
    for ob in owed:
        if ob.unit_code not in tree:
            continue
        schedule = policy.schedule_for(tree.get(ob.unit_code))
        if schedule is not None and schedule.deadline == deadline:
            kept.append(ob)
    return kept


def _rollup_of(
    tree: OrgTree,
    policy: ReportPolicy,
    root_code: str,
    day: date,
    owed: list[Obligation],
    versions: list[FiledReport],
    deadline: time | None,
    now: datetime | None = None,
) -> Rollup:
    kept = _with_deadline(tree, policy, owed, deadline)
    ahead = [ob.unit_code for ob in kept if now is not None and not_due_yet(ob, now)]
    return rollup(
        tree,
        root_code,
        day,
        owing=[ob.unit_code for ob in kept],
        versions=versions,
        excused=[ob.unit_code for ob in kept if ob.state is ObligationState.EXCUSED],
        form=policy.rollup_form(tree.get(ob.unit_code) for ob in kept),
        not_due=ahead,
    )


def not_due_yet(obligation: Obligation, now: datetime) -> bool:
    """Still open with its deadline ahead: not filed yet, but not missing either."""
    return obligation.state is ObligationState.OPEN and obligation.due_at > now


async def day_rollups(
    repos: Repositories,
    policy: ReportPolicy,
    root_codes: list[str],
    day: date,
    *,
    deadline: time | None = None,
    now: datetime | None = None,
) -> dict[str, Rollup]:
    """`day_rollup` for several roots with one read of the tree, obligations and reports.
    `now` (asked while the day runs, /status): units whose deadline is still ahead are not due
    yet rather than missing."""
    tree = await repos.org.load_tree()
    # Only the subtrees asked about: a township's roll-up reads its own units' reports, not
    # the county's ten thousand.
    wanted = {unit.code for code in root_codes if code in tree for unit in tree.subtree(code)}
    period = day.isoformat()
    every = len(wanted) == len(tree.units)
    owed = await repos.obligations.for_period(
        ObligationKind.UNIT_REPORT, period, None if every else wanted
    )
    owed = _with_deadline(tree, policy, owed, deadline)
    versions = await _versions(repos, day, owed)
    result: dict[str, Rollup] = {}
    for code in root_codes:
        if code not in tree:
            continue
        subtree = {unit.code for unit in tree.subtree(code)}
        mine = [ob for ob in owed if ob.unit_code in subtree]
        result[code] = _rollup_of(tree, policy, code, day, mine, versions, None, now)
    return result


async def work_group_of(repos: Repositories, unit_code: str) -> int | None:
    """The unit's own work group chat (the first bound, by chat id), if any."""
    groups = await repos.groups.of_unit(unit_code, GroupPurpose.WORK)
    return groups[0].chat_id if groups else None


async def supervisors_for_rollup(
    repos: Repositories, policy: ReportPolicy, deadline: time, day: date
) -> list[tuple[Person, str]]:
    """(supervisor, unit they supervise) for every supervisor whose subtree holds units owing
    a report on `day` by `deadline`. A supervisor of several units gets one entry per
    top-most one (a unit below another they supervise is covered by that one's roll-up).
    Sorted by supervisor id, then unit code."""
    tree = await repos.org.load_tree()
    owed = await repos.obligations.for_period(ObligationKind.UNIT_REPORT, day.isoformat())
    owing = {ob.unit_code for ob in _with_deadline(tree, policy, owed, deadline)}
    if not owing:
        return []
    # Every unit with an owing unit at or below it.
    covering: set[str] = set()
    for code in owing:
        covering.add(code)
        covering.update(unit.code for unit in tree.ancestors(code))
    return await topmost_supervised(repos, tree, covering)


async def topmost_supervised(
    repos: Repositories, tree: OrgTree, among: Container[str]
) -> list[tuple[Person, str]]:
    """(supervisor, unit) for every supervisor of a unit in `among`, one entry per top-most
    such unit of theirs (one below another they supervise is covered by that one). Sorted by
    supervisor id, then unit code. The roll-ups and the weekly bulletin go to these."""
    supervised: dict[int, set[str]] = {}
    for assignment in await repos.roles.all_holding([Role.SUPERVISOR]):
        if assignment.unit_code in among:
            supervised.setdefault(assignment.telegram_id, set()).add(assignment.unit_code)
    people = await repos.people.many(supervised)
    entries: list[tuple[Person, str]] = []
    for telegram_id in sorted(supervised):
        person = people.get(telegram_id)
        if person is None:  # pragma: no cover - a role row always has its person
            continue
        codes = supervised[telegram_id]
        for code in sorted(codes):
            if not any(a.code in codes for a in tree.ancestors(code)):
                entries.append((person, code))
    return entries
