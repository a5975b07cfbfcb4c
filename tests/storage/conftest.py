"""Fixtures for the storage tests: a session on the parametrized database and a sample org."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orgfile import OrgPlan, parse_org_file
from storage import Database, Repositories

NOW = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)

# The village is listed before the township it belongs to, which is listed before the county:
# storing it needs the parents inserted first.
ORG_FILE = """
[[unit]]
code = "dongguan"
name = "东关村"
kind = "village"
parent = "chengguan"

[[unit]]
code = "county"
name = "示范县防控办"
kind = "office"

[[unit]]
code = "chengguan"
name = "城关镇"
kind = "township"
parent = "county"

[[member]]
telegram_id = 1001
name = "王主任"
unit = "county"
role = "supervisor"

[[member]]
telegram_id = 1002
name = "Li Lian"
unit = "dongguan"
role = "liaison"
language = "en"
phone = "13800000000"

[[member]]
telegram_id = 1002
name = "Li Lian"
unit = "chengguan"
role = "deputy"
language = "en"

[[group]]
chat_id = -1001234
title = "东关村居民群"
unit = "dongguan"
purpose = "residents"

[[group]]
chat_id = -1005678
title = "城关镇工作群"
unit = "chengguan"
purpose = "work"
"""


def sample_plan() -> OrgPlan:
    return parse_org_file(ORG_FILE)


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.session() as session:
        yield session


@pytest.fixture
def repos(session: AsyncSession) -> Repositories:
    return Repositories(session)


@pytest.fixture
async def org(repos: Repositories) -> Repositories:
    """Repositories on a database holding the sample organisation (committed)."""
    await repos.org.apply_plan(sample_plan(), now=NOW)
    await repos.session.commit()
    return repos
