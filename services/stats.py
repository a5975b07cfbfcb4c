"""Statistics of a subtree over a period (domain/stats.py), read in one transaction."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.org import OrgTree
from domain.periods import Period
from domain.stats import Statistics, compute
from services.gc_pause import collection_paused
from storage import Repositories
from storage.repos.stats import StatsRepository, subtree_filter


async def statistics(
    repos: Repositories,
    root_code: str,
    period: Period,
    *,
    now: datetime,
    zone: ZoneInfo,
    tree: OrgTree | None = None,
) -> Statistics:
    """The figures of `root_code`'s subtree for `period`; `now` decides which reports are
    not due yet (the period may include today). `tree` saves loading it again."""
    tree = tree or await repos.org.load_tree()
    wanted = {unit.code for unit in tree.subtree(root_code)}
    codes = subtree_filter(tree.units, wanted)
    reader = StatsRepository(repos.session)
    with collection_paused():  # hundreds of thousands of tuples: see services/gc_pause.py
        return compute(
            tree,
            root_code,
            period,
            await reader.report_days(period, codes, now=now),
            await reader.followup_days(period, codes, now=now),
            await reader.new_declarations(period, codes, zone),
            await reader.under_measure(period, codes),
            await reader.notice_confirmations(period, codes, zone),
        )
