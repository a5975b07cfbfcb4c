"""Calendar jobs: the purge and expiry actions on a real database, and the scheduler around them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

import scheduler.actions as actions_module
from bot.config import Settings
from bot.wiring import jobs_config
from domain.obligations import Obligation, ObligationKind, ObligationState, meet
from domain.outbox import OutboxMessage, OutboxState, Priority
from scheduler.context import ACTIONS, JobContext, Summary
from scheduler.crontab import next_fire_times
from scheduler.jobs import CalendarJobs
from storage import Database, Repositories
from storage.models import AbsenceRow, ObligationRow, OutboxRow, ProcessedUpdateRow

from .conftest import sample_plan

# 20:00 UTC on 28 February is already 1 March in Shanghai (time.timezone).
NOW = datetime(2026, 2, 28, 20, 0, tzinfo=UTC)


def settings(**jobs: Any) -> Settings:
    return Settings.model_validate({"jobs": jobs} if jobs else {})


def calendar(
    database: Database, config: Settings | None = None, now: datetime = NOW
) -> CalendarJobs:
    return CalendarJobs(database, jobs_config(config or settings()), now=lambda: now)


async def seed_org(database: Database) -> None:
    async with database.transaction() as session:
        await Repositories(session).org.apply_plan(sample_plan(), now=NOW)


def message(key: str, *, at: datetime) -> OutboxMessage:
    return OutboxMessage(
        dedupe_key=key, chat_id=-100, text=key, not_before=at, priority=Priority.NOTICE
    )


# --- purge --------------------------------------------------------------------------------


async def test_purge_forgets_only_what_is_past_retention(database: Database) -> None:
    await seed_org(database)
    async with database.transaction() as session:
        repos = Repositories(session)
        await repos.updates.first_delivery(1, 1, NOW - timedelta(days=8))
        await repos.updates.first_delivery(1, 2, NOW - timedelta(days=6))
        # Local today is 1 March: an absence through 28 February has ended, one through
        # 1 March has not (in UTC it would still be 28 February).
        await repos.absences.set(1001, date(2026, 2, 28), now=NOW)
        await repos.absences.set(1002, date(2026, 3, 1), now=NOW)
        long_ago = NOW - timedelta(days=40)
        for key in ("sent-old", "sent-recent", "failed-old", "unreachable-old", "failed-recent"):
            await repos.outbox.enqueue(message(key, at=long_ago), now=long_ago)
        await repos.outbox.enqueue(message("pending-old", at=long_ago), now=long_ago)
        ids = {e.message.dedupe_key: e.id for e in await repos.outbox.due(NOW, 100)}
        await repos.outbox.mark_sent(ids["sent-old"], 1, now=NOW - timedelta(days=31))
        await repos.outbox.mark_sent(ids["sent-recent"], 2, now=NOW - timedelta(days=29))
        await repos.outbox.mark_failed(ids["failed-old"], "bad_request")
        await repos.outbox.mark_unreachable(ids["unreachable-old"], "forbidden", now=NOW)
        # Retried until recently, then given up: its last attempt is what counts.
        await repos.outbox.reschedule(ids["failed-recent"], NOW - timedelta(days=2))
        await repos.outbox.mark_failed(ids["failed-recent"], "retries exhausted")

    jobs = calendar(database)
    assert await jobs.run_now("purge") == {"updates": 1, "absences": 1, "outbox": 3}

    async with database.session() as session:
        updates = set(await session.scalars(select(ProcessedUpdateRow.update_id)))
        absent = set(await session.scalars(select(AbsenceRow.telegram_id)))
        found = await session.execute(select(OutboxRow.dedupe_key, OutboxRow.state))
        rows = {key: state for key, state in found}
    assert updates == {2}
    assert absent == {1002}
    assert rows == {
        "sent-recent": OutboxState.SENT.value,
        "failed-recent": OutboxState.FAILED.value,
        "pending-old": OutboxState.PENDING.value,
    }
    # Idempotent: a second run (another instance, or a repeated hour) finds nothing to do.
    assert await jobs.run_now("purge") == {"updates": 0, "absences": 0, "outbox": 0}


async def test_purge_retention_is_configurable(database: Database) -> None:
    async with database.transaction() as session:
        repos = Repositories(session)
        await repos.updates.first_delivery(1, 1, NOW - timedelta(days=3))
        await repos.outbox.enqueue(message("sent", at=NOW), now=NOW)
        [entry] = await repos.outbox.due(NOW, 10)
        await repos.outbox.mark_sent(entry.id, 1, now=NOW - timedelta(days=10))
    config = settings(updates_retention_days=2, expire_after_days=8, outbox_retention_days=9)
    summary = await calendar(database, config).run_now("purge")
    assert summary == {"updates": 1, "absences": 0, "outbox": 1}


# --- expire_obligations -------------------------------------------------------------------


def obligation(period: str, due_at: datetime, next_action_at: datetime | None) -> Obligation:
    return Obligation(
        kind=ObligationKind.UNIT_REPORT,
        subject="dongguan",
        period=period,
        assignee="dongguan",
        unit_code="dongguan",
        due_at=due_at,
        next_action_at=next_action_at,
    )


async def open_obligations(database: Database, *obligations: Obligation) -> None:
    async with database.transaction() as session:
        for ob in obligations:
            await Repositories(session).obligations.open(ob, now=ob.due_at - timedelta(days=1))


async def states(database: Database, *periods: str) -> dict[str, Obligation]:
    found = {}
    async with database.session() as session:
        for period in periods:
            stored = await _get(Repositories(session), period)
            assert stored is not None
            found[period] = stored
    return found


async def _get(repos: Repositories, period: str) -> Obligation | None:
    return await repos.obligations.get(obligation(period, NOW, None).key)


async def test_expire_closes_obligations_past_the_age_whatever_their_chain(
    database: Database,
) -> None:
    old = NOW - timedelta(days=15)  # the default age is 14 days
    await open_obligations(
        database,
        obligation("exhausted", old, None),
        # Still has a step scheduled: past the age it is moot all the same.
        obligation("escalating", old, NOW + timedelta(hours=1)),
        obligation("recent", NOW - timedelta(days=13), None),
        obligation("met", old, None),
    )
    async with database.transaction() as session:
        repos = Repositories(session)
        met = await _get(repos, "met")
        assert met is not None
        await repos.obligations.save(meet(met, old + timedelta(hours=1)).obligation, now=NOW)

    jobs = calendar(database)
    assert await jobs.run_now("expire_obligations") == {"expired": 2}

    after = await states(database, "exhausted", "escalating", "recent", "met")
    for period in ("exhausted", "escalating"):
        assert after[period].state is ObligationState.EXPIRED
        assert after[period].closed_at == NOW
        assert after[period].next_action_at is None
    assert after["recent"].state is ObligationState.OPEN
    assert after["met"].state is ObligationState.MET_LATE
    assert after["met"].closed_at == old + timedelta(hours=1)
    # The clock has nothing left to do for the expired ones.
    async with database.session() as session:
        assert await Repositories(session).obligations.next_action_at() is None

    # Idempotent, also later on: what is closed stays as it was closed.
    later = calendar(database, now=NOW + timedelta(days=2))
    assert await later.run_now("expire_obligations") == {"expired": 1}  # "recent" now
    assert await later.run_now("expire_obligations") == {"expired": 0}
    final = await states(database, "exhausted")
    assert final["exhausted"].closed_at == NOW


async def test_expire_works_through_more_than_one_batch(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions_module, "EXPIRE_BATCH", 2)
    old = NOW - timedelta(days=10)  # older than the 8 days configured below
    await open_obligations(
        database, *(obligation(f"p{i}", old + timedelta(minutes=i), None) for i in range(5))
    )
    config = settings(expire_after_days=8)
    assert await calendar(database, config).run_now("expire_obligations") == {"expired": 5}
    async with database.session() as session:
        assert await Repositories(session).obligations.open_for_units(["dongguan"]) == []


async def test_two_instances_expire_each_obligation_once(postgres_database: Database) -> None:
    """On PostgreSQL two instances firing at once skip each other's rows (SKIP LOCKED)."""
    old = NOW - timedelta(days=15)
    await open_obligations(postgres_database, *(obligation(f"p{i}", old, None) for i in range(40)))
    first, second = calendar(postgres_database), calendar(postgres_database)
    results = await asyncio.gather(
        first.run_now("expire_obligations"),
        second.run_now("expire_obligations"),
        first.run_now("purge"),
        second.run_now("purge"),
    )
    assert results[0]["expired"] + results[1]["expired"] == 40
    async with postgres_database.session() as session:
        assert await Repositories(session).obligations.open_for_units(["dongguan"]) == []
        closed = await session.scalars(select(ObligationRow.closed_at))
        assert set(closed) == {NOW}


