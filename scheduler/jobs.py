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

Crontab expressions are read as crontab(5) reads them. APScheduler 3's own `from_crontab`
numbers the days of the week from Monday = 0, so `cron_trigger` translates the day-of-week
field to names first, and it refuses restricting both the day of the month and the day of
the week, which crontab ORs and APScheduler ANDs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.engine_config import work_calendar
from domain.forms import FormSpec
from domain.obligations import expire
from domain.org import Language
from domain.outbox import OutboxMessage, Priority
from domain.reports import ReportPolicy, Rollup
from services import drafts as draft_leases
from services import reports
from services.obligations import EscalationPolicy
from storage import Database, Repositories

if TYPE_CHECKING:
    from bot.config import JobSettings, Settings

logger = logging.getLogger(__name__)

Summary = dict[str, int]
Action = Callable[["JobContext"], Awaitable[Summary]]

# Registered actions by name; `@action` adds to it and the configuration checks names against it.
ACTIONS: dict[str, Action] = {}

# Obligations expired per query; the action loops until none is left.
EXPIRE_BATCH = 500
# How long `shutdown` lets running actions finish before cancelling them (their transaction
# then rolls back, and the next run does the work).
SHUTDOWN_GRACE_S = 10.0
# Roll-up jobs are named after their deadline: unit_report_rollup_1700.
ROLLUP_JOB_PREFIX = "unit_report_rollup_"
ROLLUP_PREFIX = "rollup:"  # outbox dedupe keys


class RollupTexts(Protocol):
    """Writes a supervisor's roll-up; the handlers implement it with their catalogs."""

    def rollup(self, rollup: Rollup, language: Language, form: FormSpec) -> list[str]:
        """The message in parts (Telegram HTML, each at most 4096 characters)."""
        ...


def policies(settings: Settings) -> tuple[ReportPolicy, EscalationPolicy]:
    """The report and escalation policies the configuration describes."""
    calendar = work_calendar(settings.time.zone, settings.quiet_hours, settings.holidays)
    return settings.reports.policy(), EscalationPolicy(settings.escalation.chain_book(), calendar)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What an action gets: the database, the time of the run and the whole configuration,
    and the policies built from it (from the settings when not given)."""

    database: Database
    now: datetime  # timezone-aware
    settings: Settings
    report_policy: ReportPolicy | None = None
    escalation_policy: EscalationPolicy | None = None
    rollup_texts: RollupTexts | None = None
    # Renders the notice that a half-finished declaration expired (expire_drafts).
    draft_notice: Callable[[Language], str] | None = None

    @property
    def reports(self) -> ReportPolicy:
        return self.report_policy or self.settings.reports.policy()

    @property
    def escalation(self) -> EscalationPolicy:
        return self.escalation_policy or policies(self.settings)[1]

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.time.zone

    @property
    def today(self) -> date:
        """The local date (time.timezone) of the run."""
        return self.now.astimezone(self.zone).date()


def action(name: str) -> Callable[[Action], Action]:
    """Register an action under `name` (a decorator)."""

    def register(function: Action) -> Action:
        if name in ACTIONS:
            raise ValueError(f"calendar job action {name!r} is already registered")
        ACTIONS[name] = function
        return function

    return register


# --- actions ------------------------------------------------------------------------------


@action("purge")
async def purge(context: JobContext) -> Summary:
    """Forget what is only kept for a while: processed update ids, absences that have ended,
    and settled outbox rows (pending ones are never touched)."""
    jobs = context.settings.jobs
    async with context.database.transaction() as session:
        repos = Repositories(session)
        updates = await repos.updates.purge_before(
            context.now - timedelta(days=jobs.updates_retention_days)
        )
        # An absence `until` a date covers that whole local day.
        absences = await repos.absences.purge_before(context.today)
        outbox = await repos.outbox.purge_settled_before(
            context.now - timedelta(days=jobs.outbox_retention_days)
        )
    return {"updates": updates, "absences": absences, "outbox": outbox}


@action("expire_obligations")
async def expire_obligations(context: JobContext) -> Summary:
    """Close as expired every obligation still open `jobs.expire_after_days` after its
    deadline, whether or not its escalation chain has run out.

    The age, not the chain, decides: a chain may end hours after the deadline (the report can
    still be filed late until the age) or keep repeating; past the age the period is over and
    any step still pending is moot. An escalation step scheduled later than the age is never
    taken, so the age should exceed the longest chain.
    """
    cutoff = context.now - timedelta(days=context.settings.jobs.expire_after_days)
    expired = 0
    while True:
        # A transaction per batch: on SQLite each holds the only write lock, and a first run
        # over a long backlog must not keep reports waiting for all of it.
        async with context.database.transaction() as session:
            repos = Repositories(session)
            batch = await repos.obligations.stale_open(cutoff, EXPIRE_BATCH)
            changed = 0
            for obligation in batch:
                transition = expire(obligation, context.now)
                if transition.changed:
                    changed += await repos.obligations.save(transition.obligation, now=context.now)
        expired += changed
        # A refused expiry stays open and would be read again: stop rather than loop.
        if len(batch) < EXPIRE_BATCH or changed == 0:
            return {"expired": expired}


@action("expire_drafts")
async def expire_drafts(context: JobContext) -> Summary:
    """Tell people whose half-finished declaration has expired, and forget its lease.

    The draft itself sits in FSM storage, which jobs cannot reach: the dialog recognises an
    expired draft by its own time stamp on the person's next message and starts over.
    """
    notice = context.draft_notice
    if notice is None:
        raise RuntimeError("expiry notices need a renderer (CalendarJobs(draft_notice=...))")
    expired = 0
    while True:
        async with context.database.transaction() as session:
            batch = await draft_leases.expire(
                Repositories(session),
                now=context.now,
                default_language=context.settings.i18n.default_locale,
                notice=notice,
                limit=EXPIRE_BATCH,
            )
        expired += batch
        if batch < EXPIRE_BATCH:
            return {"drafts": expired}


@action("open_unit_reports")
async def open_unit_reports(context: JobContext) -> Summary:
    """Open today's unit_report obligations (idempotent: a second run opens nothing)."""
    opened = await open_today(context.database, context.escalation, context.reports, context.now)
    return {"opened": opened}


