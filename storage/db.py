"""Engine and session handling for SQLite (one-machine installs) and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import NullPool

from storage.changes import take_changes

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# Long enough to ride out another connection's write, short enough that a stuck writer shows up.
SQLITE_BUSY_TIMEOUT_MS = 5000
# Connections kept open. A burst of updates waits for one rather than opening more: a
# connection opened for a moment and closed again (SQLAlchemy's overflow) costs more than the
# update it serves (on SQLite a thread and the connection's set-up statements, on PostgreSQL a
# log-in). SQLite writes one transaction at a time whatever the number of connections, and
# each aiosqlite connection is a thread: with many, they spend CPU taking Python's lock from
# each other (bench/README.md, bench.updates); a few let a long read not hold up the rest.
POOL_SIZE = {"sqlite": 4, "postgresql": 10}


def normalise_url(url: str | URL) -> URL:
    """Accept plain 'sqlite:///' and 'postgresql://' URLs and pick the async driver for them."""
    parsed = make_url(url)
    if parsed.drivername == "postgres":  # Heroku-style URLs; SQLAlchemy dropped the alias
        parsed = parsed.set(drivername="postgresql")
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")
    if parsed.drivername == backend:
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        # Every pooled connection would get its own empty database, and migrations another.
        raise ValueError("in-memory SQLite is not supported; give a file path")
    return parsed


def check_schema_name(schema: str) -> str:
    # The name is spliced into DDL and search_path, so only plain identifiers get through.
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return schema


def create_engine(
    url: str | URL, *, schema: str | None = None, echo: bool = False, pooled: bool = True
) -> AsyncEngine:
    """An async engine with the per-dialect connection settings the storage layer relies on."""
    parsed = normalise_url(url)
    # A failing statement's error would otherwise quote its parameters (phone numbers, typed
    # answers) into every log line and traceback that shows it.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if pooled:
        kwargs.update(pool_size=POOL_SIZE[parsed.get_backend_name()], max_overflow=0)
    else:
        kwargs["poolclass"] = NullPool
    if parsed.get_backend_name() == "sqlite":
        if schema is not None:
            raise ValueError("schemas are a PostgreSQL feature; use a separate SQLite file")
        _make_parent_directory(parsed)
        engine = _create_async_engine(parsed, **kwargs)
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        return engine
    if schema is not None:
        # Set at connection start-up so that every statement, including Alembic's own
        # bookkeeping, resolves unqualified names inside the schema.
        kwargs["connect_args"] = {"server_settings": {"search_path": check_schema_name(schema)}}
    return _create_async_engine(parsed, pool_pre_ping=pooled, **kwargs)


def _make_parent_directory(url: URL) -> None:
    database = url.database
    if not database or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # SQLite leaves foreign keys off per connection unless asked; WAL lets the bot read
        # while another connection writes; the busy timeout waits for that writer instead of
        # failing at once with "database is locked".
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


_ambient_session: ContextVar[tuple[Database, AsyncSession] | None] = ContextVar(
    "storage_ambient_session", default=None
)


# session.info key of what must be written just before the session commits: name -> function
# of the (sync) Session, run inside the commit (the FSM storage keeps a dialog's state there
# and writes it once per commit, whoever commits).
BEFORE_COMMIT = "storage.before_commit"
# session.info key of what the session has read and kept (the FSM storage's rows); a rollback
# drops it with BEFORE_COMMIT, since either may then disagree with the database.
READ_CACHE = "storage.read_cache"
# session.info key of what must happen once the session's next commit has succeeded: name ->
# function of nothing (the dialog toolkit forgets an answered question this way, so that a
# redelivery rolled back at its commit forgets nothing). A rollback drops it.
AFTER_COMMIT = "storage.after_commit"
# session.info key of the organisation's version as read in the current transaction
# (storage.repos.org); dropped when the transaction ends, so the next one reads it afresh.
ORG_VERSION = "storage.org_version"


def open_unit_of_work() -> AsyncSession | None:
    """The session of the unit of work the current task is in, if any."""
    ambient = _ambient_session.get()
    return None if ambient is None else ambient[1]


def keep_for_commit(session: AsyncSession, name: str, write: Callable[[Session], None]) -> None:
    """Run `write` inside the session's next commit (once per `name`: a later one replaces
    it); a rollback drops it. A transaction is begun if none is open (without connecting),
    so a rollback before that commit always drops it."""
    if not session.in_transaction():
        session.sync_session.begin()
    session.info.setdefault(BEFORE_COMMIT, {})[name] = write


def on_commit(session: AsyncSession, name: str, action: Callable[[], None]) -> None:
    """Run `action` once the session's next commit has succeeded (once per `name`); a
    rollback drops it. A transaction is begun if none is open, as for keep_for_commit."""
    if not session.in_transaction():
        session.sync_session.begin()
    session.info.setdefault(AFTER_COMMIT, {})[name] = action


def _before_commit(session: Session) -> None:
    # Inside the commit (a greenlet under AsyncSession), so the writes run synchronously.
    for write in session.info.pop(BEFORE_COMMIT, {}).values():
        write(session)


class Database:
    """One engine and its session factory; create once per process and dispose at shutdown."""

    def __init__(self, engine: AsyncEngine, *, schema: str | None = None) -> None:
        self.engine = engine
        self.schema = schema
        self._changed: dict[str, asyncio.Event] = {}
        # A class per database, so its commit hook sees only this database's sessions.
        session_class = type("Session", (Session,), {})
        event.listen(session_class, "before_commit", _before_commit)
        event.listen(session_class, "after_commit", self._after_commit)
        event.listen(session_class, "after_soft_rollback", self._after_rollback)
        self._sessions = async_sessionmaker(
            engine, expire_on_commit=False, sync_session_class=session_class
        )

    def changed(self, topic: str) -> asyncio.Event:
        """Set whenever a transaction that noted `topic` (storage.changes) has committed; the
        waiting loop clears it before it looks at the table."""
        return self._changed.setdefault(topic, asyncio.Event())

    def _after_commit(self, session: Session) -> None:
        session.info.pop(ORG_VERSION, None)
        for action in session.info.pop(AFTER_COMMIT, {}).values():
            action()
        for topic in take_changes(session.info):
            self.changed(topic).set()

    def _after_rollback(self, session: Session, previous: SessionTransaction) -> None:
        # Only the outermost rollback undoes everything; after a savepoint's, what the rest
        # of the transaction noted still stands (a needless wake-up costs an idle pass).
        if previous.parent is None:
            take_changes(session.info)
            session.info.pop(BEFORE_COMMIT, None)
            session.info.pop(READ_CACHE, None)
            session.info.pop(ORG_VERSION, None)
            session.info.pop(AFTER_COMMIT, None)

    @classmethod
    def connect(cls, url: str, *, schema: str | None = None, echo: bool = False) -> Database:
        """`schema` (PostgreSQL only) keeps every table inside that schema, e.g. for tests."""
        return cls(create_engine(url, schema=schema, echo=echo), schema=schema)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction the caller commits; anything uncommitted is rolled back."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A session the caller commits, which other storage users in the same task join.

        The bot opens one per update. The FSM storage then writes inside the same transaction,
        so a dialog step and the changes it causes commit or roll back together, and SQLite
        (one writer at a time) never waits on a second connection of the same update.
        """
        async with self._sessions() as session:
            token = _ambient_session.set((self, session))
            try:
                yield session
            finally:
                _ambient_session.reset(token)

    async def commit_unit_of_work(self) -> None:
        """Commit what the current task's unit of work holds so far; it stays open for more.

        A failed commit is rolled back before the error goes on, so the session can still
        serve the error reply and whatever the handler does next.
        """
        session = self.current_unit_of_work()
        if session is None or not session.in_transaction():
            return
        try:
            await session.commit()
        except BaseException:
            await session.rollback()
            raise

    def current_unit_of_work(self) -> AsyncSession | None:
        """The session of the unit of work the current task holds on this database, if any."""
        ambient = _ambient_session.get()
        return ambient[1] if ambient is not None and ambient[0] is self else None

    @asynccontextmanager
    async def joined_transaction(self) -> AsyncIterator[AsyncSession]:
        """The open unit of work's session on this database, else a short transaction."""
        session = self.current_unit_of_work()
        if session is not None:
            yield session
            return
        async with self.transaction() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session committed when the block ends normally and rolled back on an exception."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


async def create_schema(url: str, schema: str) -> None:
    """Create a PostgreSQL schema if it is missing (the migrations then fill it)."""
    await _schema_ddl(url, f'CREATE SCHEMA IF NOT EXISTS "{check_schema_name(schema)}"')


async def drop_schema(url: str, schema: str) -> None:
    """Drop a PostgreSQL schema with everything in it."""
    await _schema_ddl(url, f'DROP SCHEMA IF EXISTS "{check_schema_name(schema)}" CASCADE')


async def _schema_ddl(url: str, statement: str) -> None:
    engine = create_engine(url, pooled=False)
    if engine.dialect.name != "postgresql":
        await engine.dispose()
        raise ValueError("schemas are a PostgreSQL feature")
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()
