"""What a resident and an admin read after the dialog: the fever-clinic advice whatever the
category, the re-screen report with names in the reader's language, and the dialog's questions
about identity documents and a fever without symptoms."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from domain import declaration_steps as steps
from domain.declaration_dialog import Draft
from domain.declaration_steps import Step
from domain.declarations import RiskFacts, RiskLevel
from domain.org import Language
from domain.policy import Category, Classification, Measure
from services.declarations import KeptForReview, Reclassified, RescreenReport, ResidentUpdate
from services.declarations.model import Submitted
from services.risk import LoadReport
from tests.unit.test_catalog_style import HALF_WIDTH
from texts.declaration_keyboards import question_keyboard, question_text
from texts.declarations import resident_result, resident_update
from texts.i18n import Translator
from texts.risk import report_text

ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)
START = date(2026, 11, 20)
QUARANTINE = Classification(
    Category.CENTRALISED_QUARANTINE,
    Measure(days=14, test_offsets=(1, 13), checkins=True),
    "high_risk",
    (),
    True,
)
REFERRAL = Classification(
    Category.FEVER_CLINIC_REFERRAL, Measure(immediate_report=True), "fever_or_code", (), True
)


def result(classification: Classification, *, fever_clinic: bool) -> Submitted:
    end = START + timedelta(days=classification.measure.days)
    return Submitted(7, classification, RiskFacts(RiskLevel.HIGH), START, end, (), (), fever_clinic)


@pytest.mark.parametrize("tr", [ZH, EN])
def test_a_feverish_resident_under_another_measure_is_sent_to_the_fever_clinic(
    tr: Translator,
) -> None:
    advice = tr("followup-result-fever-clinic")
    assert advice in resident_result(tr, result(QUARANTINE, fever_clinic=True))
    assert advice not in resident_result(tr, result(QUARANTINE, fever_clinic=False))
    # Re-classified from the fever clinic to quarantine: still told to go there.
    update = ResidentUpdate(Category.FEVER_CLINIC_REFERRAL, result(QUARANTINE, fever_clinic=True))
    assert advice in resident_update(tr, update)
    # The fever clinic's own advice says it already: not twice.
    referred = resident_result(tr, result(REFERRAL, fever_clinic=True))
    assert advice not in referred
    assert tr("followup-do-fever_clinic_referral") in referred


def report(
    *, reclassified: tuple[Reclassified, ...], kept: tuple[KeptForReview, ...]
) -> LoadReport:
    return LoadReport(1, (), (), (), 1, RescreenReport(3, 2, reclassified, kept))


CHANGE = Reclassified(
    2,
    "胡军",
    "东关村",
    Category.FEVER_CLINIC_REFERRAL,
    Category.CENTRALISED_QUARANTINE,
    True,
    13,
    1,
)
KEPT = KeptForReview(
    5,
    "Ann Lee",
    "南街社区",
    RiskLevel.LOW,
    RiskLevel.HIGH,
    Category.CENTRALISED_QUARANTINE,
    Category.REGISTRATION_ONLY,
)


def test_the_rescreen_report_names_people_units_and_categories_in_chinese() -> None:
    text = report_text(ZH, report(reclassified=(CHANGE,), kept=(KEPT,)))
    assert (
        "· 胡军（东关村，报备第 2 号）：发热门诊就诊 → <b>集中隔离</b>（即有即报）；"
        "新增打卡和检测 13 项，取消 1 项。"
    ) in text.splitlines()
    kept = text.splitlines()[-1]
    assert kept.startswith("· Ann Lee（南街社区，报备第 5 号）：现为低风险（原为高风险）")
    assert "“集中隔离”" in kept
    for internal in ("fever_clinic_referral", "centralised_quarantine", "declaration 2", "->"):
        assert internal not in text
    assert not HALF_WIDTH.search(text)


def test_the_rescreen_report_in_english_agrees_with_its_counts() -> None:
    one = Reclassified(2, "胡军", "东关村", CHANGE.previous, CHANGE.category, False, 1, 0)
    text = report_text(EN, report(reclassified=(one,), kept=(KEPT,)))
    assert (
        "· 胡军 (东关村, declaration No. 2): fever clinic referral → <b>centralised quarantine"
        "</b>; 1 check-in or test added, 0 cancelled."
    ) in text.splitlines()
    assert "now low risk (was high risk)" in text
    assert "registration only" in text


def test_names_in_the_report_are_escaped() -> None:
    hostile = replace(CHANGE, resident_name="<b>x</b>", unit_name="A & B")
    text = report_text(ZH, report(reclassified=(hostile,), kept=()))
    assert "&lt;b&gt;x&lt;/b&gt;（A &amp; B" in text


# --- the dialog's new questions ---------------------------------------------------------------


@pytest.mark.parametrize("tr", [ZH, EN])
def test_the_number_question_names_the_document_picked(tr: Translator) -> None:
    for kind in steps.CHOICES[Step.IDTYPE]:
        draft = Draft(step=Step.IDNO, answers={Step.IDTYPE: kind})
        assert question_text(tr, draft) == tr(f"declare-q-idno-{kind}")
    labels = [
        b.text
        for row in question_keyboard(tr, Draft(step=Step.IDTYPE), "d").inline_keyboard
        for b in row
    ]
    assert tr("declare-opt-idtype-passport") in labels
    assert tr("declare-button-skip") in labels


def test_the_summary_shows_the_document_and_its_number() -> None:
    answers = {Step.NAME: "Jane Doe", Step.IDTYPE: "passport", Step.IDNO: "E12345678"}
    text = question_text(ZH, Draft(step=steps.SUMMARY, answers=answers))
    assert "证件类型：护照" in text.splitlines()
    assert "证件号码：E12345678" in text.splitlines()
    english = question_text(EN, Draft(step=steps.SUMMARY, answers=answers))
    assert "ID document: Passport" in english.splitlines()


@pytest.mark.parametrize("tr", [ZH, EN])
def test_the_fever_question_says_the_temperature_and_offers_three_ways(tr: Translator) -> None:
    draft = Draft(step=steps.FEVER_CHECK, answers={Step.SYMPTOMS: [], Step.TEMP: 38.5})
    assert "38.5 °C" in question_text(tr, draft)
    labels = [b.text for row in question_keyboard(tr, draft, "d").inline_keyboard for b in row]
    for value in ("confirm", "temp", "symptoms"):
        assert tr(f"declare-opt-tempok-{value}") in labels
