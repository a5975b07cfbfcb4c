"""Draft expiry leases and the job that tells people their draft expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.wiring import expired_draft_notice as NOTICE
from domain.org import Language
from services import drafts
from storage import Database, Repositories
from storage.models import OutboxRow
from tests.handlers.conftest import EN

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


async def test_touch_extends_and_drop_deletes(database: Database) -> None:
    async with database.transaction() as session:
        repos = Repositories(session)
        grace = drafts.LEASE_RENEWAL
        renewed = await drafts.touch(repos, 5, ttl_hours=24, now=NOW)
        assert renewed == NOW
        later = NOW + timedelta(hours=2)
        assert await drafts.touch(repos, 5, ttl_hours=24, now=later, renewed=renewed) == later
        lease = await repos.drafts.get(5)
        assert lease is not None
        assert lease.dialog == drafts.DECLARATION
        # The draft expires 24 hours after its last step; the notice may come `grace` later.
        assert lease.expires_at == NOW + timedelta(hours=26) + grace
        assert await repos.drafts.expired(NOW + timedelta(hours=26)) == []
        due = NOW + timedelta(hours=26) + grace
        assert [x.telegram_id for x in await repos.drafts.expired(due)] == [5]
        await drafts.drop(repos, 5)
        assert await repos.drafts.get(5) is None
        assert not await repos.drafts.drop(5)


async def test_a_lease_is_renewed_once_per_renewal_interval(database: Database) -> None:
    """A step within LEASE_RENEWAL of the last renewal writes nothing, and the lease still
    ends no earlier than the draft does."""
    async with database.transaction() as session:
        repos = Repositories(session)
        renewed = await drafts.touch(repos, 5, ttl_hours=24, now=NOW)
        step = NOW + drafts.LEASE_RENEWAL - timedelta(seconds=1)
        assert await drafts.touch(repos, 5, ttl_hours=24, now=step, renewed=renewed) == NOW
        lease = await repos.drafts.get(5)
        assert lease is not None
        assert lease.expires_at == NOW + timedelta(hours=24) + drafts.LEASE_RENEWAL
        assert lease.expires_at >= step + timedelta(hours=24)  # the draft's own expiry
        again = NOW + drafts.LEASE_RENEWAL
        assert await drafts.touch(repos, 5, ttl_hours=24, now=again, renewed=renewed) == again


async def test_a_lease_renewed_since_it_was_read_is_not_dropped_as_expired(
    database: Database,
) -> None:
    async with database.transaction() as session:
        repos = Repositories(session)
        await drafts.touch(repos, 5, ttl_hours=1, now=NOW)
        later = NOW + timedelta(hours=2)
        [lease] = await repos.drafts.expired(later)
        await drafts.touch(repos, 5, ttl_hours=1, now=later)  # a new dialog meanwhile
        assert not await repos.drafts.drop(5, lease.dialog, expired_at=later)
        assert await repos.drafts.get(5) is not None


async def test_expire_notifies_in_the_persons_language_once(database: Database) -> None:
    async with database.transaction() as session:
        repos = Repositories(session)
        await repos.people.ensure(7, "Ann", Language.EN, now=NOW)
        await drafts.touch(repos, 7, ttl_hours=1, now=NOW)
        await drafts.touch(repos, 8, ttl_hours=5, now=NOW)
    later = NOW + timedelta(hours=2)
    async with database.transaction() as session:
        assert (
            await drafts.expire(
                Repositories(session), now=later, default_language=Language.ZH_CN, notice=NOTICE
            )
            == 1
        )
    async with database.transaction() as session:
        assert (
            await drafts.expire(
                Repositories(session), now=later, default_language=Language.ZH_CN, notice=NOTICE
            )
            == 0
        )
        rows = list(await session.scalars(select(OutboxRow)))
        assert [(r.chat_id, r.text) for r in rows] == [(7, EN("declare-expired-notice"))]
        assert await Repositories(session).drafts.get(8) is not None
