"""aiogram FSM storage in the bot's own database, so half-finished dialogs survive a restart;
and aiogram's Redis storage for several instances, its dialog data sealed like the database's
(half-finished declarations hold phones and ID numbers)."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import Executable, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.db import READ_CACHE, Database, keep_for_commit
from storage.models import FsmStateRow
from storage.repos._sql import prepared, table_of, upsert_in
from storage.sealed import dumps_sealed, loads_sealed


def redis_storage(url: str, *, prefix: str = "fsm") -> BaseStorage:
    """aiogram's RedisStorage whose data values are sealed (storage/crypto.py); the state
    names stay clear. The bot id in the key keeps two bots sharing one Redis from sharing
    dialogs."""
    # Imported only here: Redis's client weighs 6 MB in a process that does not use it.
    from aiogram.fsm.storage.redis import RedisStorage

    return RedisStorage.from_url(
        url,
        key_builder=DefaultKeyBuilder(prefix=prefix, with_bot_id=True, with_destiny=True),
        json_dumps=dumps_sealed,
        json_loads=loads_sealed,
    )


class SQLStorage(BaseStorage):
    """One row per dialog key holding both the state and the data.

    Inside an update the calls join the update's unit of work (Database.unit_of_work): the
    row is read once, and written once, with the rest of the update's work, only if it
    changed; so a dialog step commits together with what it changed. Elsewhere each call is
    its own short transaction. A row whose state and data are both empty is deleted, so
    finished dialogs leave nothing behind.

    The row kept for the update is trusted until the update ends: one dialog has one writer
    at a time, since the dispatcher handles one user's updates one after the other (events
    isolation, in the process or across processes through Redis).
    """

    def __init__(
        self,
        database: Database,
        key_builder: KeyBuilder | None = None,
        *,
        dispose_on_close: bool = False,
    ) -> None:
        self.database = database
        # Bot id and destiny in the key keep two bots (or scenes) on one database apart.
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        # The dispatcher closes its storage at shutdown while other shutdown hooks may still
        # need the shared database, so disposing is opt-in.
        self._dispose_on_close = dispose_on_close

    async def close(self) -> None:
        if self._dispose_on_close:
            await self.database.dispose()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        row_key = self.key_builder.build(key)
        session = self.database.current_unit_of_work()
        if session is not None:
            _, data = await self._cached(session, row_key)
            self._keep(session, row_key, value, data)
            return
        async with self.database.transaction() as short:
            _, data = await _read(short, row_key)
            await _write(short, row_key, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        row_key = self.key_builder.build(key)
        session = self.database.current_unit_of_work()
        if session is not None:
            return (await self._cached(session, row_key))[0]
        async with self.database.transaction() as short:
            return (await _read(short, row_key))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(
                f"Data must be a dict or dict-like object, got {type(data).__name__}"
            )
        check_json(data)
        row_key = self.key_builder.build(key)
        session = self.database.current_unit_of_work()
        if session is not None:
            state, _ = await self._cached(session, row_key)
            self._keep(session, row_key, state, copy.deepcopy(data))
            return
        async with self.database.transaction() as short:
            state, _ = await _read(short, row_key)
            await _write(short, row_key, state, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row_key = self.key_builder.build(key)
        session = self.database.current_unit_of_work()
        if session is not None:
            data = (await self._cached(session, row_key))[1]
        else:
            async with self.database.transaction() as short:
                data = (await _read(short, row_key))[1]
        # A copy: what a handler changes in it is not stored until it says so.
        return copy.deepcopy(data)

    # Inside an update's unit of work the row is read once and kept in the session; a change
    # is written once, inside the unit of work's next commit (storage.db.BEFORE_COMMIT), and
    # not at all when the dialog ends where it began.

    async def _cached(self, session: AsyncSession, row_key: str) -> _Row:
        rows: dict[str, _Cached] = session.info.setdefault(READ_CACHE, {}).setdefault("fsm", {})
        if row_key not in rows:
            state, data = await _read(session, row_key)
            rows[row_key] = _Cached(state, data, stored=(state, data))
        cached = rows[row_key]
        return cached.state, cached.data

    def _keep(
        self, session: AsyncSession, row_key: str, state: str | None, data: dict[str, Any]
    ) -> None:
        cached: _Cached = session.info[READ_CACHE]["fsm"][row_key]
        cached.state, cached.data = state, data

        def write(sync: Session) -> None:
            if not _same((cached.state, cached.data), cached.stored):
                sync.execute(*_write_statement(sync, row_key, cached.state, cached.data))
                cached.stored = (cached.state, copy.deepcopy(cached.data))

        keep_for_commit(session, f"fsm:{row_key}", write)


def _same(one: _Row, other: _Row) -> bool:
    """Equal as stored: JSON tells True from 1 and 1 from 1.0, Python's == does not."""
    return json.dumps(one, sort_keys=True) == json.dumps(other, sort_keys=True)


_Row = tuple[str | None, dict[str, Any]]


@dataclass
class _Cached:
    state: str | None
    data: dict[str, Any]
    stored: _Row  # as the database holds it


async def _read(session: AsyncSession, row_key: str) -> _Row:
    row = (
        await session.execute(prepared(session, "fsm-read", _read_row), {"key": row_key})
    ).first()
    if row is None:
        return None, {}
    return row[0], dict(row[1]) if row[1] else {}


async def _write(
    session: AsyncSession, row_key: str, state: str | None, data: Mapping[str, Any]
) -> None:
    await session.execute(*_write_statement(session, row_key, state, data))


def _write_statement(
    session: AsyncSession | Session, row_key: str, state: str | None, data: Mapping[str, Any]
) -> tuple[Executable, dict[str, Any]]:
    """The row as given; none at all when both are empty, so finished dialogs leave nothing."""
    if state is None and not data:
        return prepared(session, "fsm-delete", _delete_row), {"key": row_key}
    values = {"key": row_key, "state": state, "data": dict(data), "updated_at": datetime.now(UTC)}
    return prepared(session, "fsm-upsert", _upsert_row), values


def _read_row(_dialect: str) -> Executable:
    table = table_of(FsmStateRow)
    return select(table.c.state, table.c.data).where(table.c.key == bindparam("key"))


def _delete_row(_dialect: str) -> Executable:
    table = table_of(FsmStateRow)
    return delete(table).where(table.c.key == bindparam("key"))


def _upsert_row(dialect: str) -> Executable:
    table = table_of(FsmStateRow)
    insert = upsert_in(dialect, table)
    return insert.values(
        key=bindparam("key"),
        state=bindparam("state"),
        data=bindparam("data"),
        updated_at=bindparam("updated_at"),
    ).on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "state": insert.excluded.state,
            "data": insert.excluded.data,
            "updated_at": insert.excluded.updated_at,
        },
    )


def check_json(value: Any, path: str = "data") -> None:
    """Raise TypeError unless `value` comes back unchanged from a JSON round trip.

    Checked up front because json.dumps would silently turn tuples into lists and integer keys
    into strings, so a dialog would read back something other than what it stored.
    """
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(f"FSM {path} has the key {name!r}; JSON keys must be strings")
            check_json(item, f"{path}[{name!r}]")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{path}[{index}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"FSM {path} is {value!r}, which JSON cannot store")
    elif value is not None and not isinstance(value, str | int | float):
        raise TypeError(
            f"FSM {path} is a {type(value).__name__}, which JSON cannot store; "
            "keep only str, int, float, bool, None, lists and dicts in dialog data"
        )
