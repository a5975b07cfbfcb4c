"""Chat groups bound to units, and one-time invitations."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.invites import Invite, new_invite
from domain.org import ChatGroup, GroupPurpose, Role, UnknownUnitError
from domain.orgfile import OrgPlan
from storage import Database, Repositories

from .conftest import NOW

RESIDENTS = ChatGroup(-100777, "东关村居民二群", "dongguan", GroupPurpose.RESIDENTS, "tok-1")


async def test_bind_then_rebind_keeps_the_join_token(org: Repositories) -> None:
    assert await org.groups.bind(RESIDENTS, bound_by=1001, now=NOW) == RESIDENTS
    moved = ChatGroup(RESIDENTS.chat_id, "改名了", "chengguan", GroupPurpose.RESIDENTS)
    rebound = await org.groups.bind(moved, bound_by=1001, now=NOW)
    assert rebound.join_token == "tok-1"
    await org.session.commit()
    assert await org.groups.get(RESIDENTS.chat_id) == ChatGroup(
        RESIDENTS.chat_id, "改名了", "chengguan", GroupPurpose.RESIDENTS, "tok-1"
    )
    fresh = await org.groups.bind(RESIDENTS, bound_by=1001, now=NOW)
    assert fresh == RESIDENTS
    assert await org.groups.get(404) is None


async def test_bind_to_an_unknown_unit(org: Repositories) -> None:
    with pytest.raises(UnknownUnitError):
        await org.groups.bind(
            ChatGroup(-1, "x", "nowhere", GroupPurpose.WORK), bound_by=None, now=NOW
        )


async def test_groups_by_join_token_and_by_unit(org: Repositories) -> None:
    await org.groups.bind(RESIDENTS, bound_by=1001, now=NOW)
    assert await org.groups.by_join_token("tok-1") == RESIDENTS
    assert await org.groups.by_join_token("nope") is None
    residents = await org.groups.of_unit("dongguan", GroupPurpose.RESIDENTS)
    assert [g.chat_id for g in residents] == [-1001234, RESIDENTS.chat_id]
    assert await org.groups.of_unit("dongguan", GroupPurpose.WORK) == []
    assert [g.purpose for g in await org.groups.of_unit("chengguan")] == [GroupPurpose.WORK]


async def test_migrate_to_supergroup(org: Repositories) -> None:
    await org.groups.bind(RESIDENTS, bound_by=1001, now=NOW)
    assert await org.groups.migrate(RESIDENTS.chat_id, -1009999)
    # Telegram announces the migration in both chats, so it arrives twice.
    assert not await org.groups.migrate(RESIDENTS.chat_id, -1009999)
    await org.session.commit()
    assert await org.groups.get(RESIDENTS.chat_id) is None
    moved = await org.groups.get(-1009999)
    assert moved == ChatGroup(
        -1009999, RESIDENTS.title, "dongguan", GroupPurpose.RESIDENTS, "tok-1"
    )
    assert await org.groups.by_join_token("tok-1") == moved


async def test_migrate_onto_an_already_bound_chat_keeps_the_newer_binding(
    org: Repositories,
) -> None:
    assert not await org.groups.migrate(-1001234, -1005678)
    assert await org.groups.get(-1001234) is None
    assert (await org.groups.get(-1005678)) is not None


def _invite(token: str = "abc", ttl: timedelta = timedelta(hours=1)) -> Invite:
    return new_invite(token, Role.LIAISON, "dongguan", 1001, NOW, ttl)


async def test_invite_round_trip_and_single_use(org: Repositories) -> None:
    await org.invites.add(_invite())
    await org.session.commit()
    stored = await org.invites.get("abc")
    assert stored == _invite()
    assert await org.invites.mark_used("abc", 2002, NOW + timedelta(minutes=5))
    assert not await org.invites.mark_used("abc", 2003, NOW + timedelta(minutes=6))
    used = await org.invites.get("abc")
    assert used is not None
    assert used.used_by == 2002
    assert used.used_at == NOW + timedelta(minutes=5)
    assert await org.invites.get("missing") is None
    assert not await org.invites.mark_used("missing", 2002, NOW)


async def test_an_expired_invite_cannot_be_used(org: Repositories) -> None:
    await org.invites.add(_invite(ttl=timedelta(minutes=10)))
    assert not await org.invites.mark_used("abc", 2002, NOW + timedelta(minutes=10))
    assert await org.invites.mark_used("abc", 2002, NOW + timedelta(minutes=9))


async def test_invite_for_an_unknown_unit(repos: Repositories) -> None:
    with pytest.raises(UnknownUnitError):
        await repos.invites.add(_invite())


async def test_two_concurrent_redemptions_only_one_wins(
    org: Repositories, database: Database
) -> None:
    await org.invites.add(_invite())
    await org.session.commit()
    first_updated = asyncio.Event()

    async def first() -> bool:
        async with database.session() as session:
            won = await Repositories(session).invites.mark_used("abc", 1, NOW)
            first_updated.set()
            # Hold the row until the second redeemer is surely waiting on it.
            await asyncio.sleep(0.2)
            await session.commit()
            return won

    async def second() -> bool:
        await first_updated.wait()
        async with database.session() as session:
            won = await Repositories(session).invites.mark_used("abc", 2, NOW)
            await session.commit()
            return won

    assert list(await asyncio.gather(first(), second())) == [True, False]
    async with database.session() as session:
        invite = await Repositories(session).invites.get("abc")
    assert invite is not None
    assert invite.used_by == 1


async def test_many_simultaneous_redemptions_only_one_wins(
    org: Repositories, database: Database
) -> None:
    await org.invites.add(_invite())
    await org.session.commit()

    async def redeem(telegram_id: int) -> bool:
        async with database.session() as session:
            won = await Repositories(session).invites.mark_used("abc", telegram_id, NOW)
            await session.commit()
            return won

    results = await asyncio.gather(*(redeem(n) for n in range(1, 6)))
    assert sorted(results) == [False] * 4 + [True]


async def test_reloading_a_work_group_as_residents_gives_it_a_join_token(
    org: Repositories,
) -> None:
    work = ChatGroup(-100888, "工作群", "dongguan", GroupPurpose.WORK)
    await org.org.apply_plan(OrgPlan(groups=[work]), now=NOW)
    as_residents = ChatGroup(-100888, "工作群", "dongguan", GroupPurpose.RESIDENTS, "tok-new")
    result = await org.org.apply_plan(OrgPlan(groups=[as_residents]), now=NOW)
    assert result.groups_bound == 1
    assert await org.groups.get(-100888) == as_residents
    # A later reload with another generated token keeps the first, already posted one.
    again = ChatGroup(-100888, "工作群", "dongguan", GroupPurpose.RESIDENTS, "tok-other")
    assert (await org.org.apply_plan(OrgPlan(groups=[again]), now=NOW)).groups_bound == 0
    assert (await org.groups.get(-100888)).join_token == "tok-new"  # type: ignore[union-attr]
