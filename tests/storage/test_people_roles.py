"""People and their roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from domain.org import Language, Person, Role, RoleAssignment, UnknownUnitError
from storage import Database, Repositories
from storage.models import PersonRow
from storage.repos.callers import Caller

from .conftest import NOW


async def test_ensure_creates_then_only_refreshes_the_name(repos: Repositories) -> None:
    created = await repos.people.ensure(42, "Zhang", Language.EN, now=NOW)
    assert created == Person(42, "Zhang", Language.EN)
    assert await repos.people.set_language(42, Language.ZH_CN)
    again = await repos.people.ensure(42, "Zhang San", Language.EN, now=NOW)
    assert again == Person(42, "Zhang San", Language.ZH_CN)
    await repos.session.commit()
    assert await repos.people.get(42) == again
    assert await repos.people.get(43) is None


async def test_set_language_of_an_unknown_person(repos: Repositories) -> None:
    assert not await repos.people.set_language(404, Language.EN)


async def test_started_is_recorded_once(repos: Repositories) -> None:
    await repos.people.ensure(42, "Zhang", Language.ZH_CN, now=NOW)
    assert not await repos.people.has_started(42)
    await repos.callers.greet(42, "Zhang", Language.ZH_CN, now=NOW)
    await repos.callers.greet(42, "Zhang", Language.ZH_CN, now=NOW + timedelta(days=1))
    assert await repos.people.has_started(42)
    started = await repos.session.scalar(
        select(PersonRow.started_at).where(PersonRow.telegram_id == 42)
    )
    assert started == NOW  # the first start, not the latest message
    assert not await repos.people.has_started(404)


async def test_a_caller_is_read_with_roles_in_one_statement_and_greeted(
    org: Repositories, database: Database
) -> None:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    assert await org.callers.find(404) == Caller(None, ())
    await org.session.commit()
    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    caller = await org.callers.greet(1002, "Li Lian", Language.ZH_CN, now=NOW)
    event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert caller.person == Person(1002, "Li Lian", Language.EN, "13800000000")  # kept /lang
    assert caller.assignments == tuple(await org.roles.of_person(1002))
    assert len(caller.assignments) > 1
    # One read, and one write: the first start.
    assert [s.split()[0] for s in statements] == ["SELECT", "UPDATE"]
    assert await org.people.has_started(1002)
    await org.session.commit()
    statements.clear()
    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    renamed = await org.callers.greet(1002, "李联", Language.ZH_CN, now=NOW)
    await org.org.load_tree()  # the organisation's version came with the caller
    event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert renamed.person is not None
    assert renamed.person.name == "李联"
    assert [s.split()[0] for s in statements][:2] == ["SELECT", "UPDATE"]
    assert not any("org_version" in s for s in statements[1:])
    assert await org.people.get(1002) == Person(1002, "李联", Language.EN, "13800000000")


async def test_a_new_caller_is_registered_as_started(repos: Repositories) -> None:
    caller = await repos.callers.greet(77, "王", Language.ZH_CN, now=NOW)
    assert caller == Caller(Person(77, "王", Language.ZH_CN, None), ())
    assert await repos.people.has_started(77)


async def test_grant_is_idempotent_and_listed(org: Repositories) -> None:
    await org.people.ensure(7, "Zhao", Language.ZH_CN, now=NOW)
    liaison = RoleAssignment(7, "dongguan", Role.LIAISON)
    assert await org.roles.grant(liaison, granted_by=1001, now=NOW)
    assert not await org.roles.grant(liaison, granted_by=1001, now=NOW)
    assert await org.roles.grant(
        RoleAssignment(7, "county", Role.TRACKER), granted_by=None, now=NOW
    )
    await org.session.commit()
    assert await org.roles.of_person(7) == [
        RoleAssignment(7, "county", Role.TRACKER),
        liaison,
    ]
    assert await org.roles.of_person(404) == []


async def test_holders_of_a_role_in_one_unit(org: Repositories) -> None:
    await org.people.ensure(7, "Ai", Language.ZH_CN, now=NOW)
    await org.roles.grant(RoleAssignment(7, "dongguan", Role.LIAISON), granted_by=None, now=NOW)
    holders = await org.roles.holders("dongguan", Role.LIAISON)
    assert holders == [
        Person(7, "Ai", Language.ZH_CN),
        Person(1002, "Li Lian", Language.EN, "13800000000"),
    ]
    assert await org.roles.holders("dongguan", Role.SUPERVISOR) == []
    # A supervisor of the county is not a holder in the village below it.
    assert await org.roles.holders("county", Role.SUPERVISOR) == [
        Person(1001, "王主任", Language.ZH_CN)
    ]


async def test_grant_in_an_unknown_unit(org: Repositories) -> None:
    with pytest.raises(UnknownUnitError):
        await org.roles.grant(
            RoleAssignment(1001, "nowhere", Role.LIAISON), granted_by=None, now=NOW
        )
