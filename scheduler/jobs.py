"""Calendar jobs: actions run at crontab times from the [jobs] configuration.

APScheduler's AsyncIOScheduler fires them, with its in-memory job store only: the jobs are
rebuilt from the configuration at every start, so nothing pickled survives a refactor and
several instances never share (or fight over) a job table. A run missed while the process was
down is therefore not replayed; each action instead catches up on its own, since it works on
"everything older than X" rather than "what happened since the last run".

An action is a plain async function taking a `JobContext` and returning a small summary of
counts for the log. Register one with `@action("name")`; the configuration then accepts that
name in `[[jobs.schedule]]`. Every action runs in its own transaction and is idempotent: two
instances firing the same job, or a job run twice, change nothing the second time.

Unit daily reports add a built-in action, `open_unit_reports` (midnight local: open the day's
unit_report obligations), and one roll-up job per distinct deadline of the [reports] policy
(`unit_report_rollup_HHMM`), computed from the policy rather than configured: at each
deadline every supervisor whose subtree owes reports by it gets the day's roll-up, rendered by
the injected `RollupTexts`, in the outbox. The roll-up jobs run only when texts are given.
With board texts too (and [reports.board] enabled), one job per deadline posts the groups'
report boards with the first reminder (`unit_report_board_HHMM`, scheduler.boards), and the
roll-up job closes them. With bulletin texts (and [views.bulletin] enabled), `weekly_bulletin`
sends last week's bulletins at the configured day and time (scheduler.bulletin).

Crontab expressions are read as crontab(5) reads them. APScheduler 3's own `from_crontab`
numbers the days of the week from Monday = 0, so `cron_trigger` translates the day-of-week
field to names first, and it refuses restricting both the day of the month and the day of
the week, which crontab ORs and APScheduler ANDs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from domain.org import Language
from scheduler.actions import rollup_day, rollup_job_name, send_rollups
from scheduler.boards import board_times, close_day, post_today
from scheduler.bulletin import BULLETIN_JOB, send_bulletins
from scheduler.context import (
    ACTIONS,
    Action,
    BulletinTexts,
    JobContext,
    JobsConfig,
    RollupTexts,
    ScheduledJob,
    Summary,
)
from scheduler.crontab import cron_trigger, next_fire_times
from services.measure_end import MeasureTexts
from services.notices.sending import NoticeConfig
from services.reports.boards import BoardTexts
from storage import Database

logger = logging.getLogger(__name__)

# How long `shutdown` lets running actions finish before cancelling them (their transaction
# then rolls back, and the next run does the work).
SHUTDOWN_GRACE_S = 10.0


class CalendarJobs:
    """Runs the configured, enabled jobs at their times on the running event loop.

    `start()` (inside the loop) schedules them; `shutdown()` stops the scheduler after
    letting running actions finish; `run_now(name)` runs one job's action at once (tests, the
    CLI), scheduled or not. An action that raises during a scheduled run is logged and the
    job fires again at its next time.
    """

    def __init__(
        self,
        database: Database,
        config: JobsConfig,
        *,
        now: Callable[[], datetime],
        actions: Mapping[str, Action] | None = None,
        rollup_texts: RollupTexts | None = None,
        draft_notice: Callable[[Language], str] | None = None,
        measure_texts: MeasureTexts | None = None,
        board_texts: BoardTexts | None = None,
        bulletin_texts: BulletinTexts | None = None,
        notice_config: NoticeConfig | None = None,
    ) -> None:
        self.database = database
        self.config = config
        self.now = now
        self.actions = ACTIONS if actions is None else actions
        self.jobs: dict[str, ScheduledJob] = {job.name: job for job in config.schedule}
        self.rollup_texts = rollup_texts
        self.draft_notice = draft_notice
        self.measure_texts = measure_texts
        self.board_texts = board_texts
        self.bulletin_texts = bulletin_texts
        self.notice_config = notice_config
        # One roll-up job per distinct deadline, when there are texts to write them with.
        self.rollup_jobs: dict[str, time] = {}
        if rollup_texts is not None:
            for deadline in sorted(config.reports.deadlines()):
                name = rollup_job_name(deadline)
                if name in self.jobs:
                    raise ValueError(f"calendar job {name!r} is reserved for the report roll-up")
                self.rollup_jobs[name] = deadline
        # One board-posting job per distinct deadline, with its first reminder (the roll-up
        # job closes the boards), when boards are on and there are texts for them.
        self.board_jobs: dict[str, time] = {}
        if rollup_texts is not None and board_texts is not None and config.boards.enabled:
            for name, at in board_times(config).items():
                if name in self.jobs:
                    raise ValueError(f"calendar job {name!r} is reserved for the report boards")
                self.board_jobs[name] = at
        # The weekly bulletin, at its configured day and time, when there are texts for it.
        self.bulletin_job: str | None = None
        if bulletin_texts is not None and config.bulletin.enabled:
            if BULLETIN_JOB in self.jobs:
                raise ValueError(f"calendar job {BULLETIN_JOB!r} is reserved for the bulletin")
            self.bulletin_job = BULLETIN_JOB
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()

    @property
    def started(self) -> bool:
        return self._scheduler is not None

    @property
    def scheduler(self) -> AsyncIOScheduler | None:
        """The APScheduler instance while started (for inspection; the jobs are its own)."""
        return self._scheduler

    def start(self) -> None:
        """Schedule every enabled job; call from inside the running event loop."""
        if self._scheduler is not None:
            raise RuntimeError("calendar jobs already started")
        scheduler = AsyncIOScheduler(jobstores={"default": MemoryJobStore()}, timezone=UTC)
        for job in self.jobs.values():
            if job.enabled and job.action not in self.actions:
                raise LookupError(f"calendar job {job.name!r}: unknown action {job.action!r}")
        for name, (cron, zone) in self.crontabs().items():
            scheduler.add_job(
                self._fire,
                trigger=cron_trigger(cron, zone),
                args=(name,),
                id=name,
                name=name,
                # Several missed runs (a blocked loop, a sleeping machine) make one run...
                coalesce=True,
                # ...a run never overlaps the previous one...
                max_instances=1,
                # ...and a run too late is skipped until the next time.
                misfire_grace_time=self.config.misfire_grace_s,
                replace_existing=True,
            )
        scheduler.start()
        self._scheduler = scheduler
        for name, at in self.next_run_times().items():
            logger.info("calendar job %s: next run at %s", name, at.isoformat())

    async def shutdown(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """Stop firing; wait up to `grace_s` for running actions, then cancel them."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        scheduler.pause()
        running = set(self._running)
        if running:
            _, pending = await asyncio.wait(running, timeout=grace_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        scheduler.shutdown(wait=False)
        # The asyncio scheduler stops in a callback on the loop; let it run.
        await asyncio.sleep(0)

    def crontabs(self) -> dict[str, tuple[str, ZoneInfo]]:
        """Every job `start()` schedules: name -> (crontab expression, time zone)."""
        tabs = {job.name: (job.cron, job.zone) for job in self.jobs.values() if job.enabled}
        for name, deadline in {**self.rollup_jobs, **self.board_jobs}.items():
            tabs[name] = (f"{deadline.minute} {deadline.hour} * * *", self.config.zone)
        if self.bulletin_job is not None:
            tabs[self.bulletin_job] = (self.config.bulletin.crontab, self.config.zone)
        return tabs

    def next_fires(self, after: datetime) -> dict[str, datetime]:
        """When each scheduled job fires next, strictly after `after`, by the calendar alone
        (whatever the injected clock says): for a caller that moves time and runs what falls
        in between."""
        return {
            name: next_fire_times(cron, zone, after)[0]
            for name, (cron, zone) in self.crontabs().items()
        }

    def next_run_times(self) -> dict[str, datetime]:
        """Scheduled jobs and when each fires next (empty before `start()`)."""
        if self._scheduler is None:
            return {}
        times: dict[str, datetime] = {}
        for job in self._scheduler.get_jobs():
            at: datetime | None = job.next_run_time
            if at is not None:
                times[str(job.id)] = at
        return times

    async def run_now(self, name: str) -> Summary:
        """Run the job's action now and return its summary; exceptions propagate."""
        if name in self.rollup_jobs:
            context, deadline = self.context(), self.rollup_jobs[name]
            summary = await send_rollups(context, deadline)
            if self.board_jobs:
                day = rollup_day(deadline, context.now, context.zone)
                summary |= await close_day(context, day)
            logger.info("calendar job %s done: %s", name, summary)
            return summary
        if name == self.bulletin_job:
            summary = await send_bulletins(self.context())
            logger.info("calendar job %s done: %s", name, summary)
            return summary
        if name in self.board_jobs:
            summary = await post_today(self.context())
            logger.info("calendar job %s done: %s", name, summary)
            return summary
        job = self.jobs.get(name)
        if job is None:
            builtin = [*self.rollup_jobs, *self.board_jobs, *filter(None, [self.bulletin_job])]
            known = ", ".join(sorted([*self.jobs, *builtin])) or "none"
            raise LookupError(f"no calendar job {name!r} (configured: {known})")
        function = self.actions.get(job.action)
        if function is None:
            raise LookupError(f"calendar job {name!r}: unknown action {job.action!r}")
        summary = await function(self.context())
        logger.info("calendar job %s done: %s", name, summary)
        return summary

    def context(self) -> JobContext:
        """The context an action runs with now."""
        return JobContext(
            database=self.database,
            now=self.now(),
            config=self.config,
            rollup_texts=self.rollup_texts,
            draft_notice=self.draft_notice,
            measure_texts=self.measure_texts,
            board_texts=self.board_texts,
            bulletin_texts=self.bulletin_texts,
            notices=self.notice_config,
        )

    async def _fire(self, name: str) -> None:
        """A scheduled run: whatever the action raises is logged, never passed to APScheduler."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await self.run_now(name)
        except Exception:
            logger.exception("calendar job %s failed; it runs again at its next time", name)
        finally:
            if task is not None:
                self._running.discard(task)
