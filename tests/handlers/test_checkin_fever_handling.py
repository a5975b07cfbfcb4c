"""A fever at the daily check-in is alerted as an immediate report (即有即报): through the real
dispatcher it opens a case_handling obligation of its own with the check-in, which "handled"
on the case card meets."""

from __future__ import annotations

from sqlalchemy import select

from domain.declaration_json import declaration_to_dict
from domain.declarations import Symptom
from domain.obligations import ObligationKind, ObligationState
from storage.models import ObligationRow
from tests.handlers.conftest import ZH, Harness
from tests.handlers.followups import DAY, LIAISON, RESIDENT, followup, load_more_org
from tests.handlers.test_cases import FEVER
from texts.case_keyboards import CaseAct, CaseAction
from texts.checkin_keyboards import CheckinSymptom


async def _handling(harness: Harness) -> list[tuple[str, str, str]]:
    async with harness.database.session() as session:
        rows = await session.scalars(
            select(ObligationRow).where(ObligationRow.kind == ObligationKind.CASE_HANDLING.value)
        )
        return [(row.subject, row.period, row.state) for row in rows]


async def test_a_fever_checked_in_is_owed_handling_until_handled(harness: Harness) -> None:
    await load_more_org(harness)
    ob = await followup(harness, answers=declaration_to_dict(FEVER))
    await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "38.5")
    cough = CheckinSymptom(obligation_id=ob, choice=Symptom.DRY_COUGH.value).pack()
    await harness.press(RESIDENT, cough)
    await harness.press(RESIDENT, CheckinSymptom(obligation_id=ob, choice="done").pack())
    owed = f"fever:{DAY.isoformat()}"
    assert await _handling(harness) == [("declaration:1", owed, ObligationState.OPEN.value)]
    await harness.press(LIAISON, CaseAct(declaration=1, action=CaseAction.HANDLED).pack())
    assert await harness.send(LIAISON, "已送发热门诊") == [ZH("case-handled-done", id=1)]
    assert await _handling(harness) == [("declaration:1", owed, ObligationState.MET.value)]