# --- the scheduler ------------------------------------------------------------------------


async def test_start_schedules_the_enabled_jobs_at_their_next_times(
    sqlite_database: Database,
) -> None:
    config = Settings.model_validate(
        {
            "time": {"timezone": "Asia/Shanghai"},
            "jobs": {
                "misfire_grace_s": 120,
                "schedule": [
                    {"name": "expire_obligations", "enabled": False},
                    {
                        "name": "weekly",
                        "cron": "0 9 * * 1",
                        "action": "purge",
                        "timezone": "Europe/Berlin",
                    },
                ],
            },
        }
    )
    jobs = calendar(sqlite_database, config)
    assert jobs.next_run_times() == {}
    before = datetime.now(UTC)
    jobs.start()
    after = datetime.now(UTC)
    try:
        times = jobs.next_run_times()
        assert set(times) == {
            "purge",
            "purge_personal_data",
            "open_unit_reports",
            "expire_drafts",
            "announce_measure_ends",
            "fire_notice_repeats",
            "weekly",
        }
        for name, cron, zone in (
            ("purge", "30 3 * * *", "Asia/Shanghai"),
            ("weekly", "0 9 * * 1", "Europe/Berlin"),
        ):
            expected = {next_fire_times(cron, zone, moment)[0] for moment in (before, after)}
            assert times[name] in expected
            assert str(times[name].tzinfo) == zone
        assert times["weekly"].astimezone(jobs.jobs["weekly"].zone).strftime("%a %H:%M") == (
            "Mon 09:00"
        )
        assert jobs.scheduler is not None
        for job in jobs.scheduler.get_jobs():
            assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 120)
        with pytest.raises(RuntimeError):
            jobs.start()
    finally:
        await jobs.shutdown()
    assert not jobs.started
    assert jobs.next_run_times() == {}
    await jobs.shutdown()  # harmless when stopped


