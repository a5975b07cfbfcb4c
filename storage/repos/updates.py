"""Deduplication of Telegram updates, which are redelivered after crashes and timeouts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Executable, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.db import keep_for_commit
from storage.models import ProcessedUpdateRow
from storage.repos._sql import prepared, rowcount, table_of, upsert_in


class RedeliveredUpdate(Exception):
    """Raised by the commit that would record an update already recorded: a redelivery,
    whose effects are rolled back (the first delivery's stand)."""


class UpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, bot_id: int, update_id: int) -> bool:
        """Whether the update was recorded (by a committed transaction)."""
        found = await self._session.scalar(
            select(ProcessedUpdateRow.update_id).where(
                ProcessedUpdateRow.bot_id == bot_id, ProcessedUpdateRow.update_id == update_id
            )
        )
        return found is not None

    def record_at_commit(self, bot_id: int, update_id: int, now: datetime) -> None:
        """Record the update inside the session's next commit, with the update's first effects
        (an INSERT at the start would hold SQLite's one write lock for the whole update).

        That commit raises RedeliveredUpdate instead if the update is recorded already, so a
        redelivery is recognised without a read of its own: what it did is rolled back before
        anything reached Telegram or the database."""

        def write(sync: Session) -> None:
            statement = prepared(sync, "record-update", _record_returning)
            values = {"bot_id": bot_id, "update_id": update_id, "processed_at": now}
            if sync.execute(statement, values).first() is None:
                raise RedeliveredUpdate(f"update {update_id} of bot {bot_id}")

        keep_for_commit(self._session, f"update:{bot_id}:{update_id}", write)

    async def first_delivery(self, bot_id: int, update_id: int, now: datetime) -> bool:
        """Record the update now; True the first time, False when it was recorded already
        (the caller's transaction stays usable). The bot records updates at commit instead
        (record_at_commit); this immediate form serves tools and tests."""
        statement = prepared(self._session, "record-update", _record_returning)
        values = {"bot_id": bot_id, "update_id": update_id, "processed_at": now}
        inserted = (await self._session.execute(statement, values)).first()
        return inserted is not None

    async def last_update_id(self, bot_id: int) -> int | None:
        """The highest update id recorded for the bot (while it is kept)."""
        return await self._session.scalar(
            select(func.max(ProcessedUpdateRow.update_id)).where(
                ProcessedUpdateRow.bot_id == bot_id
            )
        )

    async def purge_before(self, cutoff: datetime) -> int:
        """Forget updates processed before `cutoff` (Telegram stops redelivering after a day)."""
        result = await self._session.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < cutoff)
        )
        return rowcount(result)


def _record_returning(dialect: str) -> Executable:
    """The update's record, returning its id if it was not there yet."""
    table = table_of(ProcessedUpdateRow)
    return (
        upsert_in(dialect, table)
        .values(
            bot_id=bindparam("bot_id"),
            update_id=bindparam("update_id"),
            processed_at=bindparam("processed_at"),
        )
        .on_conflict_do_nothing(index_elements=[table.c.bot_id, table.c.update_id])
        .returning(table.c.update_id)
    )
