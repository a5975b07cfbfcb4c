"""Fixtures shared by every test layer: migrated databases and the Redis URL.

- `database`: a migrated, empty `storage.Database`, once on SQLite and once on PostgreSQL.
- `sqlite_database`: the SQLite one only, for tests that do not care about the dialect.
- `postgres_url` / `postgres_schema`: the server URL, and a fresh empty schema dropped after.
- `redis_url` / `redis_prefix`: the server URL, and a unique key prefix cleaned up after.

PostgreSQL and Redis are probed once per session. When one is unreachable its tests are
skipped, unless REQUIRE_POSTGRES=1 / REQUIRE_REDIS=1 (set by CI) turns that into a failure.
Tests using them get the `postgres` / `redis` marker automatically, so `-m "not postgres"`
works without marking each test by hand.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from storage.crypto import KeyRing, install_keyring
from storage.db import Database, create_engine, drop_schema
from storage.migrate import upgrade
from storage.models import Base
from tests.logcheck import assert_no_personal_data, catching_personal_data

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PROBE_TIMEOUT = 3.0

_T = TypeVar("_T")

# Personal fields are sealed (storage/crypto.py): every test process gets a key of its own, as
# the composition root installs the configured one. Tests of keys themselves install others
# and put this one back (the `test_keyring` fixture).
TEST_KEYRING = KeyRing.generate()
install_keyring(TEST_KEYRING)


@pytest.fixture(autouse=True)
def no_personal_data_in_logs() -> Iterator[None]:
    """Every test: no phone or ID number in any log record (tests/logcheck.py)."""
    with catching_personal_data() as catcher:
        yield
    assert_no_personal_data(catcher.found, "the log records of this test")


@pytest.fixture
def test_keyring() -> Iterator[KeyRing]:
    yield TEST_KEYRING
    install_keyring(TEST_KEYRING)


def in_thread(function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Call `function` in a thread of its own and wait for it.

    Session fixtures are synchronous but may be set up while a test's event loop runs (when an
    async fixture needs them), and asyncio.run or storage.migrate.upgrade refuse to run there;
    in the main thread asyncio.run would also clear the loop pytest-asyncio manages.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def run_in_thread(make: Callable[[], Awaitable[_T]]) -> _T:
    """Run the coroutine `make()` to completion in its own thread and event loop."""

    async def main() -> _T:
        return await make()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def unique_name(prefix: str) -> str:
    # Several test runs share the servers, so names carry the process id and a random part.
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def _unavailable(service: str, variable: str, url: str, problem: str) -> None:
    message = f"{service} at {_redact(url)} is not usable: {problem}"
    if os.environ.get(variable) == "1":
        pytest.fail(f"{message} ({variable}=1 makes this a failure)", pytrace=False)
    pytest.skip(f"{message} (set {variable}=1 to fail instead)")


async def _probe_postgres(url: str) -> None:
    engine = create_engine(url, pooled=False)
    try:
        async with asyncio.timeout(PROBE_TIMEOUT), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def _probe_redis(url: str) -> None:
    client = Redis.from_url(url, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT)
    try:
        await client.ping()
    finally:
        await client.aclose()


def _probe(probe: Callable[[], Awaitable[None]]) -> str | None:
    try:
        run_in_thread(probe)
    except Exception as error:  # any failure means "not usable"; the message says which
        return f"{type(error).__name__}: {error}"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Runs before `-m` deselection, so the markers added here take part in it.
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"postgres_url", "postgres_schema"}:
            item.add_marker(pytest.mark.postgres)
        if names & {"redis_url", "redis_prefix"}:
            item.add_marker(pytest.mark.redis)


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> str:
    problem = _probe(lambda: _probe_postgres(POSTGRES_URL))
    if problem is not None:
        _unavailable("PostgreSQL", "REQUIRE_POSTGRES", POSTGRES_URL, problem)
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A unique schema name in `postgres_url`; created by whoever migrates it, dropped after."""
    schema = unique_name("test")
    yield schema
    run_in_thread(lambda: drop_schema(postgres_url, schema))


@pytest.fixture(scope="session")
def _migrated_postgres_schema(postgres_url: str) -> Iterator[str]:
    # Migrating once per session and emptying the tables per test is much faster than a
    # schema per test, and still keeps concurrent runs apart.
    schema = unique_name("test")
    try:
        in_thread(upgrade, postgres_url, schema=schema)
        yield schema
    finally:
        run_in_thread(lambda: drop_schema(postgres_url, schema))


async def _postgres_database(url: str, schema: str) -> Database:
    database = Database.connect(url, schema=schema)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    async with database.transaction() as session:
        # A session some test leaked would block TRUNCATE forever; fail with a reason instead.
        await session.execute(text("SET LOCAL lock_timeout = '10s'"))
        await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return database


# --- SQLite -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Copying a migrated file is much faster than migrating for every test.
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    in_thread(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


async def _sqlite_database(template: Path, directory: Path) -> Database:
    path = directory / "bot.sqlite3"
    shutil.copyfile(template, path)
    return Database.connect(f"sqlite+aiosqlite:///{path}")


@pytest.fixture
async def sqlite_database(_migrated_sqlite_file: Path, tmp_path: Path) -> AsyncIterator[Database]:
    database = await _sqlite_database(_migrated_sqlite_file, tmp_path)
    yield database
    await database.dispose()


@pytest.fixture
async def postgres_database(
    postgres_url: str, _migrated_postgres_schema: str
) -> AsyncIterator[Database]:
    """PostgreSQL only, for what only PostgreSQL does (row locks, advisory locks)."""
    database = await _postgres_database(postgres_url, _migrated_postgres_schema)
    yield database
    await database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(
    request: pytest.FixtureRequest, _migrated_sqlite_file: Path, tmp_path: Path
) -> AsyncIterator[Database]:
    """A migrated, empty database; tests using it run once per backend."""
    if request.param == "sqlite":
        database = await _sqlite_database(_migrated_sqlite_file, tmp_path)
    else:
        url: str = request.getfixturevalue("postgres_url")
        schema: str = request.getfixturevalue("_migrated_postgres_schema")
        database = await _postgres_database(url, schema)
    yield database
    await database.dispose()


# --- Redis --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    problem = _probe(lambda: _probe_redis(REDIS_URL))
    if problem is not None:
        _unavailable("Redis", "REQUIRE_REDIS", REDIS_URL, problem)
    return REDIS_URL


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A key prefix no other test or run uses; its keys are deleted afterwards."""
    prefix = unique_name("test")
    yield prefix
    client = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
