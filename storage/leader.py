"""One active instance for jobs that must not run twice (the outbox sender).

On PostgreSQL a session-level advisory lock, held on a connection of its own for as long as
the instance leads: if the process dies, its connection closes and the lock is free again. On
SQLite only one instance can run against the file anyway, so the lock is always granted.
"""

from __future__ import annotations

import zlib

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database


def lock_key(name: str) -> int:
    """A stable 32-bit key for a lock name (advisory locks are keyed by integers)."""
    return zlib.crc32(name.encode())


class LeaderLock:
    def __init__(self, database: Database, name: str) -> None:
        self._database = database
        # The schema is part of the key: test runs sharing a server each get their own lock.
        self.key = lock_key(f"{database.schema or ''}:{name}")
        self._connection: AsyncConnection | None = None
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    async def try_acquire(self) -> bool:
        if self._held:
            return True
        if self._database.dialect != "postgresql":
            self._held = True
            return True
        connection = await self._database.engine.connect()
        try:
            got = bool(await connection.scalar(select(func.pg_try_advisory_lock(self.key))))
            # The lock belongs to the session, not the transaction; do not sit idle in one.
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection, self._held = connection, True
        return True

    async def check(self) -> bool:
        """False if the lock's connection was lost (and with it, possibly, the lock)."""
        if not self._held or self._connection is None:
            return self._held
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            await self.release()
            return False
        return True

    async def release(self) -> None:
        connection, self._connection, self._held = self._connection, None, False
        if connection is None:
            return
        try:
            await connection.execute(select(func.pg_advisory_unlock(self.key)))
            await connection.commit()
        except Exception:
            # A pooled connection would keep the lock; discarding it ends the server session.
            await connection.invalidate()
        await connection.close()
