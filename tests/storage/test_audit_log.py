"""The audit log is append-only: the repository offers no way to change or remove an entry,
and the database refuses UPDATE (but re-sealing a detail) and DELETE on both backends; reading
it by person, period and action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from domain.org import Language
from storage import Database, Repositories
from storage.crypto import KeyRing, install_keyring, key_id_of
from storage.repos.audit import AuditFilter, AuditRepository
from storage.sealing import reseal

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
REFUSED = (DBAPIError, IntegrityError, OperationalError)


async def _fill(database: Database) -> None:
    async with database.transaction() as session:
        repos = Repositories(session)
        await repos.people.ensure(5, "王敏", Language.ZH_CN, now=NOW)
        await repos.people.ensure(6, "Wang Li", Language.EN, now=NOW)
        await repos.people.ensure(7, "李强", Language.ZH_CN, now=NOW)
        for offset, actor, action in (
            (0, 5, "case.view"),
            (1, 6, "case.unmask"),
            (2, 5, "test.view"),
            (3, 7, "cases.list"),
            (48, 5, "case.view"),
        ):
            await repos.audit.record(
                at=NOW + timedelta(hours=offset),
                actor_id=actor,
                action=action,
                target="declaration 1",
                allowed=True,
            )


def test_the_repository_offers_no_update_or_delete() -> None:
    public = {name for name in vars(AuditRepository) if not name.startswith("_")}
    assert public == {"record", "recent", "search", "count", "people_named"}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET detail = 'rewritten'",
        "UPDATE audit_log SET allowed = NOT allowed WHERE action = 'case.view'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'case.unmask'",
    ],
)
async def test_the_database_refuses_to_change_or_remove_entries(
    database: Database, statement: str
) -> None:
    await _fill(database)
    with pytest.raises(REFUSED, match="append-only"):
        async with database.transaction() as session:
            await session.execute(text(statement))
    async with database.session() as session:
        entries = await Repositories(session).audit.recent()
    assert len(entries) == 5
    assert all(entry.detail is None for entry in entries)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET detail = 'v1:0a1b2c3d:AAAA', action = 'case.view'",
        "UPDATE audit_log SET detail = 'v1:0a1b2c3d:AAAA', target = 'declaration 2'",
        "UPDATE audit_log SET detail = 'V1:0A1B2C3D:AAAA'",
        "UPDATE audit_log SET detail = 'v1:0a1b2c3d'",  # no envelope
    ],
)
async def test_only_sealing_the_detail_again_passes(database: Database, statement: str) -> None:
    """Key rotation rewrites `detail` as an envelope under the new key (storage/sealing.py):
    that alone may change, and only into an envelope."""
    await _fill(database)
    with pytest.raises(REFUSED, match="append-only"):
        async with database.transaction() as session:
            await session.execute(text(statement))
    async with database.transaction() as session:
        sealed = "UPDATE audit_log SET detail = 'v1:0a1b2c3d:AAAA' WHERE action = 'case.unmask'"
        assert (await session.execute(text(sealed))).rowcount == 1  # type: ignore[attr-defined]
        await session.execute(text("UPDATE audit_log SET detail = detail"))  # a no-op passes
        raw = await session.scalar(
            text("SELECT detail FROM audit_log WHERE action = 'case.unmask'")
        )
    assert raw == "v1:0a1b2c3d:AAAA"


async def test_appending_still_works_after_a_refused_change(database: Database) -> None:
    await _fill(database)
    with pytest.raises(REFUSED):
        async with database.transaction() as session:
            await session.execute(text("DELETE FROM audit_log"))
    async with database.transaction() as session:
        await Repositories(session).audit.record(
            at=NOW, actor_id=None, action="audit.export", allowed=True
        )
    async with database.session() as session:
        assert await Repositories(session).audit.count(AuditFilter()) == 6


async def test_search_by_person_period_and_action(database: Database) -> None:
    await _fill(database)
    async with database.session() as session:
        audit = Repositories(session).audit
        mine = await audit.search(AuditFilter(actor_ids=[5]))
        assert [e.action for e in mine] == ["case.view", "test.view", "case.view"]  # newest first
        day = AuditFilter(since=NOW, until=NOW + timedelta(days=1))
        assert await audit.count(day) == 4
        assert [e.action for e in await audit.search(day, offset=1, limit=2)] == [
            "test.view",
            "case.unmask",
        ]
        cases = AuditFilter(action_prefix="case.")
        assert {e.action for e in await audit.search(cases)} == {"case.view", "case.unmask"}
        # A prefix is a prefix, not a pattern.
        assert await audit.count(AuditFilter(action_prefix="case%")) == 0
        assert await audit.people_named("wang") == {6: "Wang Li"}
        assert await audit.people_named("王") == {5: "王敏"}


async def test_key_rotation_reseals_details_through_the_triggers(
    database: Database, test_keyring: KeyRing
) -> None:
    async with database.transaction() as session:
        await Repositories(session).audit.record(
            at=NOW, actor_id=5, action="case.unmask", allowed=True, detail="to call"
        )
    rotated = test_keyring.with_new_key()
    install_keyring(rotated)
    await reseal(database)
    async with database.session() as session:
        raw = await session.scalar(text("SELECT detail FROM audit_log"))
        [entry] = await Repositories(session).audit.recent()
    assert key_id_of(str(raw)) == rotated.current
    assert entry.detail == "to call"
