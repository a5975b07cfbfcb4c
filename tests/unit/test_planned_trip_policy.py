"""A plan to leave is classified apart: the rules about where a returnee comes from do not
read its destination; only a rule written for plans (status planning_leave) decides one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain.conditions import Condition
from domain.declarations import (
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    RiskFacts,
    RiskLevel,
)
from domain.policy import (
    DEFAULT_RULES,
    PLANNED_TRIP_RULE,
    Category,
    Measure,
    Policy,
    Rule,
    classify,
    explain,
)

LEAVING = Declaration(
    status=DeclarationStatus.PLANNING_LEAVE,
    origin=DomesticOrigin(("420000", "420100", "420111")),
    departure_date=date(2026, 11, 24),
    planned_date=date(2026, 11, 30),
    attested=True,
)
HIGH = RiskFacts(RiskLevel.HIGH, matched=("420111",))


def test_a_plan_to_a_high_risk_area_gets_no_measure() -> None:
    c = classify(LEAVING, HIGH, Policy())
    assert (c.category, c.rule_name, c.measure, c.immediate_report) == (
        Category.REGISTRATION_ONLY,
        PLANNED_TRIP_RULE,
        Measure(),
        False,
    )
    # The same place as the origin of a return: quarantine.
    returned = classify(
        Declaration(status=DeclarationStatus.RETURNED, origin=LEAVING.origin), HIGH, Policy()
    )
    assert returned.category is Category.CENTRALISED_QUARANTINE


def test_a_fever_is_reported_whatever_the_travel() -> None:
    c = classify(replace(LEAVING, temperature=38.2), RiskFacts(), Policy())
    assert (c.rule_name, c.immediate_report) == (PLANNED_TRIP_RULE, True)


def test_a_rule_written_for_plans_decides_them() -> None:
    for_plans = Rule(
        "leave_to_risk",
        Condition(
            status=frozenset({DeclarationStatus.PLANNING_LEAVE}), risk=frozenset({RiskLevel.HIGH})
        ),
        Category.HOME_HEALTH_MONITORING,
        Measure(days=7, checkins=True),
    )
    policy = Policy(rules=(for_plans, *DEFAULT_RULES))
    assert classify(LEAVING, HIGH, policy).rule_name == "leave_to_risk"
    assert classify(LEAVING, RiskFacts(), policy).rule_name == PLANNED_TRIP_RULE


def test_explain_says_which_rules_were_skipped() -> None:
    lines = explain(LEAVING, HIGH, Policy()).lines()
    assert f"rule fired: {PLANNED_TRIP_RULE}" in lines
    assert lines.count(
        "       [-] not a rule for plans to leave (no status planning_leave)"
    ) == len(DEFAULT_RULES)
