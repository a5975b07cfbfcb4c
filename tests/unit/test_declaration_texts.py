"""How a declaration reads: the summary's labels and punctuation, stays with dates left out,
the phone number, region levels, the symptom names the check-in shares, ticks, area lists."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.types import InlineKeyboardMarkup

from domain import declaration_steps as steps
from domain.case_reasons import CaseReasons
from domain.declaration_dialog import Draft
from domain.declaration_steps import Step
from domain.declarations import Symptom
from domain.org import Language
from domain.policy import Category
from services.declaration_support import mask_phone
from services.declarations import Alert
from tests.unit.test_catalog_style import BARE_QUESTION_MARK, HALF_WIDTH
from texts.checkin_keyboards import symptoms_keyboard
from texts.declaration_keyboards import (
    option_label,
    question_keyboard,
    question_text,
    stay_text,
)
from texts.declarations import alert
from texts.i18n import Translator
from texts.keyboards import TICKED
from texts.rendering import phone_display

ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)
SHANGHAI, PUDONG, HEBEI, SHIJIAZHUANG = "310000", "310115", "130000", "130100"
STAYED = {"place": "上海市浦东新区", "transit": False}
SUMMARY = Draft(
    step=steps.SUMMARY,
    answers={
        Step.NAME: "胡军",
        Step.PHONE: "+8613900138000",
        Step.ORIGIN: steps.DOMESTIC,
        Step.PROV: SHANGHAI,
        Step.CITY: PUDONG,
        Step.STAYS: [STAYED],
    },
)


def lines(text: str) -> list[str]:
    return text.splitlines()


def buttons(markup: InlineKeyboardMarkup) -> list[str]:
    return [button.text for row in markup.inline_keyboard for button in row]


def test_the_chinese_summary_uses_full_width_punctuation() -> None:
    text = question_text(ZH, SUMMARY)
    assert "姓名：胡军" in lines(text)
    assert not HALF_WIDTH.search(text)
    assert "Name: 胡军" in lines(question_text(EN, SUMMARY))


def test_a_region_is_labelled_by_its_level_not_by_the_step_that_asked_it() -> None:
    # 上海市 has districts where a province has cities: its district answers the city step.
    assert "区县：浦东新区" in lines(question_text(ZH, SUMMARY))
    assert not [line for line in lines(question_text(ZH, SUMMARY)) if line.startswith("城市")]
    assert "District: Pudong New Area" in lines(question_text(EN, SUMMARY))
    assert "修改：区县" in buttons(question_keyboard(ZH, SUMMARY, "d"))
    hebei = {Step.ORIGIN: steps.DOMESTIC, Step.PROV: HEBEI, Step.CITY: SHIJIAZHUANG}
    assert "城市：石家庄市" in lines(question_text(ZH, Draft(step=steps.SUMMARY, answers=hebei)))


def test_the_city_question_of_a_municipality_asks_for_the_district() -> None:
    answers = {Step.ORIGIN: steps.DOMESTIC, Step.PROV: SHANGHAI}
    assert question_text(ZH, Draft(step=Step.CITY, answers=answers)) == ZH("declare-q-dist")
    answers = {Step.ORIGIN: steps.DOMESTIC, Step.PROV: HEBEI}
    assert question_text(ZH, Draft(step=Step.CITY, answers=answers)) == ZH("declare-q-city")


@pytest.mark.parametrize("tr", [ZH, EN])
def test_a_stay_says_which_dates_were_not_given(tr: Translator) -> None:
    start, end = "2026-11-01", "2026-11-03"
    both = stay_text(tr, {**STAYED, "start": start, "end": end})
    only_start = stay_text(tr, {**STAYED, "start": start})
    only_end = stay_text(tr, {**STAYED, "end": end})
    neither = stay_text(tr, STAYED)
    for text in (both, only_start, only_end, neither):
        assert not BARE_QUESTION_MARK.search(text), text
        assert "上海市浦东新区" in text
    assert (start in both, end in both) == (True, True)
    assert (start in only_start, end in only_end) == (True, True)
    missing = "未填" if tr is ZH else "not given"
    assert missing not in both
    assert all(missing in text for text in (only_start, only_end, neither))


def test_stays_are_listed_with_the_languages_separator() -> None:
    two = Draft(step=steps.SUMMARY, answers={**SUMMARY.answers, Step.STAYS: [STAYED, STAYED]})
    assert "；" in question_text(ZH, two)
    assert "; " in question_text(EN, two)


def test_the_phone_is_shown_in_its_national_groups_and_stored_as_is() -> None:
    assert "手机：139 0013 8000" in lines(question_text(ZH, SUMMARY))
    assert phone_display("+8613900138000") == "139 0013 8000"
    assert phone_display("+85291234567") == "+852 9123 4567"
    assert phone_display("not a number") == "not a number"
    assert mask_phone("+8613900138000") == "139****8000"  # alerts keep the mask


@pytest.mark.parametrize("tr", [ZH, EN])
def test_the_check_in_and_the_declaration_name_symptoms_alike(tr: Translator) -> None:
    declared = [option_label(tr, Step.SYMPTOMS, symptom.value) for symptom in Symptom]
    checklist = buttons(symptoms_keyboard(tr, 1, frozenset()))
    assert checklist[: len(declared)] == declared
    assert len(set(declared)) == len(declared)


@pytest.mark.parametrize("tr", [ZH, EN])
def test_only_ticked_items_carry_the_tick(tr: Translator) -> None:
    untouched = buttons(symptoms_keyboard(tr, 1, frozenset()))
    assert not [text for text in untouched if "✅" in text or "☑" in text]
    fever = buttons(symptoms_keyboard(tr, 1, frozenset({Symptom.FEVER})))
    assert [text for text in fever if TICKED.strip() in text] == [
        TICKED + tr(f"symptom-{Symptom.FEVER.value}")
    ]
    draft = Draft(step=Step.SYMPTOMS, pending=(Symptom.FEVER.value,))
    declared = buttons(question_keyboard(tr, draft, "d"))
    assert [text for text in declared if TICKED.strip() in text] == [
        TICKED + option_label(tr, Step.SYMPTOMS, Symptom.FEVER.value)
    ]


def test_vaccine_doses_agree_with_their_number() -> None:
    assert [option_label(EN, Step.VACC, n) for n in ("0", "1", "2")] == [
        "0 doses",
        "1 dose",
        "2 doses",
    ]


def test_risk_areas_are_listed_with_the_languages_separator() -> None:
    areas = tuple(f"{name}区" for name in "东西南北中外")
    item = Alert(
        1,
        "胡军",
        None,
        None,
        "东关村",
        CaseReasons("mid_risk", areas=areas),
        Category.HOME_QUARANTINE,
        False,
        date(2026, 11, 1),
        date(2026, 11, 15),
        False,
    )
    text = alert(ZH, item, full_phone=False)
    assert "东区、西区、南区、北区、中区等（另有 1 个）" in text
    assert not HALF_WIDTH.search(text)
    assert "东区, 西区, 南区, 北区, 中区 and 1 more" in alert(EN, item, full_phone=False)