async def test_a_failing_action_is_logged_and_the_scheduler_goes_on(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []
    seen = asyncio.Event()
    contexts: list[JobContext] = []

    async def boom(context: JobContext) -> Summary:
        calls.append("boom")
        seen.set()
        raise RuntimeError("the database is on fire")

    async def tick(context: JobContext) -> Summary:
        calls.append("tick")
        contexts.append(context)
        seen.set()
        return {"ticks": 1}

    monkeypatch.setitem(ACTIONS, "boom", boom)
    monkeypatch.setitem(ACTIONS, "tick", tick)
    config = settings(
        schedule=[
            {"name": "purge", "enabled": False},
            {"name": "expire_obligations", "enabled": False},
            {"name": "boom", "cron": "0 0 1 1 *", "action": "boom"},
            {"name": "tick", "cron": "0 0 1 1 *", "action": "tick"},
        ]
    )
    jobs = calendar(sqlite_database, config)
    jobs.start()
    assert jobs.scheduler is not None
    scheduled = jobs.next_run_times()

    async def fire(name: str) -> None:
        seen.clear()
        assert jobs.scheduler is not None
        jobs.scheduler.modify_job(name, next_run_time=datetime.now(UTC))
        await asyncio.wait_for(seen.wait(), timeout=1)
        for _ in range(5):  # let the run finish and the executor record it
            await asyncio.sleep(0)

    try:
        with caplog.at_level(logging.INFO, logger="scheduler.jobs"):
            await fire("boom")
            await fire("tick")
            await fire("boom")
            await fire("tick")
        assert calls == ["boom", "tick", "boom", "tick"]
        failures = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(failures) == 2
        assert all("calendar job boom failed" in r.getMessage() for r in failures)
        assert all(r.exc_info and "on fire" in str(r.exc_info[1]) for r in failures)
        assert any("calendar job tick done: {'ticks': 1}" in r.getMessage() for r in caplog.records)
        # Both jobs are still scheduled, again at their next cron time.
        assert jobs.scheduler.running
        assert jobs.next_run_times() == scheduled
        # Actions see the injected time, not the wall clock.
        assert [c.now for c in contexts] == [NOW, NOW]
    finally:
        await jobs.shutdown()


async def test_shutdown_lets_a_running_action_finish(
    sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def slow(context: JobContext) -> Summary:
        started.set()
        await release.wait()
        finished.set()
        return {}

    monkeypatch.setitem(ACTIONS, "slow", slow)
    config = settings(
        schedule=[
            {"name": "purge", "enabled": False},
            {"name": "expire_obligations", "enabled": False},
            {"name": "slow", "cron": "0 0 1 1 *", "action": "slow"},
        ]
    )
    jobs = calendar(sqlite_database, config)
    jobs.start()
    assert jobs.scheduler is not None
    jobs.scheduler.modify_job("slow", next_run_time=datetime.now(UTC))
    await asyncio.wait_for(started.wait(), timeout=1)
    stopping = asyncio.create_task(jobs.shutdown())
    await asyncio.sleep(0.05)
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, timeout=1)
    assert finished.is_set()


async def test_run_now_runs_disabled_jobs_and_refuses_unknown_ones(
    sqlite_database: Database,
) -> None:
    config = settings(schedule=[{"name": "purge", "enabled": False}])
    jobs = calendar(sqlite_database, config)
    assert await jobs.run_now("purge") == {"updates": 0, "absences": 0, "outbox": 0}
    with pytest.raises(LookupError, match="no calendar job 'nope'"):
        await jobs.run_now("nope")


def test_context_today_is_the_local_date(sqlite_database: Database) -> None:
    context = JobContext(sqlite_database, NOW, jobs_config(settings()))
    assert context.today == date(2026, 3, 1)
    utc_settings = Settings.model_validate({"time": {"timezone": "UTC"}})
    utc = replace(context, config=jobs_config(utc_settings))
    assert utc.today == date(2026, 2, 28)
