"""A high-risk returnee declaring after the day-1 test time: the test moves to the next day
(told in the result, owed as an obligation) instead of being dropped, and an update the next
day keeps that test rather than moving it again. A planned return declared as back later
opens its follow-up then (nothing was owed before)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select

from domain.declarations import (
    CodeColour,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    RiskLevel,
)
from domain.obligations import ObligationKind, ObligationState
from domain.risk_areas import RiskArea
from storage import Repositories
from storage.models import ObligationRow
from tests.handlers.conftest import ZH, Harness
from tests.handlers.declaring import file
from tests.handlers.test_declarations import (  # noqa: F401  (setup: the autouse fixture)
    NOW,
    RESIDENT,
    ZONE,
    click,
    setup,
    walk_to_summary,
)
from texts.declaration_update import ActiveAction, DeclActive

DECLARED = datetime(2026, 11, 22, 12, 11, tzinfo=ZONE)  # arrived 11-21: day-1 test 11-22 10:00


async def _jiangan_high_risk(harness: Harness) -> None:
    async def act(repos: Repositories) -> None:
        area = RiskArea("420102", RiskLevel.HIGH, date(2026, 11, 1), name="江岸区")
        await repos.risk_areas.replace([area], by=None, now=NOW)

    await harness.repos(act)


async def _tests(harness: Harness) -> list[tuple[str, str, str]]:
    async def read(repos: Repositories) -> list[tuple[str, str, str]]:
        rows = await repos.people._session.scalars(
            select(ObligationRow)
            .where(ObligationRow.kind == ObligationKind.TEST_DUE.value)
            .order_by(ObligationRow.period)
        )
        return [(row.subject, row.period, row.state) for row in rows]

    return list(await harness.repos(read))


async def test_a_test_past_at_the_declaration_moves_to_the_next_day(harness: Harness) -> None:
    await _jiangan_high_risk(harness)
    harness.clock.set(DECLARED)
    await harness.declare(RESIDENT)
    await walk_to_summary(harness, RESIDENT)
    await click(harness, RESIDENT, "confirm")
    result = (await click(harness, RESIDENT, "agree"))[-1]
    assert ZH("followup-category-centralised_quarantine") in result
    dates = ZH("list-separator").join(["2026-11-23", "2026-12-04"])
    assert ZH("followup-result-tests", dates=dates) in result
    opened = ObligationState.OPEN.value
    assert await _tests(harness) == [
        ("declaration:1", "2026-11-23", opened),
        ("declaration:1", "2026-12-04", opened),
    ]
    [mine] = await harness.send(RESIDENT, "/mine")
    assert ZH("mine-next-test", day="2026-11-23") in mine

    # An update the next day, after the moved test's time, plans from the first version's
    # moment: the same two tests (from its own, the 11-22 test would move again, to 11-24).
    harness.clock.set(datetime(2026, 11, 23, 11, 0, tzinfo=ZONE))
    await harness.declare(RESIDENT)
    await harness.press(RESIDENT, DeclActive(action=ActiveAction.UPDATE, id=1).pack())
    await click(harness, RESIDENT, "confirm")
    await click(harness, RESIDENT, "agree")
    assert await _tests(harness) == [
        ("declaration:2", "2026-11-23", opened),
        ("declaration:2", "2026-12-04", opened),
    ]


async def test_declaring_the_return_of_a_planned_one_opens_the_follow_up(
    harness: Harness,
) -> None:
    # Planned to return on 11-23: nothing owed yet. Back on 11-23 (tests on days 1 and 13:
    # 11-24 and 12-06), the return declared on 11-24 at 12:11, after day 1's test time.
    await _jiangan_high_risk(harness)
    base = Declaration(
        status=DeclarationStatus.PLANNING_RETURN,
        origin=DomesticOrigin(("420000", "420100", "420102")),
        planned_date=date(2026, 11, 23),
        health_code=CodeColour.GREEN,
        itinerary_card=CodeColour.GREEN,
        temperature=36.5,
        attested=True,
        name="刘小明",
        phone="+8613800138000",
    )

    async def submit(declaration: Declaration, replaces: int | None = None) -> int:
        return await file(harness, declaration, resident=RESIDENT, replaces=replaces)

    harness.clock.set(DECLARED)
    first = await submit(base)
    assert await _tests(harness) == []
    harness.clock.set(datetime(2026, 11, 24, 12, 11, tzinfo=ZONE))  # after day 1's test time
    back = replace(base, status=DeclarationStatus.RETURNED, arrival=datetime(2026, 11, 23, 9, 0))
    second = await submit(back, replaces=first)
    opened = ObligationState.OPEN.value
    # Opened from the return's declaration on: day 1's test moved to 11-25.
    assert await _tests(harness) == [
        (f"declaration:{second}", "2026-11-25", opened),
        (f"declaration:{second}", "2026-12-06", opened),
    ]
