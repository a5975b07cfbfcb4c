"""The built-in calendar job actions: purge, expiry, opening the day's reports, roll-ups.

Every action runs in its own transaction (or one per batch) and is idempotent: two instances
firing the same job, or a job run twice, change nothing the second time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.obligations import expire
from domain.outbox import OutboxMessage, Priority
from domain.reports import ReportPolicy
from scheduler.context import JobContext, Summary, action
from services import drafts as draft_leases
from services import measure_end, reports, retention
from services.obligations import EscalationPolicy
from storage import Database, Repositories

# Obligations expired per query; the action loops until none is left.
EXPIRE_BATCH = 500
# Roll-up jobs are named after their deadline: unit_report_rollup_1700.
ROLLUP_JOB_PREFIX = "unit_report_rollup_"
ROLLUP_PREFIX = "rollup:"  # outbox dedupe keys


@action("purge")
async def purge(context: JobContext) -> Summary:
    """Forget what is only kept for a while: processed update ids, absences that have ended,
    and settled outbox rows (pending ones are never touched)."""
    jobs = context.config
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


@action("purge_personal_data")
async def purge_personal_data(context: JobContext) -> Summary:
    """Erase the personal fields of declarations whose measure ended
    `privacy.retention_days` ago or more, unless held (services.retention); the receipt goes
    to the audit log. A second run erases nothing more and says so in its receipt."""
    async with context.database.transaction() as session:
        receipt = await retention.purge(
            Repositories(session),
            now=context.now,
            zone=context.zone,
            retention_days=context.config.personal_retention_days,
        )
    return {
        "declarations": receipt.declarations,
        "checkins": receipt.checkins,
        "tests": receipt.tests,
        "held": receipt.held,
    }


@action("expire_obligations")
async def expire_obligations(context: JobContext) -> Summary:
    """Close as expired every obligation still open `jobs.expire_after_days` after its
    deadline, whether or not its escalation chain has run out.

    The age, not the chain, decides: a chain may end hours after the deadline (the report can
    still be filed late until the age) or keep repeating; past the age the period is over and
    any step still pending is moot. An escalation step scheduled later than the age is never
    taken, so the age should exceed the longest chain.
    """
    cutoff = context.now - timedelta(days=context.config.expire_after_days)
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
                default_language=context.config.default_language,
                notice=notice,
                limit=EXPIRE_BATCH,
            )
        expired += batch
        if batch < EXPIRE_BATCH:
            return {"drafts": expired}


@action("announce_measure_ends")
async def announce_measure_ends(context: JobContext) -> Summary:
    """Tell residents and their units' liaisons of measures whose last day has passed
    (services.measure_end): found each run, so nothing queued ahead can go stale, and a run
    missed while the bot was down is made up by the next one."""
    texts = context.measure_texts
    if texts is None:
        raise RuntimeError("measure-end messages need a renderer (CalendarJobs(measure_texts=...))")
    async with context.database.transaction() as session:
        sent = await measure_end.announce_ended(
            Repositories(session),
            texts,
            today=context.today,
            now=context.now,
            default_language=context.config.default_language,
        )
    return {"messages": sent}


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
