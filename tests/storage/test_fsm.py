"""FSM storage: SQLStorage on both databases, and aiogram's RedisStorage on the real server."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import func, select

from bot.app import create_fsm_storage
from bot.config import load_settings
from storage import Database, SQLStorage
from storage.crypto import is_sealed
from storage.fsm import redis_storage
from storage.models import FsmStateRow

KEY = StorageKey(bot_id=10, chat_id=20, user_id=30)


class Invite(StatesGroup):
    choosing_unit = State()
    choosing_role = State()


async def _rows(database: Database) -> int:
    async with database.session() as session:
        return await session.scalar(select(func.count()).select_from(FsmStateRow)) or 0


async def test_state_and_data_survive_a_restart(database: Database) -> None:
    context = FSMContext(SQLStorage(database), KEY)
    await context.set_state(Invite.choosing_unit)
    await context.update_data(unit="dongguan", page=2)
    await context.update_data(role="liaison")

    # A restarted bot has a new engine and a new storage on the same database.
    restarted = Database.connect(database.url, schema=database.schema)
    try:
        storage = SQLStorage(restarted)
        assert await storage.get_state(KEY) == Invite.choosing_unit.state
        assert await storage.get_data(KEY) == {"unit": "dongguan", "page": 2, "role": "liaison"}
        assert await storage.get_value(KEY, "page") == 2
        await storage.close()  # leaves the shared database open
        async with restarted.session() as session:
            assert await session.scalar(select(func.count()).select_from(FsmStateRow)) == 1
    finally:
        await restarted.dispose()


async def test_keys_are_kept_apart(database: Database) -> None:
    storage = SQLStorage(database)
    others = [
        StorageKey(bot_id=11, chat_id=20, user_id=30),
        StorageKey(bot_id=10, chat_id=21, user_id=30),
        StorageKey(bot_id=10, chat_id=20, user_id=31),
        StorageKey(bot_id=10, chat_id=20, user_id=30, destiny="scene"),
        StorageKey(bot_id=10, chat_id=20, user_id=30, thread_id=5),
    ]
    await storage.set_state(KEY, "a")
    await storage.set_data(KEY, {"x": 1})
    for other in others:
        assert await storage.get_state(other) is None
        assert await storage.get_data(other) == {}
    assert await _rows(database) == 1


async def test_clearing_a_dialog_removes_its_row(database: Database) -> None:
    storage = SQLStorage(database)
    context = FSMContext(storage, KEY)
    await context.set_state(Invite.choosing_role)
    await context.set_data({"unit": "dongguan"})
    await context.set_state(None)
    assert await storage.get_data(KEY) == {"unit": "dongguan"}
    assert await _rows(database) == 1
    await context.clear()
    assert await context.get_state() is None
    assert await context.get_data() == {}
    assert await _rows(database) == 0
    # Data alone, then state alone, each keep the row.
    await storage.set_data(KEY, {"a": [1, {"b": None}]})
    assert await storage.get_state(KEY) is None
    await storage.set_state(KEY, "s")
    await storage.set_data(KEY, {})
    assert await storage.get_state(KEY) == "s"
    assert await _rows(database) == 1


async def test_returned_data_is_a_copy(database: Database) -> None:
    storage = SQLStorage(database)
    await storage.set_data(KEY, {"items": [1]})
    data = await storage.get_data(KEY)
    data["items"].append(2)
    assert await storage.get_data(KEY) == {"items": [1]}


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"when": {1, 2}}, "data['when'] is a set"),
        ({"pair": (1, 2)}, "data['pair'] is a tuple"),
        ({"nested": {3: "x"}}, "key 3"),
        ({"n": math.nan}, "nan"),
        ({"items": [object()]}, "data['items'][0] is a object"),
    ],
)
async def test_data_that_json_would_not_return_unchanged_is_refused(
    sqlite_database: Database, data: dict[str, Any], complaint: str
) -> None:
    storage = SQLStorage(sqlite_database)
    with pytest.raises(TypeError, match=re.escape(complaint)):
        await storage.set_data(KEY, data)
    assert await storage.get_data(KEY) == {}


async def test_data_must_be_a_dict(sqlite_database: Database) -> None:
    with pytest.raises(DataNotDictLikeError):
        await SQLStorage(sqlite_database).set_data(KEY, [("a", 1)])  # type: ignore[arg-type]


async def test_close_can_dispose_an_owned_database(sqlite_database: Database) -> None:
    storage = SQLStorage(sqlite_database, dispose_on_close=True)
    await storage.set_state(KEY, "s")
    await storage.close()
    # The engine reconnects on demand after dispose; the row outlived it.
    assert await SQLStorage(sqlite_database).get_state(KEY) == "s"


async def test_redis_storage_round_trip(redis_url: str, redis_prefix: str) -> None:
    # The `[fsm] storage = "redis"` option's storage; the prefix is only there to keep this
    # run's keys apart from others on the same server.
    storage = redis_storage(redis_url, prefix=redis_prefix)
    try:
        context = FSMContext(storage, KEY)
        await context.set_state(Invite.choosing_unit)
        await context.update_data(unit="dongguan", phone="13900008000")
    finally:
        await storage.close()
    restarted = redis_storage(redis_url, prefix=redis_prefix)
    assert isinstance(restarted, RedisStorage)
    try:
        assert await restarted.get_state(KEY) == Invite.choosing_unit.state
        assert await restarted.get_data(KEY) == {"unit": "dongguan", "phone": "13900008000"}
        keys = sorted([key.decode() async for key in restarted.redis.scan_iter(f"{redis_prefix}*")])
        data_key, state_key = (
            f"{redis_prefix}:10:20:30:default:{part}" for part in ("data", "state")
        )
        assert keys == [data_key, state_key]
        # The half-finished dialog's answers are sealed on the server; the state name is not.
        raw = (await restarted.redis.get(data_key)).decode()
        assert is_sealed(raw)
        assert "13900008000" not in raw
        assert "dongguan" not in raw
        assert (await restarted.redis.get(state_key)).decode() == Invite.choosing_unit.state
        await FSMContext(restarted, KEY).clear()
        assert await restarted.get_state(KEY) is None
        assert not [key async for key in restarted.redis.scan_iter(f"{redis_prefix}*")]
    finally:
        await restarted.close()


async def test_redis_data_written_in_clear_before_still_reads(
    redis_url: str, redis_prefix: str
) -> None:
    storage = redis_storage(redis_url, prefix=redis_prefix)
    assert isinstance(storage, RedisStorage)
    try:
        data_key = f"{redis_prefix}:10:20:30:default:data"
        await storage.redis.set(data_key, '{"unit": "dongguan"}')
        assert await storage.get_data(KEY) == {"unit": "dongguan"}
        await storage.update_data(KEY, {"page": 2})
        assert is_sealed((await storage.redis.get(data_key)).decode())
        assert await storage.get_data(KEY) == {"unit": "dongguan", "page": 2}
        await storage.set_data(KEY, {})
    finally:
        await storage.close()


async def test_the_redis_option_gives_the_sealed_storage(
    redis_url: str, sqlite_database: Database
) -> None:
    settings = load_settings(None, environ={"REDIS_URL": redis_url})
    settings = settings.model_copy(
        update={"fsm": settings.fsm.model_copy(update={"storage": "redis"})}
    )
    storage = create_fsm_storage(settings, sqlite_database)
    try:
        assert isinstance(storage, RedisStorage)
        assert is_sealed(storage.json_dumps({"phone": "13900008000"}))
    finally:
        await storage.close()
