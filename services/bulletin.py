"""The weekly bulletin (通报): whom it goes to, and its figures (domain/bulletin.py).

Every supervisor gets one bulletin per top-most unit they supervise (a unit below another
they supervise is in that one's bulletin), as the deadline roll-ups do; with groups on, each
bound supervisors group gets its unit's bulletin too. Reading only: the job writes the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.bulletin import Bulletin, build
from domain.org import ChatGroup, GroupPurpose, OrgTree, Person
from domain.periods import Period
from services import stats as stats_service
from services.reports.rollups import topmost_supervised
from storage import Repositories


@dataclass(frozen=True, slots=True)
class Recipients:
    people: list[tuple[Person, str]]  # (supervisor, unit), by supervisor id then unit code
    groups: list[ChatGroup]  # bound supervisors groups, by chat id

    @property
    def roots(self) -> set[str]:
        return {code for _, code in self.people} | {group.unit_code for group in self.groups}


async def weekly(
    repos: Repositories,
    root_code: str,
    week: Period,
    *,
    now: datetime,
    zone: ZoneInfo,
    tree: OrgTree | None = None,
) -> Bulletin:
    """The bulletin of `root_code`'s subtree for `week`."""
    stats = await stats_service.statistics(repos, root_code, week, now=now, zone=zone, tree=tree)
    return build(stats)


async def recipients(repos: Repositories, tree: OrgTree, *, groups: bool) -> Recipients:
    """Who gets the weekly bulletin; `groups`: the supervisors groups too."""
    entries = await topmost_supervised(repos, tree, tree)
    bound: list[ChatGroup] = []
    if groups:
        found = await repos.groups.with_purpose(GroupPurpose.SUPERVISORS)
        bound = sorted((g for g in found if g.unit_code in tree), key=lambda g: g.chat_id)
    return Recipients(entries, bound)
