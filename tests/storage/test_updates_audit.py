"""Update deduplication and the audit log."""

from __future__ import annotations

from datetime import timedelta

from storage import AuditEntry, Database, Repositories

from .conftest import NOW


async def test_first_delivery_then_redelivery_keeps_the_transaction_usable(
    database: Database,
) -> None:
    async with database.session() as session:
        repos = Repositories(session)
        assert await repos.updates.first_delivery(1, 500, NOW)
        assert not await repos.updates.first_delivery(1, 500, NOW)
        assert await repos.updates.first_delivery(2, 500, NOW)
        # The duplicate must not have aborted the transaction (PostgreSQL would refuse this).
        await repos.audit.record(at=NOW, actor_id=None, action="after-duplicate", allowed=True)
        await session.commit()
    async with database.session() as session:
        repos = Repositories(session)
        assert not await repos.updates.first_delivery(1, 500, NOW)
        assert [entry.action for entry in await repos.audit.recent()] == ["after-duplicate"]


async def test_an_uncommitted_delivery_is_seen_again(database: Database) -> None:
    async with database.session() as session:
        assert await Repositories(session).updates.first_delivery(1, 7, NOW)
    async with database.session() as session:
        assert await Repositories(session).updates.first_delivery(1, 7, NOW)


async def test_purge_before(repos: Repositories) -> None:
    for update_id, age in ((1, 3), (2, 2), (3, 0)):
        await repos.updates.first_delivery(1, update_id, NOW - timedelta(days=age))
    assert await repos.updates.purge_before(NOW - timedelta(days=1)) == 2
    assert await repos.updates.purge_before(NOW - timedelta(days=1)) == 0
    assert await repos.updates.first_delivery(1, 1, NOW)
    assert not await repos.updates.first_delivery(1, 3, NOW)


async def test_audit_recent_is_newest_first(repos: Repositories) -> None:
    await repos.audit.record(
        at=NOW,
        actor_id=1001,
        action="invite",
        target="dongguan",
        allowed=False,
        detail="perm-not-supervisor",
    )
    await repos.audit.record(at=NOW + timedelta(seconds=1), actor_id=None, action="b", allowed=True)
    await repos.audit.record(at=NOW + timedelta(seconds=1), actor_id=5, action="c", allowed=True)
    await repos.session.commit()
    recent = await repos.audit.recent()
    assert [entry.action for entry in recent] == ["c", "b", "invite"]
    oldest = recent[-1]
    assert oldest == AuditEntry(
        oldest.id, NOW, 1001, "invite", "dongguan", False, "perm-not-supervisor"
    )
    assert [entry.action for entry in await repos.audit.recent(limit=1)] == ["c"]


async def test_an_overlong_audit_target_is_truncated_not_refused(database: Database) -> None:
    async with database.session() as session:
        repos = Repositories(session)
        await repos.audit.record(
            at=NOW, actor_id=1, action="bind", target="x" * 1000, allowed=False, detail="y" * 5000
        )
        await session.commit()
        [entry] = await repos.audit.recent()
    assert entry.target == "x" * 255
    assert entry.detail == "y" * 5000
