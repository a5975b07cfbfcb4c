"""Classification of declarations: the default rules, their order, explanations, and the
declaration's JSON shape."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from domain.conditions import Condition
from domain.declaration_json import (
    DeclarationError,
    declaration_from_dict,
    declaration_to_dict,
    risk_facts_from_dict,
)
from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    OverseasOrigin,
    RiskFacts,
    RiskLevel,
    Stay,
    Symptom,
    TestRecord,
    TestResult,
    Transport,
    TransportKind,
    worst_risk,
)
from domain.policy import (
    DEFAULT_RULES,
    FALLBACK_RULE,
    Category,
    Measure,
    Policy,
    Rule,
    classify,
    explain,
)

POLICY = Policy()
LOW = RiskFacts()
DOMESTIC = DomesticOrigin(("420000", "420100"), ("湖北省", "武汉市"))
CALM = Declaration(
    status=DeclarationStatus.RETURNED,
    origin=DOMESTIC,
    arrival=datetime(2022, 4, 4, 18, 30),  # a Monday
    health_code=CodeColour.GREEN,
    itinerary_card=CodeColour.GREEN,
    temperature=36.5,
)


def rule_of(declaration: Declaration, facts: RiskFacts = LOW) -> str:
    return classify(declaration, facts, POLICY).rule_name


# --- each default rule: a representative declaration, and a near miss -------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"health_code": CodeColour.RED},
        {"itinerary_card": CodeColour.YELLOW},
        {"symptoms": frozenset({Symptom.DRY_COUGH})},
        {"temperature": 37.3},
    ],
)
def test_code_symptom_or_fever_is_reported_at_once_and_referred(changes: dict[str, object]) -> None:
    result = classify(replace(CALM, **changes), LOW, POLICY)  # type: ignore[arg-type]
    assert result.rule_name == "fever_or_code"
    assert result.category is Category.FEVER_CLINIC_REFERRAL
    assert result.measure.immediate_report
    assert result.immediate_report


@pytest.mark.parametrize(
    "changes",
    [
        {"health_code": CodeColour.RED},
        {"symptoms": frozenset({Symptom.DRY_COUGH})},
        {"temperature": 38.5},
    ],
)
def test_a_high_risk_returnee_with_fever_keeps_the_quarantine_and_is_reported_at_once(
    changes: dict[str, object],
) -> None:
    result = classify(replace(CALM, **changes), RiskFacts(RiskLevel.HIGH), POLICY)  # type: ignore[arg-type]
    assert (result.rule_name, result.category) == ("high_risk", Category.CENTRALISED_QUARANTINE)
    assert result.measure.days == 14
    assert not result.measure.immediate_report  # the rule's own flag...
    assert result.immediate_report  # ...but immediate_report_when holds


def test_no_immediate_report_without_code_symptom_or_fever() -> None:
    for facts in (LOW, RiskFacts(RiskLevel.MID), RiskFacts(RiskLevel.HIGH)):
        assert not classify(CALM, facts, POLICY).immediate_report


def test_immediate_report_when_is_the_policys_and_can_be_turned_off() -> None:
    feverish = replace(CALM, temperature=38.5)
    high = RiskFacts(RiskLevel.HIGH)
    assert not classify(feverish, high, Policy(immediate_report_when=Condition())).immediate_report
    on_high = Policy(immediate_report_when=Condition(risk=frozenset({RiskLevel.HIGH})))
    assert classify(CALM, high, on_high).immediate_report
    assert not classify(CALM, RiskFacts(RiskLevel.MID), on_high).immediate_report
    # A rule whose measure asks for it reports whatever the condition says.
    urgent = Rule("all", Condition(), Category.HOME_QUARANTINE, Measure(14, immediate_report=True))
    policy = Policy(rules=(urgent,), immediate_report_when=Condition())
    assert classify(CALM, LOW, policy).immediate_report


def test_severity_orders_the_categories_and_the_default_rules() -> None:
    ordered = [
        Category.REGISTRATION_ONLY,
        Category.HOME_HEALTH_MONITORING,
        Category.FEVER_CLINIC_REFERRAL,
        Category.HOME_QUARANTINE,
        Category.CENTRALISED_QUARANTINE,
    ]
    assert sorted(Category, key=lambda c: c.severity) == ordered
    severities = [rule.category.severity for rule in DEFAULT_RULES]
    assert severities == sorted(severities, reverse=True)


def test_just_below_the_fever_threshold_with_green_codes_is_not_referred() -> None:
    assert rule_of(replace(CALM, temperature=37.2)) == "registration_only"
    assert rule_of(replace(CALM, temperature=None, health_code=None)) == "registration_only"


def test_overseas_arrival_is_centralised_for_14_days_with_two_tests() -> None:
    origin = OverseasOrigin("KR", "上海浦东", date(2022, 3, 10), arrival_documents=True)
    result = classify(replace(CALM, origin=origin), LOW, POLICY)
    assert result.rule_name == "overseas"
    assert result.category is Category.CENTRALISED_QUARANTINE
    assert result.measure.days == 14
    assert len(result.measure.test_dates(date(2022, 4, 4))) == 2


def test_overseas_without_documents_is_centralised_observation() -> None:
    missing = replace(CALM, origin=OverseasOrigin("KR", arrival_documents=False))
    not_asked = replace(CALM, origin=OverseasOrigin("KR"))
    assert rule_of(missing) == "overseas_missing_documents"
    assert rule_of(not_asked) == "overseas_missing_documents"
    assert classify(missing, LOW, POLICY).category is Category.CENTRALISED_QUARANTINE
    # Near miss: domestic origins never match the overseas rules.
    assert rule_of(CALM) == "registration_only"


@pytest.mark.parametrize(
    "contact",
    [
        ContactKind.CLOSE_CONTACT,
        ContactKind.SECONDARY_CONTACT,
        ContactKind.CONFIRMED_CASE,
        ContactKind.SUSPECTED_CASE,
    ],
)
def test_contacts_are_centralised(contact: ContactKind) -> None:
    result = classify(replace(CALM, contacts=frozenset({contact})), LOW, POLICY)
    assert (result.rule_name, result.category) == (
        "close_contact",
        Category.CENTRALISED_QUARANTINE,
    )


def test_shared_trajectory_alone_is_not_a_close_contact_by_default() -> None:
    shared = replace(CALM, contacts=frozenset({ContactKind.SHARED_TRAJECTORY}))
    assert rule_of(shared) == "registration_only"


def test_high_risk_is_centralised_for_14_days() -> None:
    result = classify(CALM, RiskFacts(RiskLevel.HIGH, matched=("武汉市洪山区",)), POLICY)
    assert result.rule_name == "high_risk"
    assert result.category is Category.CENTRALISED_QUARANTINE
    assert result.measure.days == 14
    assert "high (武汉市洪山区)" in result.reasons[0]


def test_mid_risk_is_home_quarantine_for_14_days() -> None:
    result = classify(CALM, RiskFacts(RiskLevel.MID), POLICY)
    assert (result.rule_name, result.category, result.measure.days) == (
        "mid_risk",
        Category.HOME_QUARANTINE,
        14,
    )
    assert result.measure.checkins


def test_low_risk_in_a_city_with_cases_is_monitored_with_monday_and_thursday_tests() -> None:
    result = classify(CALM, RiskFacts(RiskLevel.LOW, city_has_cases=True), POLICY)
    assert result.rule_name == "low_risk_city_with_cases"
    assert result.category is Category.HOME_HEALTH_MONITORING
    assert result.measure.days == 14
    tests = result.measure.test_dates(date(2022, 4, 4))  # Monday
    assert [day.isoweekday() for day in tests] == [1, 4, 1, 4, 1]
    assert tests[0] == date(2022, 4, 4)
    assert tests[-1] == date(2022, 4, 18)
    # Near miss: a low-risk area of a city without cases.
    assert rule_of(CALM, RiskFacts(RiskLevel.LOW, city_has_cases=False)) == "registration_only"


def test_otherwise_registration_only() -> None:
    result = classify(CALM, LOW, POLICY)
    assert result.category is Category.REGISTRATION_ONLY
    assert not result.category.needs_follow_up
    assert result.measure == Measure()


# --- order -------------------------------------------------------------------------------


def test_first_match_wins_in_the_default_order() -> None:
    assert [rule.name for rule in DEFAULT_RULES] == [
        "overseas_missing_documents",
        "overseas",
        "close_contact",
        "high_risk",
        "mid_risk",
        "fever_or_code",
        "low_risk_city_with_cases",
        "registration_only",
    ]
    overseas_contact = replace(
        CALM,
        origin=OverseasOrigin("KR", arrival_documents=True),
        contacts=frozenset({ContactKind.CLOSE_CONTACT}),
    )
    assert rule_of(overseas_contact, RiskFacts(RiskLevel.MID)) == "overseas"
    close_mid = replace(CALM, contacts=frozenset({ContactKind.CLOSE_CONTACT}))
    assert rule_of(close_mid, RiskFacts(RiskLevel.MID)) == "close_contact"
    assert rule_of(replace(close_mid, temperature=38.0)) == "close_contact"
    assert rule_of(replace(CALM, temperature=38.0), RiskFacts(city_has_cases=True)) == (
        "fever_or_code"
    )


def test_a_policy_tries_its_own_rules_in_order_and_falls_back_when_none_match() -> None:
    monitored = Rule(
        "mid",
        Condition(risk=frozenset({RiskLevel.MID})),
        Category.HOME_HEALTH_MONITORING,
        Measure(7, (0,), (), True, False),
    )
    strict = Rule(
        "mid_strict",
        Condition(risk=frozenset({RiskLevel.MID})),
        Category.HOME_QUARANTINE,
        Measure(14),
    )
    policy = Policy(rules=(monitored, strict), version="v2", locality="示范县")
    assert classify(CALM, RiskFacts(RiskLevel.MID), policy).rule_name == "mid"
    policy = Policy(rules=(strict, monitored))
    assert classify(CALM, RiskFacts(RiskLevel.MID), policy).rule_name == "mid_strict"
    fallback = classify(CALM, LOW, policy)
    assert (fallback.rule_name, fallback.category) == (FALLBACK_RULE, Category.REGISTRATION_ONLY)


def test_the_fever_threshold_comes_from_the_policy() -> None:
    warm = replace(CALM, temperature=37.5)
    assert rule_of(warm) == "fever_or_code"
    assert classify(warm, LOW, Policy(fever_threshold=38.0)).rule_name == "registration_only"


def test_classification_never_reads_personal_identifiers() -> None:
    named = replace(CALM, name="张三", phone="13800000000", id_number="110101199003074514")
    for facts in (LOW, RiskFacts(RiskLevel.MID)):
        assert classify(named, facts, POLICY) == classify(CALM, facts, POLICY)
    lines = "\n".join(explain(named, LOW, POLICY).lines())
    assert "张三" not in lines
    assert "13800000000" not in lines


# --- explain -----------------------------------------------------------------------------


def test_explain_lists_the_rules_tested_and_why() -> None:
    explanation = explain(CALM, RiskFacts(RiskLevel.MID, matched=("武汉市洪山区",)), POLICY)
    assert [trace.rule.name for trace in explanation.tested] == [
        "overseas_missing_documents",
        "overseas",
        "close_contact",
        "high_risk",
        "mid_risk",
    ]
    assert [trace.matched for trace in explanation.tested] == [False] * 4 + [True]
    assert explanation.not_reached == (
        "fever_or_code",
        "low_risk_city_with_cases",
        "registration_only",
    )
    lines = explanation.lines()
    assert lines[:4] == [
        "policy default",
        "rule fired: mid_risk",
        "category: home_quarantine",
        "measure: 14 days; tests on day 1, day 13; daily check-ins",
    ]
    text = "\n".join(lines)
    assert "4. high_risk: no match" in text
    assert "[-] risk level in high: worst level within the look-back window is mid" in text
    assert "5. mid_risk: MATCHED" in text
    assert "immediate report: no" in text
    assert "immediate_report_when does not hold" in text
    assert "[-] overseas is yes: domestic origin" in text
    assert "declared 36.5 °C" in text
    assert "not reached: fever_or_code, low_risk_city_with_cases, registration_only" in text


def test_explain_of_a_catch_all_rule() -> None:
    lines = explain(CALM, LOW, POLICY).lines()
    assert "  8. registration_only: MATCHED" in lines
    assert "       [+] no conditions: always matches" in lines


# --- declarations ------------------------------------------------------------------------


def test_worst_risk_and_stays_within_the_window() -> None:
    assert worst_risk([RiskLevel.LOW, RiskLevel.HIGH, RiskLevel.MID]) is RiskLevel.HIGH
    assert worst_risk([]) is RiskLevel.LOW
    old = Stay("西安", date(2022, 3, 1), date(2022, 3, 5))
    recent = Stay("郑州", date(2022, 3, 30), date(2022, 4, 1), transit=True)
    undated = Stay("洛阳")
    declared = replace(CALM, stays=(old, recent, undated))
    assert declared.stays_within(14, date(2022, 4, 4)) == (recent, undated)


FULL = Declaration(
    status=DeclarationStatus.PLANNING_RETURN,
    origin=OverseasOrigin("KR", "上海浦东", date(2022, 3, 10), True),
    planned_date=date(2022, 4, 10),
    stays=(Stay("上海", date(2022, 3, 10), date(2022, 3, 24), region_codes=("310000",)),),
    transport=Transport(TransportKind.TRAIN, "G1234"),
    arrival=datetime(2022, 4, 10, 9, 0),
    health_code=CodeColour.GREEN,
    itinerary_card=CodeColour.GREEN,
    last_test=TestRecord(date(2022, 4, 8), TestResult.NEGATIVE),
    vaccination_doses=3,
    symptoms=frozenset({Symptom.NASAL}),
    temperature=36.6,
    contacts=frozenset({ContactKind.SHARED_TRAJECTORY}),
    companions=2,
    attested=True,
    name="李四",
)


def test_a_declaration_round_trips_through_its_json_shape() -> None:
    assert declaration_from_dict(declaration_to_dict(FULL)) == FULL
    assert declaration_from_dict(declaration_to_dict(CALM)) == CALM


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": None}, "declaration.status: required"),
        ({"status": "home"}, "declaration.status: 'home' is not one of returned"),
        ({"status": "returned", "origin": {"kind": "moon"}}, "declaration.origin.kind: 'moon'"),
        (
            {"status": "returned", "origin": {"kind": "domestic"}},
            "declaration.origin: a domestic origin needs region_codes or region_names",
        ),
        (
            {"status": "returned", "origin": {"kind": "overseas"}},
            "declaration.origin.country: required",
        ),
        ({"status": "returned", "origin": "x", "colour": "red"}, "declaration.colour: unknown"),
        ({"temperature": 73}, "declaration.temperature: 73 °C is not a body temperature"),
        ({"temperature": "high"}, "declaration.temperature: must be a number"),
        ({"symptoms": ["cough"]}, "declaration.symptoms[0]: 'cough' is not one of fever"),
        ({"arrival": "tomorrow"}, "declaration.arrival: 'tomorrow' is not a date and time"),
        ({"stays": [{"place": "x", "when": 1}]}, "declaration.stays[0].when: unknown key"),
        (
            {"stays": [{"place": "x", "start": "2022-04-02", "end": "2022-04-01"}]},
            "declaration.stays[0].end: is before start",
        ),
        ({"companions": -1}, "declaration.companions: must be a whole number"),
        ({"last_test": {"day": "2022-04-01"}}, "declaration.last_test.result: required"),
    ],
)
def test_a_wrong_value_names_its_key(data: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "status": "returned",
        "origin": {"kind": "domestic", "region_names": ["湖北省"]},
    }
    with pytest.raises(DeclarationError) as caught:
        declaration_from_dict({**base, **data})
    assert message in str(caught.value)


def test_risk_facts_from_json() -> None:
    assert risk_facts_from_dict({}) == RiskFacts()
    assert risk_facts_from_dict({"level": "high", "city_has_cases": True}) == RiskFacts(
        RiskLevel.HIGH, True
    )
    with pytest.raises(DeclarationError, match=r"facts\.level: 'severe'"):
        risk_facts_from_dict({"level": "severe"})