async def open_today(
    database: Database, escalation: EscalationPolicy, policy: ReportPolicy, now: datetime
) -> int:
    """Open the unit_report obligations of `now`'s local date in a transaction of its own;
    the number opened. For the daily job, and for start-up, so a bot started after midnight
    still opens the day (running it again opens nothing)."""
    day = reports.reporting_day(escalation.calendar.zone, now)
    async with database.transaction() as session:
        return await reports.open_day(Repositories(session), escalation, policy, day, now=now)


def rollup_day(deadline: time, now: datetime, zone: ZoneInfo) -> date:
    """The reporting day whose `deadline` passed most recently at `now` (a run started late,
    after midnight, still sends the previous day's roll-up)."""
    local = now.astimezone(zone)
    if local.time() < deadline:
        return local.date() - timedelta(days=1)
    return local.date()


async def send_rollups(context: JobContext, deadline: time) -> Summary:
    """At `deadline`: one roll-up per supervisor and top-most supervised unit holding units
    that report by it, in the supervisor's language, to the outbox. Idempotent by dedupe key
    (rollup:<day>:<HHMM>:<unit>:<supervisor>:<part>), so a second run sends nothing again;
    a roll-up whose first part was already written is skipped whole, so a run whose text
    came out in a different number of parts cannot add a stray fragment."""
    texts = context.rollup_texts
    if texts is None:
        raise RuntimeError("roll-ups need texts to render them (CalendarJobs(rollup_texts=...))")
    policy = context.reports
    day = rollup_day(deadline, context.now, context.zone)
    async with context.database.transaction() as session:
        repos = Repositories(session)
        entries = await reports.supervisors_for_rollup(repos, policy, deadline, day)
        roots = sorted({code for _, code in entries})
        rollups = await reports.day_rollups(repos, policy, roots, day, deadline=deadline)
        messages = []
        stem = f"{ROLLUP_PREFIX}{day.isoformat()}:{deadline:%H%M}"
        firsts = {f"{stem}:{code}:{person.telegram_id}:1" for person, code in entries}
        already = await repos.outbox.existing_keys(firsts)
        for person, code in entries:
            summary = rollups.get(code)
            if summary is None:  # pragma: no cover - the unit was just found in the tree
                continue
            if f"{stem}:{code}:{person.telegram_id}:1" in already:
                continue
            parts = texts.rollup(summary, person.language, summary.form)
            for number, text in enumerate(parts, start=1):
                messages.append(
                    OutboxMessage(
                        dedupe_key=f"{stem}:{code}:{person.telegram_id}:{number}",
                        chat_id=person.telegram_id,
                        text=text,
                        not_before=context.now,
                        priority=Priority.NOTICE,
                        recipient_id=person.telegram_id,
                    )
                )
        added = await repos.outbox.enqueue_many(messages, now=context.now)
    return {"supervisors": len(entries), "messages": added}


def rollup_job_name(deadline: time) -> str:
    return f"{ROLLUP_JOB_PREFIX}{deadline:%H%M}"


# --- crontab ------------------------------------------------------------------------------

_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab's numbering: Sunday 0


