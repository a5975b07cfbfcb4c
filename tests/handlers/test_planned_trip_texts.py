"""How a plan to leave reads: the resident's result (the plan, advice for a risky destination,
what to do), the staff alert and case card (departure date and destination, not an
"origin"), /declare's active declaration and /mine, in both languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.wiring import followup_config
from domain.declarations import DeclarationStatus, RiskLevel
from domain.org import Language, Role, RoleAssignment
from domain.policy import Category
from domain.risk_areas import RiskArea
from services.declarations import DeclarationService, Submitted
from storage import Repositories
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_cases import FEVER
from texts.case_keyboards import CaseAct, CaseAction
from texts.declarations import resident_result
from texts.i18n import translator

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RESIDENT, LIAISON = 3001, 2001
LEAVING = replace(
    FEVER,
    status=DeclarationStatus.PLANNING_LEAVE,
    arrival=None,
    departure_date=date(2026, 11, 24),
    planned_date=date(2026, 11, 30),
)
PLACE = "湖北省武汉市洪山区"


def _plan(language: Language) -> str:
    return translator(language)(
        "trip-plan", departure="2026-11-24", destination=PLACE, returning="2026-11-30"
    )


async def _submit(
    harness: Harness, *, risk: RiskLevel | None = None, fever: bool = True
) -> Submitted:
    harness.clock.set(NOW)
    service = DeclarationService(followup_config(harness.settings))
    declaration = LEAVING if fever else replace(LEAVING, symptoms=frozenset(), temperature=36.5)

    async def act(repos: Repositories) -> Submitted:
        await repos.people.ensure(RESIDENT, "胡军", Language.ZH_CN, now=NOW)
        await repos.roles.grant(
            RoleAssignment(RESIDENT, "dongguan", Role.RESIDENT), granted_by=None, now=NOW
        )
        if risk is not None:
            area = RiskArea("420111", risk, date(2026, 11, 1), name="洪山区")
            await repos.risk_areas.replace([area], by=None, now=NOW)
        return await service.submit(
            repos,
            declaration,
            unit_code="dongguan",
            filed_by=RESIDENT,
            resident_id=RESIDENT,
            now=NOW,
        )

    result: Submitted = await harness.repos(act)
    return result


async def test_the_result_gives_the_plan_and_advice_for_a_risky_destination(
    harness: Harness,
) -> None:
    result = await _submit(harness, risk=RiskLevel.HIGH, fever=False)
    assert result.classification.category is Category.REGISTRATION_ONLY
    for language, tr in ((Language.ZH_CN, ZH), (Language.EN, EN)):
        text = resident_result(translator(language), result)
        assert _plan(language) in text
        assert tr("trip-risk-high", destination=PLACE) in text
        assert tr("trip-do") in text
        assert tr("followup-do-registration_only") not in text
        assert tr("followup-result-fever-clinic") not in text
    # A mid-risk destination: its own advice; a low-risk one: none.
    mid = replace(result, trip=replace(result.trip, risk=RiskLevel.MID))  # type: ignore[arg-type]
    assert ZH("trip-risk-mid", destination=PLACE) in resident_result(
        translator(Language.ZH_CN), mid
    )
    calm = replace(result, trip=replace(result.trip, risk=None))  # type: ignore[arg-type]
    text = resident_result(translator(Language.ZH_CN), calm)
    assert "风险地区" not in text
    assert ZH("trip-do") in text


async def test_alert_card_declare_and_mine_show_the_plan(harness: Harness) -> None:
    result = await _submit(harness)  # a fever: reported at once, and referred
    assert ZH("followup-result-fever-clinic") in resident_result(translator(Language.ZH_CN), result)
    due = await harness.repos(lambda r: r.outbox.due(NOW, 50))
    [alert] = [entry.message for entry in due if entry.chat_id == LIAISON]
    assert _plan(Language.ZH_CN) in alert.text
    assert ZH("rule-planning_leave") in alert.text
    view = CaseAct(declaration=result.declaration_id, action=CaseAction.VIEW).pack()
    [card] = await harness.press(LIAISON, view)
    assert _plan(Language.ZH_CN) in card
    assert ZH("case-card-origin", origin=PLACE) not in card
    [mine] = await harness.send(RESIDENT, "/mine")
    assert _plan(Language.ZH_CN) in mine
    replies = await harness.declare(RESIDENT)
    assert _plan(Language.ZH_CN) in replies[-1]
    await harness.send(RESIDENT, "/lang")
    await harness.press(RESIDENT, "v1lang:en")
    [mine] = await harness.send(RESIDENT, "/mine")
    assert _plan(Language.EN) in mine
