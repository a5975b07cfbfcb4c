"""Engine settings per dialect, session handling and timezone-aware times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from storage import Database
from storage.db import normalise_url
from storage.models import AuditLogRow, RoleAssignmentRow

from .conftest import NOW


async def test_sqlite_gets_its_directory_and_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "bot.sqlite3"
    database = Database.connect(f"sqlite:///{path}")
    try:
        assert database.dialect == "sqlite"
        assert database.url == f"sqlite+aiosqlite:///{path}"
        assert path.parent.is_dir()
        async with database.session() as session:
            assert await session.scalar(text("PRAGMA foreign_keys")) == 1
            assert await session.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await session.scalar(text("PRAGMA busy_timeout")) == 5000
    finally:
        await database.dispose()


def test_plain_urls_get_the_async_drivers() -> None:
    assert normalise_url("postgresql://u:p@db/bot").drivername == "postgresql+asyncpg"
    assert normalise_url("sqlite+aiosqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert normalise_url("postgres://u@db/bot").drivername == "postgresql+asyncpg"
    with pytest.raises(ValueError, match="unsupported"):
        normalise_url("mysql://u@db/bot")
    with pytest.raises(ValueError, match="in-memory"):
        normalise_url("sqlite+aiosqlite://")


def test_schemas_are_postgres_only_and_plain_identifiers() -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        Database.connect("sqlite+aiosqlite:///x.db", schema="test")
    with pytest.raises(ValueError, match="invalid schema"):
        Database.connect("postgresql+asyncpg://u@db/bot", schema='x"; DROP TABLE units; --')


async def test_postgres_schema_is_the_search_path(postgres_url: str, postgres_schema: str) -> None:
    database = Database.connect(postgres_url, schema=postgres_schema)
    try:
        assert database.dialect == "postgresql"
        async with database.session() as session:
            assert await session.scalar(text("SHOW search_path")) == postgres_schema
    finally:
        await database.dispose()


async def test_foreign_keys_are_enforced(database: Database) -> None:
    async with database.session() as session:
        session.add(RoleAssignmentRow(telegram_id=1, unit_id=1, role="liaison", granted_at=NOW))
        with pytest.raises(IntegrityError):
            await session.flush()


async def _add_then_fail(database: Database) -> None:
    async with database.transaction() as session:
        session.add(AuditLogRow(at=NOW, action="discarded", allowed=True))
        await session.flush()
        raise LookupError


async def test_transaction_commits_or_rolls_back(database: Database) -> None:
    async with database.transaction() as session:
        session.add(AuditLogRow(at=NOW, action="kept", allowed=True))
    with pytest.raises(LookupError):
        await _add_then_fail(database)
    async with database.session() as session:
        assert list(await session.scalars(select(AuditLogRow.action))) == ["kept"]


async def test_times_come_back_aware_in_utc(database: Database) -> None:
    beijing = timezone(timedelta(hours=8))
    local = datetime(2026, 3, 1, 16, 30, 15, 123456, tzinfo=beijing)
    async with database.transaction() as session:
        session.add(AuditLogRow(at=local, action="a", allowed=True))
    async with database.session() as session:
        stored = await session.scalar(select(AuditLogRow.at))
        later = await session.scalar(
            select(AuditLogRow.action).where(AuditLogRow.at > local - timedelta(microseconds=1))
        )
    assert stored == local
    assert stored is not None
    assert stored.tzinfo is UTC
    assert stored.hour == 8
    assert stored.microsecond == 123456
    assert later == "a"


async def test_naive_times_are_refused(database: Database) -> None:
    async with database.session() as session:
        session.add(AuditLogRow(at=datetime(2026, 3, 1, 8, 0), action="a", allowed=True))
        with pytest.raises(StatementError, match="naive datetime"):
            await session.flush()