def cron_trigger(expression: str, timezone: tzinfo | str) -> CronTrigger:
    """An APScheduler trigger firing when the crontab(5) `expression` does, in `timezone`.

    Raises ValueError with the reason when the expression is not valid.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
        )
    day, weekday = fields[2], fields[4]
    if not day.startswith("*") and not weekday.startswith("*"):
        raise ValueError(
            "restrict either the day of the month or the day of the week, not both "
            "(crontab fires when either matches, which is rarely what is meant)"
        )
    fields[4] = _weekday_names(weekday)
    zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=zone)
    except ValueError as error:
        raise ValueError(str(error)) from None


def _weekday_names(field: str) -> str:
    """Rewrite a crontab day-of-week field (0 or 7 = Sunday) with day names."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.split(","):
        days |= _weekday_item(item)
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def _weekday_item(item: str) -> set[int]:
    span, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise ValueError(f"invalid step in day of week {item!r}")
        step = int(step_text)
    if span == "*":
        first, last = 0, 6
    elif "-" in span:
        start, _, end = span.partition("-")
        first, last = _weekday_number(start), _weekday_number(end)
    else:
        first = _weekday_number(span)
        last = 7 if slash else first
    if first > last:
        raise ValueError(f"day of week range {span!r} runs backwards")
    return {day % 7 for day in range(first, last + 1, step)}


def _weekday_number(text: str) -> int:
    lowered = text.lower()
    if lowered in _WEEKDAYS:
        return _WEEKDAYS.index(lowered)
    if lowered.isdigit() and int(lowered) <= 7:
        return int(lowered)
    raise ValueError(f"day of week must be 0-7 (0 and 7 are Sunday) or sun-sat, not {text!r}")


def next_fire_times(cron: str, tz: tzinfo | str, after: datetime, count: int = 1) -> list[datetime]:
    """The next `count` times strictly after `after` at which `cron` fires, in `tz`.

    The calculator for recurring rules. Times are wall-clock times in `tz`: "0 9 * * *" is
    09:00 local on both sides of a daylight-saving change.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    trigger = cron_trigger(cron, zone)
    times: list[datetime] = []
    # Without a previous fire time the trigger includes `now` itself; step past it in UTC, as
    # wall-clock arithmetic would lose the fold of an hour that occurs twice.
    previous: datetime | None = None
    moment = after.astimezone(UTC) + timedelta(microseconds=1)
    while len(times) < count:
        fire: datetime | None = trigger.get_next_fire_time(previous, moment)
        if fire is None:  # pragma: no cover - a crontab expression always fires again
            break
        # Normalised: a time skipped by a daylight-saving change reads as the instant it is.
        times.append(fire.astimezone(UTC).astimezone(zone))
        previous = moment = fire
    return times


# --- the scheduler ------------------------------------------------------------------------


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
        settings: Settings,
        *,
        now: Callable[[], datetime],
        actions: Mapping[str, Action] | None = None,
        rollup_texts: RollupTexts | None = None,
        report_policy: ReportPolicy | None = None,
        escalation_policy: EscalationPolicy | None = None,
        draft_notice: Callable[[Language], str] | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.now = now
        self.actions = ACTIONS if actions is None else actions
        self.jobs: dict[str, JobSettings] = {job.name: job for job in settings.jobs.schedule}
        configured_reports, configured_escalation = policies(settings)
        self.report_policy = report_policy or configured_reports
        self.escalation_policy = escalation_policy or configured_escalation
        self.rollup_texts = rollup_texts
        self.draft_notice = draft_notice
        # One roll-up job per distinct deadline, when there are texts to write them with.
        self.rollup_jobs: dict[str, time] = {}
        if rollup_texts is not None:
            for deadline in sorted(self.report_policy.deadlines()):
                name = rollup_job_name(deadline)
                if name in self.jobs:
                    raise ValueError(f"calendar job {name!r} is reserved for the report roll-up")
                self.rollup_jobs[name] = deadline
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[object]] = set()

    @property
    def started(self) -> bool:
        return self._scheduler is not None

    @property
    def scheduler(self) -> AsyncIOScheduler | None:
        """The APScheduler instance while started (for inspection; the jobs are its own)."""
        return self._scheduler

    def zone_of(self, job: JobSettings) -> ZoneInfo:
        return job.zone(self.settings.time.timezone)

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
                misfire_grace_time=self.settings.jobs.misfire_grace_s,
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
        tabs = {
            job.name: (job.cron, self.zone_of(job)) for job in self.jobs.values() if job.enabled
        }
        for name, deadline in self.rollup_jobs.items():
            tabs[name] = (f"{deadline.minute} {deadline.hour} * * *", self.settings.time.zone)
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
            summary = await send_rollups(self.context(), self.rollup_jobs[name])
            logger.info("calendar job %s done: %s", name, summary)
            return summary
        job = self.jobs.get(name)
        if job is None:
            known = ", ".join(sorted([*self.jobs, *self.rollup_jobs])) or "none"
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
            settings=self.settings,
            report_policy=self.report_policy,
            escalation_policy=self.escalation_policy,
            rollup_texts=self.rollup_texts,
            draft_notice=self.draft_notice,
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
