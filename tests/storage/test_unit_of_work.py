from aiogram.fsm.storage.base import StorageKey

from storage import Database, SQLStorage

KEY = StorageKey(bot_id=1, chat_id=5, user_id=5)


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
