"""Migrations build the schema from nothing, and the models agree with them exactly."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from storage import Database
from storage.migrate import MIGRATIONS, current, downgrade, head, is_current, upgrade
from storage.models import Base

TABLES = {
    "alembic_version",
    "absences",
    "audit_log",
    "case_actions",
    "chat_groups",
    "correction_requests",
    "checkins",
    "declarations",
    "draft_leases",
    "escalation_log",
    "fsm_states",
    "invites",
    "notice_postings",
    "notice_recipients",
    "notice_repeats",
    "notices",
    "obligations",
    "org_version",
    "outbox",
    "people",
    "privacy_notice_acceptances",
    "processed_updates",
    "report_boards",
    "report_versions",
    "risk_areas",
    "role_assignments",
    "test_records",
    "units",
}


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _check_migrated(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_tables) == TABLES
        assert await connection.run_sync(_differences) == []


async def test_sqlite_upgrades_from_empty_and_matches_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/new/dir/bot.sqlite3"
    assert await asyncio.to_thread(current, url) is None
    assert not await asyncio.to_thread(is_current, url)
    await asyncio.to_thread(upgrade, url)
    assert await asyncio.to_thread(current, url) == head() == "0020"
    assert await asyncio.to_thread(is_current, url)
    await asyncio.to_thread(downgrade, url, "0006")
    assert not await asyncio.to_thread(is_current, url)
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    try:
        await _check_migrated(database)
    finally:
        await database.dispose()


async def test_postgres_upgrades_from_empty_inside_the_schema(
    postgres_url: str, postgres_schema: str
) -> None:
    await asyncio.to_thread(upgrade, postgres_url, schema=postgres_schema)
    assert await asyncio.to_thread(current, postgres_url, schema=postgres_schema) == "0020"
    database = Database.connect(postgres_url, schema=postgres_schema)
    try:
        await _check_migrated(database)
        async with database.session() as session:
            placed = await session.scalars(
                text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                {"s": postgres_schema},
            )
            assert set(placed) == TABLES
    finally:
        await database.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_upgrade_twice_is_a_no_op_and_downgrade_empties(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    schema: str | None = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3"
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
    await asyncio.to_thread(upgrade, url, schema=schema)
    await asyncio.to_thread(upgrade, url, schema=schema)
    await asyncio.to_thread(downgrade, url, "base", schema=schema)
    assert await asyncio.to_thread(current, url, schema=schema) is None
    database = Database.connect(url, schema=schema)
    try:
        async with database.engine.connect() as connection:
            assert await connection.run_sync(_tables) == {"alembic_version"}
    finally:
        await database.dispose()


async def test_upgrade_refuses_to_block_a_running_event_loop(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="to_thread"):
        upgrade(f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3")


def test_runtime_needs_only_the_python_files() -> None:
    # pyproject ships migrations/*.py and versions/*.py; the .mako template is for developers.
    shipped = {path.relative_to(MIGRATIONS).as_posix() for path in MIGRATIONS.rglob("*.py")}
    assert {
        "env.py",
        "versions/0001_foundation.py",
        "versions/0002_outbox.py",
        "versions/0003_engine.py",
    } <= shipped
    assert not list(MIGRATIONS.rglob("__init__.py"))


def _file_declaration(connection: Connection, stays: list[dict[str, Any]]) -> None:
    answers = json.dumps({"status": "returned", "stays": stays}, ensure_ascii=False)
    connection.execute(
        text(
            "INSERT INTO declarations (unit_code, filed_by, proxy, submitted_at, start_date,"
            " answers, places, category, rule_name, measure, immediate_report, risk_level,"
            " city_has_cases, matched, policy_version, classified_at, version)"
            " VALUES ('dongguan', 1, false, '2026-11-20 02:00:00', '2026-11-20', :answers, '[]',"
            " 'registration_only', 'r', '{}', false, 'low', false, '[]', 'p',"
            " '2026-11-20 02:00:00', 1)"
        ),
        {"answers": answers},
    )


async def test_places_filed_before_locating_existed_are_counted_to_locate(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3"
    await asyncio.to_thread(upgrade, url, "0011")
    database = Database.connect(url)
    located = {"place": "上海", "region_codes": ["310000"]}
    checked = {"place": "牧场", "region_codes": [], "confirmed_unlisted": True}
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_file_declaration, [located, {"place": "老家村口"}, checked])
            await connection.run_sync(_file_declaration, [located])
    finally:
        await database.dispose()
    await asyncio.to_thread(upgrade, url)
    database = Database.connect(url)
    try:
        async with database.engine.connect() as connection:
            counts = await connection.execute(
                text("SELECT unlocated_places FROM declarations ORDER BY id")
            )
            assert [count for (count,) in counts] == [1, 0]
    finally:
        await database.dispose()
