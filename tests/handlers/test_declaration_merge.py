"""An update of a declaration hands its case to the new version: one handling obligation and
one check-in for today (none left behind on the old version, none doubled), met through the
new version's buttons, with the check-ins and staff actions on file following it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.wiring import followup_config
from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    RiskLevel,
)
from domain.obligations import ObligationKind, ObligationState
from domain.org import Language, Role, RoleAssignment
from domain.risk_areas import RiskArea
from services.declarations import DeclarationService
from storage import Repositories
from storage.models import CheckinRow, ObligationRow, OutboxRow
from tests.handlers.conftest import ZH, Harness
from texts.case_keyboards import CaseAct, CaseAction
from texts.checkin_keyboards import CheckinStart, CheckinSymptom

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)
RESIDENT, LIAISON = 3001, 2001
HONGSHAN = "420111"
TODAY = "2026-11-20"
# Mid-risk Hongshan and a fever: home quarantine with daily check-ins, and 即有即报.
FEVER = Declaration(
    status=DeclarationStatus.RETURNED,
    origin=DomesticOrigin(("420000", "420100", HONGSHAN)),
    arrival=datetime(2026, 11, 19, 18, 0),
    health_code=CodeColour.GREEN,
    itinerary_card=CodeColour.GREEN,
    temperature=38.6,
    attested=True,
    name="胡军",
    phone="+8613912348000",
)


@pytest.fixture
def service(harness: Harness) -> DeclarationService:
    return DeclarationService(followup_config(harness.settings))


async def _submit(
    harness: Harness,
    service: DeclarationService,
    declaration: Declaration,
    replaces: int | None = None,
) -> int:
    async def act(repos: Repositories) -> int:
        if replaces is None:
            await repos.people.ensure(RESIDENT, "胡军", Language.ZH_CN, now=NOW)
            await repos.roles.grant(
                RoleAssignment(RESIDENT, "dongguan", Role.RESIDENT), granted_by=None, now=NOW
            )
            area = RiskArea(HONGSHAN, RiskLevel.MID, date(2026, 11, 1), name="洪山区")
            await repos.risk_areas.replace([area], by=None, now=NOW)
        result = await service.submit(
            repos,
            declaration,
            unit_code="dongguan",
            filed_by=RESIDENT,
            resident_id=RESIDENT,
            now=harness.clock.now(),
            replaces=replaces,
        )
        return result.declaration_id

    return int(await harness.repos(act))


async def _obligations(harness: Harness, kind: ObligationKind) -> list[ObligationRow]:
    async with harness.database.session() as session:
        rows = await session.scalars(select(ObligationRow).where(ObligationRow.kind == kind.value))
        return list(rows)


async def test_an_update_moves_the_handling_and_todays_check_in_to_the_new_version(
    harness: Harness, service: DeclarationService
) -> None:
    harness.clock.set(NOW)
    first = await _submit(harness, service, FEVER)
    [checkin] = [
        o for o in await _obligations(harness, ObligationKind.HEALTH_CHECKIN) if o.period == TODAY
    ]
    # The resident corrects the temperature: still a fever, still home quarantine.
    second = await _submit(harness, service, replace(FEVER, temperature=38.1), replaces=first)
    assert second != first
    # No worse, yet those working the case hear what changed; the supervisors, told of the
    # immediate report once, are not told again.
    async with harness.database.session() as session:
        told = {
            row.chat_id: row.text
            for row in await session.scalars(select(OutboxRow))
            if row.dedupe_key.startswith(f"declaration:{second}:alert:")
        }
    assert ZH("followup-alert-updated", old=first) in told[LIAISON]
    assert "38.1" in told[LIAISON]
    assert not {1001, 1002} & set(told)

    [handling] = await _obligations(harness, ObligationKind.CASE_HANDLING)
    assert (handling.subject, handling.state) == (f"declaration:{second}", "open")
    today = [
        o for o in await _obligations(harness, ObligationKind.HEALTH_CHECKIN) if o.period == TODAY
    ]
    assert [(o.id, o.subject) for o in today] == [(checkin.id, f"declaration:{second}")]
    old = [
        o
        for kind in ObligationKind
        for o in await _obligations(harness, kind)
        if o.subject == f"declaration:{first}" and o.state == "open"
    ]
    assert old == []

    # The check-in button (the same obligation) records it under the new version.
    start = CheckinStart(obligation_id=checkin.id).pack()
    assert await harness.press(RESIDENT, start)
    await harness.send(RESIDENT, "36.6")
    none = CheckinSymptom(obligation_id=checkin.id, choice="none").pack()
    assert await harness.press(RESIDENT, none) == [ZH("checkin-recorded")]
    async with harness.database.session() as session:
        records = list(await session.scalars(select(CheckinRow)))
    assert [(r.declaration_id, r.day.isoformat()) for r in records] == [(second, TODAY)]
    [done] = [
        o for o in await _obligations(harness, ObligationKind.HEALTH_CHECKIN) if o.period == TODAY
    ]
    assert done.state == ObligationState.MET.value

    # "Handled" under the first version's alert is recorded on the current version and
    # meets its handling.
    handled = CaseAct(declaration=first, action=CaseAction.HANDLED).pack()
    await harness.press(LIAISON, handled)
    assert await harness.send(LIAISON, "已送发热门诊") == [ZH("case-handled-done", id=second)]
    entries = await harness.repos(lambda r: r.cases.entries(second))
    assert [e.note for e in entries] == ["已送发热门诊"]
    [handling] = await _obligations(harness, ObligationKind.CASE_HANDLING)
    assert handling.state == ObligationState.MET.value


async def test_a_done_check_in_and_staff_actions_follow_the_update(
    harness: Harness, service: DeclarationService
) -> None:
    harness.clock.set(NOW)
    first = await _submit(harness, service, FEVER)
    [checkin] = [
        o for o in await _obligations(harness, ObligationKind.HEALTH_CHECKIN) if o.period == TODAY
    ]
    await harness.press(RESIDENT, CheckinStart(obligation_id=checkin.id).pack())
    await harness.send(RESIDENT, "36.6")
    await harness.press(RESIDENT, CheckinSymptom(obligation_id=checkin.id, choice="none").pack())
    called = CaseAct(declaration=first, action=CaseAction.CALLED).pack()
    await harness.press(LIAISON, called)

    second = await _submit(harness, service, replace(FEVER, temperature=38.1), replaces=first)
    # Done today stays done under the new version: not owed a second time.
    today = [
        o for o in await _obligations(harness, ObligationKind.HEALTH_CHECKIN) if o.period == TODAY
    ]
    assert [(o.subject, o.state) for o in today] == [(f"declaration:{second}", "met")]
    state = await harness.repos(lambda r: service.mine(r, RESIDENT, NOW))
    assert state is not None
    assert state.checkin_today is True
    # The card of the new version shows the contact already made.
    entries = await harness.repos(lambda r: r.cases.entries(second))
    assert [e.step.value for e in entries] == ["called"]
    [handling] = await _obligations(harness, ObligationKind.CASE_HANDLING)
    assert handling.subject == f"declaration:{second}"


async def _handling(harness: Harness) -> list[tuple[str, str, str]]:
    return sorted(
        (o.subject, o.period, o.state)
        for o in await _obligations(harness, ObligationKind.CASE_HANDLING)
    )


async def test_an_update_into_another_immediate_category_once_handled_owes_handling_again(
    harness: Harness, service: DeclarationService
) -> None:
    """Home quarantine with a fever, handled; then a close contact is declared: centralised
    quarantine, another immediate report (a transfer), owed anew with a deadline of its own.
    Not while the first is still open, and not for an update within the same category."""
    harness.clock.set(NOW)
    first = await _submit(harness, service, FEVER)
    contact = replace(FEVER, contacts=frozenset({ContactKind.CLOSE_CONTACT}))
    # Still open: the category changes, the deadline already owed stands (no duplicate).
    second = await _submit(harness, service, contact, replaces=first)
    assert await _handling(harness) == [(f"declaration:{second}", "handling", "open")]
    await harness.press(LIAISON, CaseAct(declaration=second, action=CaseAction.HANDLED).pack())
    await harness.send(LIAISON, "已联系，待转运")
    # The same category again, handled: nothing new owed.
    third = await _submit(harness, service, replace(contact, temperature=38.0), replaces=second)
    assert await _handling(harness) == [(f"declaration:{third}", "handling", "met")]
    # Into another immediate category after the handling: owed again.
    fourth = await _submit(harness, service, FEVER, replaces=third)
    assert await _handling(harness) == [
        (f"declaration:{fourth}", "handling", "met"),
        (f"declaration:{fourth}", "handling:v4", "open"),
    ]
    await harness.press(LIAISON, CaseAct(declaration=fourth, action=CaseAction.HANDLED).pack())
    await harness.send(LIAISON, "已居家隔离")
    assert [s for _, _, s in await _handling(harness)] == ["met", "met"]
