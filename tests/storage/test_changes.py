"""Commit hooks: a loop waiting on a table is woken by commits that changed it, only those."""

from __future__ import annotations

from datetime import timedelta

from domain.outbox import OutboxMessage
from storage import Database, Repositories
from storage.repos.outbox import OUTBOX

from .conftest import NOW


def message(key: str) -> OutboxMessage:
    return OutboxMessage(key, 42, key, not_before=NOW)


async def test_a_commit_that_enqueued_wakes_the_sender(database: Database) -> None:
    woken = database.changed(OUTBOX)
    async with database.session() as session:
        await Repositories(session).outbox.enqueue(message("a"), now=NOW)
        assert not woken.is_set()  # not before the commit: the row is not visible yet
        await session.commit()
    assert woken.is_set()


async def test_a_rolled_back_change_wakes_nobody(database: Database) -> None:
    woken = database.changed(OUTBOX)
    async with database.session() as session:
        await Repositories(session).outbox.enqueue(message("a"), now=NOW)
        await session.rollback()
        # The same session's next transaction changes nothing: its commit must not wake.
        await Repositories(session).outbox.pending_count()
        await session.commit()
    assert not woken.is_set()


async def test_a_commit_that_added_nothing_wakes_nobody(database: Database) -> None:
    async with database.transaction() as session:
        await Repositories(session).outbox.enqueue(message("a"), now=NOW)
    woken = database.changed(OUTBOX)
    woken.clear()
    async with database.transaction() as session:
        assert not await Repositories(session).outbox.enqueue(message("a"), now=NOW)
    assert not woken.is_set()


async def test_a_savepoint_rolled_back_keeps_the_rest_of_the_transactions_news(
    database: Database,
) -> None:
    woken = database.changed(OUTBOX)
    async with database.transaction() as session:
        repos = Repositories(session)
        await repos.outbox.enqueue(message("kept"), now=NOW)
        savepoint = await session.begin_nested()
        await repos.outbox.enqueue(message("undone"), now=NOW + timedelta(seconds=1))
        await savepoint.rollback()
    assert woken.is_set()
