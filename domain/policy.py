"""Classifying a declaration: ordered rules, the first that matches decides the category and
the measure (duration, test days, daily check-ins, immediate report 即有即报).

Whether an immediate report is due is decided apart from the rules as well: the policy's
`immediate_report_when` condition (by default a red/yellow code, any symptom, or a fever) is
tested on every declaration, so a high-risk returnee with a fever keeps the quarantine of the
high-risk rule *and* is reported at once, rather than the first matching rule hiding one of
the two. A classification's `immediate_report` is the rule's measure flag or that condition.

A rule's condition is a set of checks that must all hold (an empty condition always holds);
`any_of` holds when at least one of its sub-conditions does. The defaults follow the brief's
typical rules; a locality replaces them in configuration ([policy], bot/config/policy.py).

Classification reads the answers that matter for the measure and the risk facts the risk-area
lookup found; never the person's name, phone or ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.conditions import Check, Condition
from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    DeclarationStatus,
    RiskFacts,
    RiskLevel,
)

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO 1..7
DEFAULT_LOOKBACK_DAYS = 14
DEFAULT_FEVER_THRESHOLD = 37.3


class Category(StrEnum):
    CENTRALISED_QUARANTINE = "centralised_quarantine"
    HOME_QUARANTINE = "home_quarantine"
    HOME_HEALTH_MONITORING = "home_health_monitoring"
    FEVER_CLINIC_REFERRAL = "fever_clinic_referral"
    REGISTRATION_ONLY = "registration_only"

    @property
    def needs_follow_up(self) -> bool:
        """Anything above registration only alerts the liaison and the tracker."""
        return self is not Category.REGISTRATION_ONLY

    @property
    def alerts_supervisors(self) -> bool:
        """The high category (high-risk area, overseas arrival, close contact): the supervisor
        chain hears of it at once, as of an immediate report (the brief's workflow 1)."""
        return self is Category.CENTRALISED_QUARANTINE

    @property
    def severity(self) -> int:
        """Higher is worse: what a re-screen compares to decide that a category got worse
        (registration 0, monitoring 1, fever clinic 2, home quarantine 3, centralised 4)."""
        return _SEVERITY[self]


_SEVERITY = {
    Category.REGISTRATION_ONLY: 0,
    Category.HOME_HEALTH_MONITORING: 1,
    Category.FEVER_CLINIC_REFERRAL: 2,
    Category.HOME_QUARANTINE: 3,
    Category.CENTRALISED_QUARANTINE: 4,
}


@dataclass(frozen=True, slots=True)
class Measure:
    """What the category means for this person: `days` from the arrival date, tests on the
    given offsets from it (0 = the arrival day) and on the given ISO weekdays within the
    period, daily check-ins, and whether an immediate report (即有即报) is due."""

    days: int = 0
    test_offsets: tuple[int, ...] = ()
    test_weekdays: tuple[int, ...] = ()
    checkins: bool = False
    immediate_report: bool = False

    def end(self, start: date) -> date:
        """The first day after the period."""
        return start + timedelta(days=self.days)

    def test_dates(self, start: date) -> tuple[date, ...]:
        """Test days for a period starting on `start` (the arrival date), in order."""
        days = {start + timedelta(days=offset) for offset in self.test_offsets}
        if self.test_weekdays:
            for offset in range(self.days + 1):
                day = start + timedelta(days=offset)
                if day.isoweekday() in self.test_weekdays:
                    days.add(day)
        return tuple(sorted(days))

    def describe(self) -> str:
        parts = [f"{self.days} days" if self.days else "no period"]
        tests = [f"day {offset}" for offset in self.test_offsets]
        tests += [WEEKDAY_NAMES[day - 1] for day in self.test_weekdays]
        parts.append("tests on " + ", ".join(tests) if tests else "no tests")
        parts.append("daily check-ins" if self.checkins else "no check-ins")
        if self.immediate_report:
            parts.append("immediate report")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    when: Condition
    category: Category
    measure: Measure


@dataclass(frozen=True, slots=True)
class Classification:
    category: Category
    measure: Measure
    rule_name: str
    reasons: tuple[str, ...]
    # The rule's measure asks for it, or the policy's immediate_report_when holds.
    immediate_report: bool = False


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """How one rule fared: its position (1-based), whether it matched, and each check."""

    order: int
    rule: Rule
    matched: bool
    checks: tuple[Check, ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    classification: Classification
    # The rules tested, in order, up to and including the one that fired.
    tested: tuple[RuleTrace, ...]
    not_reached: tuple[str, ...]
    policy_label: str
    # How the policy's immediate_report_when fared (every declaration is tested against it).
    immediate_checks: tuple[Check, ...] = ()
    immediate_held: bool = False

    def lines(self) -> list[str]:
        c = self.classification
        out = [
            f"policy {self.policy_label}",
            f"rule fired: {c.rule_name}",
            f"category: {c.category.value}",
            f"measure: {c.measure.describe()}",
            "why:",
            *(f"  - {reason}" for reason in c.reasons),
            f"immediate report: {'yes' if c.immediate_report else 'no'}",
        ]
        if c.measure.immediate_report:
            out.append("  - the rule's measure asks for it")
        verdict = "holds" if self.immediate_held else "does not hold"
        out.append(f"  - immediate_report_when {verdict}:")
        if not self.immediate_checks:
            out.append("       [-] no conditions: never holds")
        for check in self.immediate_checks:
            out.append(f"       [{'+' if check.matched else '-'}] {check.text}")
        out.append("rules tested:")
        for trace in self.tested:
            verdict = "MATCHED" if trace.matched else "no match"
            out.append(f"  {trace.order}. {trace.rule.name}: {verdict}")
            if not trace.checks:
                out.append("       [+] no conditions: always matches")
            for check in trace.checks:
                out.append(f"       [{'+' if check.matched else '-'}] {check.text}")
        if self.not_reached:
            out.append("not reached: " + ", ".join(self.not_reached))
        return out


# What a policy does when no rule matches (a configured list without a catch-all rule).
FALLBACK_RULE = "no_rule_matched"

# Red/yellow health code or itinerary card, any symptom, or a fever: 即有即报 whatever rule
# decides the measure.
DEFAULT_IMMEDIATE_REPORT_WHEN = Condition(
    any_of=(
        Condition(codes=frozenset({CodeColour.RED, CodeColour.YELLOW})),
        Condition(any_symptom=True),
        Condition(fever=True),
    )
)

_CENTRALISED_14 = Measure(days=14, test_offsets=(1, 13), checkins=True)

DEFAULT_RULES: tuple[Rule, ...] = (
    # Overseas without the arrival documents: centralised observation.
    Rule(
        "overseas_missing_documents",
        Condition(overseas=True, missing_arrival_documents=True),
        Category.CENTRALISED_QUARANTINE,
        _CENTRALISED_14,
    ),
    # Overseas arrival: 14 days centralised quarantine with 2 tests.
    Rule("overseas", Condition(overseas=True), Category.CENTRALISED_QUARANTINE, _CENTRALISED_14),
    # Close or secondary contact (and contact with a confirmed or suspected case).
    Rule(
        "close_contact",
        Condition(
            contacts=frozenset(
                {
                    ContactKind.CONFIRMED_CASE,
                    ContactKind.SUSPECTED_CASE,
                    ContactKind.CLOSE_CONTACT,
                    ContactKind.SECONDARY_CONTACT,
                }
            )
        ),
        Category.CENTRALISED_QUARANTINE,
        _CENTRALISED_14,
    ),
    Rule(
        "high_risk",
        Condition(risk=frozenset({RiskLevel.HIGH})),
        Category.CENTRALISED_QUARANTINE,
        _CENTRALISED_14,
    ),
    Rule(
        "mid_risk",
        Condition(risk=frozenset({RiskLevel.MID})),
        Category.HOME_QUARANTINE,
        Measure(days=14, test_offsets=(1, 13), checkins=True),
    ),
    # Red/yellow code, any symptom, or fever and nothing above: refer to the fever clinic.
    # After the overseas, contact and high/mid-risk rules, so a high-risk returnee with a
    # fever keeps the quarantine (the immediate report comes from immediate_report_when all
    # the same); before monitoring, so the rules stay in order of Category.severity.
    Rule(
        "fever_or_code",
        DEFAULT_IMMEDIATE_REPORT_WHEN,
        Category.FEVER_CLINIC_REFERRAL,
        Measure(days=0, immediate_report=True),
    ),
    # Low-risk area of a city with cases: 14 days self health monitoring, tests Mon and Thu.
    Rule(
        "low_risk_city_with_cases",
        Condition(risk=frozenset({RiskLevel.LOW}), city_has_cases=True),
        Category.HOME_HEALTH_MONITORING,
        Measure(days=14, test_weekdays=(1, 4), checkins=True),
    ),
    Rule("registration_only", Condition(), Category.REGISTRATION_ONLY, Measure()),
)


@dataclass(frozen=True, slots=True)
class Policy:
    rules: tuple[Rule, ...] = DEFAULT_RULES
    version: str = "default"
    locality: str | None = None
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    fever_threshold: float = DEFAULT_FEVER_THRESHOLD
    # Tested on every declaration apart from the rules; an empty condition never holds here
    # (only the rules' own immediate_report flags count then).
    immediate_report_when: Condition = DEFAULT_IMMEDIATE_REPORT_WHEN

    @property
    def label(self) -> str:
        return f"{self.version} ({self.locality})" if self.locality else self.version


def _immediate(
    declaration: Declaration, facts: RiskFacts, policy: Policy
) -> tuple[tuple[Check, ...], bool]:
    """The checks of the policy's immediate_report_when, and whether it holds."""
    immediate = policy.immediate_report_when
    checks = immediate.checks(declaration, facts, policy.fever_threshold)
    # An empty condition would "always hold"; here it means no condition is configured.
    return checks, not immediate.always and all(check.matched for check in checks)


def refers_to_fever_clinic(declaration: Declaration, facts: RiskFacts, policy: Policy) -> bool:
    """Whether the policy's immediate_report_when holds (a rule's own immediate_report flag
    does not count): the brief's "report immediately and refer to the fever clinic", which
    applies whatever category the rules decide (a feverish high-risk returnee too)."""
    return _immediate(declaration, facts, policy)[1]


# A plan to leave is not a return: its "origin" is the destination and nobody has been
# anywhere yet, so the rules about where a returnee comes from must not read it. Only a rule
# that names the status (`status = ["planning_leave"]`) decides one; otherwise it is
# registered as a planned trip, with no measure, until the return is declared.
PLANNED_TRIP_RULE = "planning_leave"


def _names_leave(condition: Condition) -> bool:
    """Whether a condition is written for plans to leave (its status check names them)."""
    status = condition.status
    if status is not None and DeclarationStatus.PLANNING_LEAVE in status:
        return True
    return bool(condition.any_of) and all(_names_leave(c) for c in condition.any_of)


def _planned_trip(held: bool) -> Classification:
    return Classification(
        Category.REGISTRATION_ONLY,
        Measure(),
        PLANNED_TRIP_RULE,
        ("status planning_leave: a planned trip, not a return; no measure until it is declared",),
        held,
    )


def explain(declaration: Declaration, facts: RiskFacts, policy: Policy) -> Explanation:
    """Test the rules in order up to the first that matches, recording every check, and the
    policy's immediate_report_when on its own (a fever is reported whatever the travel).
    A plan to leave is tested only against rules written for it (PLANNED_TRIP_RULE)."""
    immediate_checks, held = _immediate(declaration, facts, policy)
    leaving = declaration.status is DeclarationStatus.PLANNING_LEAVE
    tested: list[RuleTrace] = []
    for order, rule in enumerate(policy.rules, start=1):
        if leaving and not _names_leave(rule.when):
            skipped = Check(False, "not a rule for plans to leave (no status planning_leave)")
            tested.append(RuleTrace(order, rule, False, (skipped,)))
            continue
        checks = rule.when.checks(declaration, facts, policy.fever_threshold)
        matched = all(check.matched for check in checks)
        tested.append(RuleTrace(order, rule, matched, checks))
        if matched:
            reasons = tuple(check.text for check in checks) or ("no conditions: always matches",)
            classification = Classification(
                rule.category,
                rule.measure,
                rule.name,
                reasons,
                rule.measure.immediate_report or held,
            )
            rest = tuple(r.name for r in policy.rules[order:])
            return Explanation(
                classification, tuple(tested), rest, policy.label, immediate_checks, held
            )
    if leaving:
        classification = _planned_trip(held)
    else:
        classification = Classification(
            Category.REGISTRATION_ONLY, Measure(), FALLBACK_RULE, ("no rule matched",), held
        )
    return Explanation(classification, tuple(tested), (), policy.label, immediate_checks, held)


def classify(declaration: Declaration, facts: RiskFacts, policy: Policy) -> Classification:
    return explain(declaration, facts, policy).classification


def is_worse(new: Classification, old: Classification) -> bool:
    """A re-classification that calls for telling staff: a more severe category, or an
    immediate report newly due."""
    return new.category.severity > old.category.severity or (
        new.immediate_report and not old.immediate_report
    )
