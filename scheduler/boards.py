"""The report boards on time: posted by a calendar job with the first reminder, closed by the
roll-up job at the deadline, and kept current in between by `BoardRefresher`.

The posting jobs are computed from the policy like the roll-up jobs: one per distinct
deadline, named after its time (`unit_report_board_1600` for a 17:00 deadline whose chain
reminds first at -60m). The refresher is a small loop woken by a commit that made a board
stale (storage.changes); each pass edits the stale boards whose last edit is at least
[reports.board] edit_interval old, then sleeps until the next one may be edited, so edits
of one group are coalesced whatever the rate of filings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.boards import BoardSettings, post_lead
from domain.obligations import ObligationKind
from domain.org import Language
from scheduler.context import JobContext, JobsConfig, Summary
from scheduler.waiting import run_passes
from services.reports import boards
from services.reports.boards import BoardTexts
from storage import Database, Repositories
from storage.repos.boards import BOARDS

logger = logging.getLogger(__name__)

BOARD_JOB_PREFIX = "unit_report_board_"
# How long the refresher sleeps at most without being woken (a clock moved by hand).
MAX_SLEEP_S = 30.0


def board_job_name(at: time) -> str:
    return f"{BOARD_JOB_PREFIX}{at:%H%M}"


def board_times(config: JobsConfig) -> dict[str, time]:
    """Posting job name -> local time, one per distinct deadline: the deadline less the lead
    of the unit_report chain's first reminder (not before midnight)."""
    lead = post_lead(config.escalation.chains.by_kind.get(ObligationKind.UNIT_REPORT))
    times: dict[str, time] = {}
    for deadline in sorted(config.reports.deadlines()):
        moment = datetime.combine(date(2000, 1, 2), deadline) - lead
        at = deadline if lead == timedelta(0) else max(moment, datetime(2000, 1, 2)).time()
        times[board_job_name(at)] = at
    return times


def _texts(context: JobContext) -> BoardTexts:
    if context.board_texts is None:
        raise RuntimeError("boards need texts to render them (CalendarJobs(board_texts=...))")
    return context.board_texts


async def post_today(context: JobContext) -> Summary:
    """Post the day's boards not yet posted (idempotent)."""
    texts = _texts(context)
    async with context.database.transaction() as session:
        posted = await boards.post_boards(
            Repositories(session),
            texts,
            context.today,
            now=context.now,
            language=context.config.default_language,
            zone=context.zone,
        )
    return {"boards": posted}


async def close_day(context: JobContext, day: date) -> Summary:
    """Close `day`'s boards whose every deadline has passed (idempotent)."""
    texts = _texts(context)
    async with context.database.transaction() as session:
        closed = await boards.close_boards(
            Repositories(session),
            texts,
            context.reports,
            context.config.boards,
            day,
            now=context.now,
            language=context.config.default_language,
            zone=context.zone,
        )
    return {"boards_closed": closed.boards, "board_messages": closed.edits + closed.messages}


class BoardRefresher:
    """Edits stale boards, each at most once per edit interval, until `stop()`."""

    def __init__(
        self,
        database: Database,
        texts: BoardTexts,
        settings: BoardSettings,
        *,
        now: Callable[[], datetime],
        language: Language,
        zone: ZoneInfo,
    ) -> None:
        self.database = database
        self.texts = texts
        self.settings = settings
        self.now = now
        self.language = language
        self.zone = zone
        self.wake = database.changed(BOARDS)
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Refresh until `stop()`; a failing pass is logged and tried again later."""
        await run_passes(
            self._pass,
            wake=self.wake,
            stopping=self._stopping,
            logger=logger,
            what="refreshing the report boards",
            max_backoff_s=MAX_SLEEP_S,
        )

    async def _pass(self) -> float:
        await self.run_due()
        return await self._until_next()

    async def stop(self) -> None:
        self._stopping.set()

    async def run_due(self) -> int:
        """Write every edit due now; the number written."""
        written = 0
        while True:
            async with self.database.transaction() as session:
                batch = await boards.refresh(
                    Repositories(session),
                    self.texts,
                    self.settings,
                    now=self.now(),
                    language=self.language,
                    zone=self.zone,
                )
            written += batch
            if batch < boards.REFRESH_BATCH:
                return written

    async def _until_next(self) -> float:
        async with self.database.session() as session:
            at = await boards.next_refresh_at(
                Repositories(session), self.settings, now=self.now(), zone=self.zone
            )
        if at is None:
            return MAX_SLEEP_S
        return min(max((at - self.now()).total_seconds(), 0.05), MAX_SLEEP_S)
