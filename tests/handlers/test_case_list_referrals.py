"""`/cases` lists fever-clinic referrals (a measure without days): on their start day and the
next, and after that for as long as the immediate report is not recorded as handled."""

from __future__ import annotations

from datetime import date, timedelta

from domain.followup import staff_follow
from domain.org import Language
from domain.policy import Category
from tests.handlers.conftest import ZH, Harness
from tests.handlers.test_case_list import LIAISON, NOW, declared
from texts.case_keyboards import CaseAct, CaseAction
from texts.declarations import category_text
from texts.i18n import translator


async def test_a_referral_is_listed_until_handled(harness: Harness) -> None:
    harness.clock.set(NOW)
    hu = await declared(harness)  # fever, arrived yesterday: referred to the fever clinic
    [text] = await harness.send(LIAISON, "/cases")
    referral = category_text(translator(Language.ZH_CN), Category.FEVER_CLINIC_REFERRAL)
    assert ZH("cases-line-referral", index=1, name="胡军", category=referral) in text
    assert "/0" not in text  # no "day n of 0"
    assert ZH("cases-flag-immediate") in text
    # Days later, not handled: still listed.
    harness.clock.set(NOW + timedelta(days=3))
    [text] = await harness.send(LIAISON, "/cases")
    assert "胡军" in text
    # Handled: off the list once its two days are over.
    await harness.press(LIAISON, CaseAct(declaration=hu, action=CaseAction.HANDLED).pack())
    await harness.send(LIAISON, "已送发热门诊")
    [text] = await harness.send(LIAISON, "/cases")
    assert "胡军" not in text


async def test_a_handled_referral_stays_listed_for_its_day_and_the_next(harness: Harness) -> None:
    harness.clock.set(NOW)
    hu = await declared(harness)
    await harness.press(LIAISON, CaseAct(declaration=hu, action=CaseAction.HANDLED).pack())
    await harness.send(LIAISON, "已送发热门诊")
    [text] = await harness.send(LIAISON, "/cases")  # the day after the arrival day
    assert "胡军" in text
    assert ZH("cases-flag-no-action") not in text


def test_staff_follow() -> None:
    start = date(2026, 11, 19)
    # A period of days: from its start to its last day.
    assert not staff_follow(start, 14, start - timedelta(days=1), handling_open=False)
    assert staff_follow(start, 14, start, handling_open=False)
    assert staff_follow(start, 14, start + timedelta(days=13), handling_open=False)
    assert not staff_follow(start, 14, start + timedelta(days=14), handling_open=True)
    # A referral: its day and the next, then while its handling is owed.
    assert staff_follow(start, 0, start, handling_open=False)
    assert staff_follow(start, 0, start + timedelta(days=1), handling_open=False)
    assert not staff_follow(start, 0, start + timedelta(days=2), handling_open=False)
    assert staff_follow(start, 0, start + timedelta(days=30), handling_open=True)
    assert not staff_follow(start, 0, start - timedelta(days=1), handling_open=True)
