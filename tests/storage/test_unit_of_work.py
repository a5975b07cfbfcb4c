from datetime import UTC, datetime

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event

from storage import Database, Repositories, SQLStorage
from storage.repos.updates import RedeliveredUpdate

KEY = StorageKey(bot_id=1, chat_id=5, user_id=5)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


async def test_fsm_writes_join_the_open_unit_of_work(database: Database) -> None:
    storage = SQLStorage(database)
    async with database.unit_of_work() as session:
        await storage.set_state(KEY, "Form:step")
        await storage.set_data(KEY, {"answer": 1})
        assert await storage.get_state(KEY) == "Form:step"  # visible inside the transaction
        await session.rollback()
    assert await storage.get_state(KEY) is None  # rolled back with the update's changes
    assert await storage.get_data(KEY) == {}

    async with database.unit_of_work() as session:
        await storage.set_state(KEY, "Form:step")
        await session.commit()
    assert await SQLStorage(database).get_state(KEY) == "Form:step"


async def test_outside_a_unit_of_work_each_call_commits_itself(database: Database) -> None:
    await SQLStorage(database).set_data(KEY, {"draft": "x"})
    assert await SQLStorage(database).get_data(KEY) == {"draft": "x"}


class Statements:
    """Counts the statements the database's engine runs while in a `with` block."""

    def __init__(self, database: Database) -> None:
        self.engine = database.engine.sync_engine
        self.texts: list[str] = []

    def _count(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        self.texts.append(statement.split()[0].upper())

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self.texts

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


async def test_a_dialog_step_reads_its_row_once_and_writes_it_once(database: Database) -> None:
    storage = SQLStorage(database)
    await storage.set_state(KEY, "Form:step")
    await storage.set_data(KEY, {"draft": {"answers": [1]}})
    with Statements(database) as statements:
        async with database.unit_of_work() as session:
            assert await storage.get_state(KEY) == "Form:step"
            data = await storage.get_data(KEY)
            data["draft"]["answers"].append(2)  # a copy: nothing stored until set_data
            assert await storage.get_data(KEY) == {"draft": {"answers": [1]}}
            await storage.set_data(KEY, {**data, "asked": None})
            await storage.set_data(KEY, data)
            await session.commit()
    assert statements == ["SELECT", "INSERT"]  # the row read, then written (an upsert)
    assert await storage.get_data(KEY) == {"draft": {"answers": [1, 2]}}


async def test_a_step_that_changes_nothing_writes_nothing(database: Database) -> None:
    storage = SQLStorage(database)
    await storage.set_state(KEY, "Form:step")
    with Statements(database) as statements:
        async with database.unit_of_work() as session:
            await storage.set_data(KEY, {"x": 1})
            await storage.set_data(KEY, {})  # back to where it was
            await storage.set_state(KEY, "Form:step")
            await session.commit()
    assert statements == ["SELECT"]


async def test_a_rollback_forgets_what_was_kept_for_the_commit(database: Database) -> None:
    storage = SQLStorage(database)
    async with database.unit_of_work() as session:
        await storage.set_state(KEY, "Form:step")
        await session.rollback()
        assert await storage.get_state(KEY) is None  # read again, not the kept value
        await session.commit()
    assert await storage.get_state(KEY) is None


async def test_an_update_is_recorded_with_its_first_effects_and_only_then(
    database: Database,
) -> None:
    storage = SQLStorage(database)
    async with database.unit_of_work() as session:
        repos = Repositories(session)
        repos.updates.record_at_commit(1, 77, NOW)
        # Nothing is written yet: another transaction can write at once (on SQLite an early
        # INSERT would hold the one write lock until this update's first commit).
        async with database.transaction() as other:
            assert await Repositories(other).updates.first_delivery(1, 78, NOW)
        await session.rollback()  # the handler failed before it did anything
        repos.updates.record_at_commit(1, 77, NOW)  # so it is handled again when redelivered
        await storage.set_state(KEY, "Form:one")
        await database.commit_unit_of_work()  # a reply: the first effects commit
    # Delivered once more: the first commit finds the record, and nothing of it stays.
    async with database.unit_of_work() as session:
        Repositories(session).updates.record_at_commit(1, 77, NOW)
        await storage.set_state(KEY, "Form:two")
        with pytest.raises(RedeliveredUpdate):
            await database.commit_unit_of_work()
        assert await storage.get_state(KEY) == "Form:one"
    assert await SQLStorage(database).get_state(KEY) == "Form:one"


async def test_a_write_kept_after_a_commit_is_written_by_the_next_one(database: Database) -> None:
    storage = SQLStorage(database)
    async with database.unit_of_work():
        await storage.set_state(KEY, "Form:one")
        await database.commit_unit_of_work()
        await storage.set_state(KEY, "Form:two")  # from the kept row: no transaction open
        await database.commit_unit_of_work()
    assert await SQLStorage(database).get_state(KEY) == "Form:two"


async def test_a_rollback_with_no_statement_since_the_commit_drops_the_kept_write(
    database: Database,
) -> None:
    storage = SQLStorage(database)
    async with database.unit_of_work() as session:
        await storage.set_state(KEY, "Form:one")
        await session.commit()
        await storage.set_state(KEY, "Form:two")
        await session.rollback()
        assert await storage.get_state(KEY) == "Form:one"
        await session.commit()
    assert await SQLStorage(database).get_state(KEY) == "Form:one"


async def test_true_is_not_taken_for_one(database: Database) -> None:
    storage = SQLStorage(database)
    await storage.set_data(KEY, {"a": 1})
    async with database.unit_of_work() as session:
        await storage.set_data(KEY, {"a": True})
        await session.commit()
    assert await SQLStorage(database).get_data(KEY) == {"a": True}
    assert (await SQLStorage(database).get_data(KEY))["a"] is True
