"""aiogram FSM storage in the bot's own database, so half-finished dialogs survive a restart."""

from __future__ import annotations

import math
from collections.abc import Mapping
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
from sqlalchemy import Text, cast, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import FsmStateRow
from storage.repos._sql import upsert

_EMPTY_JSON = "{}"


class SQLStorage(BaseStorage):
    """One row per dialog key holding both the state and the data.

    Inside an update the calls join the update's transaction (Database.unit_of_work), so a
    dialog step commits together with what it changed; elsewhere each call is its own short
    transaction. A row whose state and data are both empty is deleted, so finished dialogs
    leave nothing behind.
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
        row_key = self.key_builder.build(key)
        value = state.state if isinstance(state, State) else state
        now = datetime.now(UTC)
        async with self.database.joined_transaction() as session:
            if value is None:
                await session.execute(
                    update(FsmStateRow)
                    .where(FsmStateRow.key == row_key)
                    .values(state=None, updated_at=now)
                )
                await _delete_if_empty(session, row_key)
                return
            await session.execute(
                upsert(session, FsmStateRow)
                .values(key=row_key, state=value, data={}, updated_at=now)
                .on_conflict_do_update(
                    index_elements=[FsmStateRow.key], set_={"state": value, "updated_at": now}
                )
            )

    async def get_state(self, key: StorageKey) -> str | None:
        async with self.database.joined_transaction() as session:
            return await session.scalar(
                select(FsmStateRow.state).where(FsmStateRow.key == self.key_builder.build(key))
            )

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(
                f"Data must be a dict or dict-like object, got {type(data).__name__}"
            )
        check_json(data)
        row_key = self.key_builder.build(key)
        now = datetime.now(UTC)
        async with self.database.joined_transaction() as session:
            if not data:
                await session.execute(
                    update(FsmStateRow)
                    .where(FsmStateRow.key == row_key)
                    .values(data={}, updated_at=now)
                )
                await _delete_if_empty(session, row_key)
                return
            await session.execute(
                upsert(session, FsmStateRow)
                .values(key=row_key, state=None, data=data, updated_at=now)
                .on_conflict_do_update(
                    index_elements=[FsmStateRow.key], set_={"data": data, "updated_at": now}
                )
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self.database.joined_transaction() as session:
            data = await session.scalar(
                select(FsmStateRow.data).where(FsmStateRow.key == self.key_builder.build(key))
            )
        return dict(data) if data else {}


async def _delete_if_empty(session: AsyncSession, row_key: str) -> None:
    # Both dialects keep the JSON text as written, and an empty dict is always written "{}".
    await session.execute(
        delete(FsmStateRow).where(
            FsmStateRow.key == row_key,
            FsmStateRow.state.is_(None),
            cast(FsmStateRow.data, Text) == _EMPTY_JSON,
        )
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
