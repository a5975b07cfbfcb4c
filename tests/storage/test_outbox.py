"""The outbox table: idempotent enqueue, due order, claiming, outcomes, unreachable people."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import Language
from domain.outbox import OutboxMessage, OutboxState, Priority
from storage import Database, Repositories
from storage.leader import LeaderLock

from .conftest import NOW


def message(key: str, *, chat: int = 42, priority: Priority = Priority.NOTICE, at=NOW):
    return OutboxMessage(
        dedupe_key=key,
        chat_id=chat,
        text=f"<b>{key}</b>",
        not_before=at,
        priority=priority,
        reply_markup={"inline_keyboard": [[{"text": "OK", "callback_data": "v1:ok"}]]},
        recipient_id=chat if chat > 0 else None,
    )


async def test_enqueue_is_idempotent_by_dedupe_key(repos: Repositories) -> None:
    assert await repos.outbox.enqueue(message("a"), now=NOW)
    assert not await repos.outbox.enqueue(message("a", chat=7), now=NOW)
    await repos.session.commit()
    assert await repos.outbox.pending_count() == 1
    [entry] = await repos.outbox.due(NOW, 10)
    assert entry.message == message("a")
    assert entry.state is OutboxState.PENDING
    assert entry.attempts == 0
    assert entry.created_at == NOW


async def test_enqueue_many_adds_only_the_new_keys(database: Database) -> None:
    async with database.transaction() as session:
        repos = Repositories(session)
        assert await repos.outbox.enqueue_many([], now=NOW) == 0
        assert await repos.outbox.enqueue(message("known"), now=NOW)
        fresh = [message(f"new-{n}", chat=n + 1) for n in range(1200)]
        assert await repos.outbox.enqueue_many([message("known", chat=5), *fresh], now=NOW) == 1200
        assert await repos.outbox.enqueue_many(fresh[:3], now=NOW) == 0
    async with database.session() as session:
        repos = Repositories(session)
        assert await repos.outbox.pending_count() == 1201
        [known] = [e for e in await repos.outbox.due(NOW, 2000) if e.message.dedupe_key == "known"]
        assert known.chat_id == 42  # the first one written stands


async def test_enqueue_joins_the_callers_transaction(database: Database) -> None:
    async with database.session() as session:
        await Repositories(session).outbox.enqueue(message("rolled-back"), now=NOW)
        await session.rollback()
    async with database.session() as session:
        assert await Repositories(session).outbox.pending_count() == 0


async def test_due_orders_by_priority_then_time_and_respects_not_before(
    repos: Repositories,
) -> None:
    later = NOW + timedelta(minutes=5)
    await repos.outbox.enqueue(message("notice-early", at=NOW - timedelta(hours=1)), now=NOW)
    await repos.outbox.enqueue(message("reminder", priority=Priority.REMINDER), now=NOW)
    await repos.outbox.enqueue(message("alert-late", priority=Priority.ALERT), now=NOW)
    await repos.outbox.enqueue(
        message("alert-early", priority=Priority.ALERT, at=NOW - timedelta(minutes=1)), now=NOW
    )
    await repos.outbox.enqueue(message("future", priority=Priority.ALERT, at=later), now=NOW)
    keys = [e.message.dedupe_key for e in await repos.outbox.due(NOW, 10)]
    assert keys == ["alert-early", "alert-late", "reminder", "notice-early"]
    assert [e.message.dedupe_key for e in await repos.outbox.due(NOW, 2)] == keys[:2]
    first = (await repos.outbox.due(NOW, 1))[0]
    assert [e.message.dedupe_key for e in await repos.outbox.due(NOW, 1, exclude=[first.id])] == [
        "alert-late"
    ]
    assert await repos.outbox.next_due_at() == NOW - timedelta(hours=1)
    assert len(await repos.outbox.due(later, 10)) == 5


async def test_outcomes(repos: Repositories) -> None:
    for key in ("sent", "retry", "failed", "moved"):
        await repos.outbox.enqueue(message(key, chat=-100 if key == "moved" else 42), now=NOW)
    ids = {e.message.dedupe_key: e.id for e in await repos.outbox.due(NOW, 10)}
    assert await repos.outbox.mark_sent(ids["sent"], 555, now=NOW)
    assert not await repos.outbox.mark_sent(ids["sent"], 556, now=NOW)  # settled rows stay
    later = NOW + timedelta(seconds=30)
    assert await repos.outbox.reschedule(ids["retry"], later, error="server_error: 502")
    assert await repos.outbox.reschedule(ids["retry"], later, attempted=False)
    assert await repos.outbox.mark_failed(ids["failed"], "bad_request: can't parse")
    assert await repos.outbox.move_chat(-100, -100999) == 1
    sent = await repos.outbox.get(ids["sent"])
    assert sent is not None
    assert (sent.state, sent.sent_message_id, sent.sent_at, sent.attempts) == (
        OutboxState.SENT,
        555,
        NOW,
        1,
    )
    retry = await repos.outbox.get(ids["retry"])
    assert retry is not None
    assert (retry.next_attempt_at, retry.attempts, retry.last_error) == (
        later,
        1,
        "server_error: 502",
    )
    moved = await repos.outbox.get(ids["moved"])
    assert moved is not None
    assert moved.chat_id == -100999
    assert [e.message.dedupe_key for e in await repos.outbox.due(NOW, 10)] == ["moved"]
    assert await repos.outbox.pending_count() == 2
    [failure] = await repos.outbox.failures()
    assert (failure.state, failure.last_error) == (OutboxState.FAILED, "bad_request: can't parse")


async def test_unreachable_marks_the_person_once(repos: Repositories) -> None:
    await repos.people.ensure(42, "Li", Language.EN, now=NOW)
    await repos.outbox.enqueue(message("one"), now=NOW)
    await repos.outbox.enqueue(message("two"), now=NOW)
    await repos.outbox.enqueue(message("group", chat=-100), now=NOW)
    one, two, group = await repos.outbox.due(NOW, 10)
    assert await repos.people.unreachable(42) is None
    assert await repos.outbox.mark_unreachable(one.id, "forbidden: blocked", now=NOW) == (
        True,
        True,
    )
    later = NOW + timedelta(hours=1)
    assert await repos.outbox.mark_unreachable(two.id, "forbidden: again", now=later) == (
        True,
        False,
    )
    assert await repos.outbox.mark_unreachable(group.id, "forbidden: kicked", now=NOW) == (
        True,
        False,
    )
    assert await repos.people.unreachable(42) == (NOW, "forbidden: blocked")
    assert {e.state for e in await repos.outbox.failures()} == {OutboxState.UNREACHABLE}
    assert await repos.outbox.pending_count() == 0


async def test_an_unknown_recipient_is_reported_and_a_returning_person_is_reachable(
    repos: Repositories,
) -> None:
    await repos.outbox.enqueue(message("stranger", chat=77), now=NOW)
    [row] = await repos.outbox.due(NOW, 10)
    # No person row to mark: still a refusal a human must hear about.
    assert await repos.outbox.mark_unreachable(row.id, "forbidden: never started", now=NOW) == (
        True,
        True,
    )
    await repos.people.ensure(42, "Li", Language.EN, now=NOW)
    await repos.outbox.enqueue(message("blocked"), now=NOW)
    [row] = await repos.outbox.due(NOW, 10)
    await repos.outbox.mark_unreachable(row.id, "forbidden: blocked", now=NOW)
    await repos.callers.greet(42, "Li", Language.EN, now=NOW)  # they write to the bot again
    assert await repos.people.unreachable(42) is None
    assert await repos.people.has_started(42)


async def test_two_claimers_on_postgres_never_get_the_same_row(
    postgres_database: Database,
) -> None:
    database = postgres_database
    async with database.transaction() as session:
        for i in range(10):
            await Repositories(session).outbox.enqueue(message(f"m{i}"), now=NOW)

    async def claim(session: AsyncSession, started: asyncio.Event, go: asyncio.Event) -> set[int]:
        async with session.begin():
            entries = await Repositories(session).outbox.due(NOW, 6)
            started.set()
            await go.wait()  # keep the locks while the other claims
        return {entry.id for entry in entries}

    async with database.session() as first, database.session() as second:
        started, go = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(claim(first, started, go))
        await started.wait()
        other = await claim(second, asyncio.Event(), _set())
        go.set()
        mine = await task
    assert mine.isdisjoint(other)
    assert len(mine) == 6
    assert len(other) == 4


def _set() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


async def test_leader_lock_admits_one_holder(database: Database) -> None:
    first, second = LeaderLock(database, "job"), LeaderLock(database, "job")
    assert await first.try_acquire()
    if database.dialect == "postgresql":
        assert not await second.try_acquire()
        assert await first.check()
        await first.release()
        assert await second.try_acquire()
        await second.release()
    else:
        assert first.held
        await first.release()


async def test_mark_sent_many_confirms_a_batch_and_leaves_settled_rows(
    repos: Repositories,
) -> None:
    for key in ("a", "b", "c"):
        await repos.outbox.enqueue(message(key), now=NOW)
    a, b, c = await repos.outbox.due(NOW, 10)
    await repos.outbox.mark_failed(c.id, "bad_request: x")
    later = NOW + timedelta(seconds=1)
    await repos.outbox.mark_sent_many([(a.id, 11, NOW), (b.id, 12, later), (c.id, 13, NOW)])
    await repos.outbox.mark_sent_many([])
    stored = [await repos.outbox.get(e.id) for e in (a, b, c)]
    assert [(e.state, e.sent_message_id, e.sent_at) for e in stored if e is not None] == [
        (OutboxState.SENT, 11, NOW),
        (OutboxState.SENT, 12, later),
        (OutboxState.FAILED, None, None),
    ]


async def test_defer_chat_moves_a_whole_backlog_in_order(repos: Repositories) -> None:
    for i in range(5):
        await repos.outbox.enqueue(message(f"g{i}", chat=-100), now=NOW)
    await repos.outbox.enqueue(message("other", chat=7), now=NOW)
    later = NOW + timedelta(seconds=3)
    assert await repos.outbox.defer_chat(-100, later) == 5
    assert [e.message.dedupe_key for e in await repos.outbox.due(NOW, 10)] == ["other"]
    assert [e.message.dedupe_key for e in await repos.outbox.due(later, 10)] == [
        "other",
        "g0",
        "g1",
        "g2",
        "g3",
        "g4",
    ]
    assert await repos.outbox.defer_chat(-100, later) == 0  # nothing due before `later` now
