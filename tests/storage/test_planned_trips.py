"""A plan to leave is not a return: its destination is not screened as an origin (no measure,
no alert; advice for a risky destination), and the reminder to declare the return is taken
back when the return is declared before the planned day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.declarations import DeclarationStatus, RiskLevel
from domain.outbox import OutboxState
from domain.policy import PLANNED_TRIP_RULE, Category
from domain.risk_areas import RiskArea
from domain.trips import PlannedTrip
from storage import Database, Repositories
from storage.models import OutboxRow
from tests.storage.test_declarations import (  # noqa: F401  (org: the fixture)
    CALM,
    NOW,
    RESIDENT,
    WUHAN_HONGSHAN,
    ZONE,
    obligations,
    org,
    outbox,
    set_areas,
    submit,
)

LEAVING = replace(
    CALM,
    status=DeclarationStatus.PLANNING_LEAVE,
    arrival=None,
    departure_date=date(2026, 11, 24),
    planned_date=date(2026, 11, 30),
)


@pytest.fixture
async def db(org: Database) -> Database:  # noqa: F811  (the shared fixture, renamed)
    return org


async def _return_due(database: Database) -> list[OutboxRow]:
    return [r for r in await outbox(database) if r.dedupe_key.startswith("return-due:")]


async def test_a_trip_to_a_high_risk_area_is_a_planned_trip_not_a_quarantine(
    db: Database,
) -> None:
    await set_areas(db, [RiskArea(WUHAN_HONGSHAN, RiskLevel.HIGH, date(2026, 11, 1))])
    result = await submit(db, LEAVING)
    c = result.classification
    assert (c.category, c.rule_name, c.measure.days) == (
        Category.REGISTRATION_ONLY,
        PLANNED_TRIP_RULE,
        0,
    )
    assert not c.immediate_report
    assert result.facts.level is RiskLevel.HIGH  # kept: the advice names it
    assert result.trip == PlannedTrip(
        date(2026, 11, 24), date(2026, 11, 30), "湖北省武汉市洪山区", RiskLevel.HIGH
    )
    assert await obligations(db, result.declaration_id) == []
    # Nobody is alerted about a trip: only the reminder to the resident is queued.
    assert [r.chat_id for r in await outbox(db)] == [RESIDENT]


async def test_a_feverish_planner_is_still_reported_at_once(db: Database) -> None:
    result = await submit(db, replace(LEAVING, temperature=38.4))
    c = result.classification
    assert (c.category, c.rule_name, c.immediate_report) == (
        Category.REGISTRATION_ONLY,
        PLANNED_TRIP_RULE,
        True,
    )
    assert result.fever_clinic
    alerts = [r for r in await outbox(db) if not r.dedupe_key.startswith("return-due:")]
    assert alerts
    assert all("2026-11-24" in r.text and "洪山区" in r.text for r in alerts)


async def test_a_return_declared_before_the_planned_day_withdraws_the_reminder(
    db: Database,
) -> None:
    await submit(db, LEAVING)
    [due] = await _return_due(db)
    assert due.state == OutboxState.PENDING.value
    back = replace(CALM, arrival=datetime(2026, 11, 26, 18, 0))
    later = NOW + timedelta(days=6)
    await submit(db, back, now=later)
    [due] = await _return_due(db)
    assert due.state == OutboxState.WITHDRAWN.value
    # Never sent: the sender does not see it, even on the planned day.
    async with db.session() as session:
        pending = await Repositories(session).outbox.due(
            datetime(2026, 11, 30, 9, 1, tzinfo=ZONE), 50
        )
    assert due.id not in {entry.id for entry in pending}


async def test_a_plan_moved_to_another_day_keeps_one_reminder(db: Database) -> None:
    await submit(db, LEAVING)
    moved = replace(LEAVING, planned_date=date(2026, 12, 2))
    await submit(db, moved)
    await submit(db, moved)  # the same plan again: its reminder stays
    async with db.session() as session:
        rows = await session.scalars(
            select(OutboxRow)
            .where(OutboxRow.dedupe_key.like("return-due:%"))
            .order_by(OutboxRow.id)
        )
        states = [(r.dedupe_key, r.state) for r in rows]
    assert states == [
        (f"return-due:{RESIDENT}:2026-11-30", "withdrawn"),
        (f"return-due:{RESIDENT}:2026-12-02", "pending"),
    ]
