"""The [policy] section: defaults, rules replacing them, and errors naming the key."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    RiskFacts,
    RiskLevel,
    Symptom,
)
from domain.policy import DEFAULT_RULES, Category, Measure, Policy, classify


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return str(caught.value)


DECLARATION = Declaration(
    DeclarationStatus.RETURNED,
    DomesticOrigin(region_names=("湖北省",)),
    arrival=datetime(2022, 4, 4, 9, 0),
    temperature=36.4,
)


def test_without_a_section_the_defaults_apply(tmp_path: Path) -> None:
    policy = load(tmp_path, "").policy.to_policy()
    assert policy == Policy()
    assert policy.rules == DEFAULT_RULES
    assert (policy.lookback_days, policy.fever_threshold, policy.label) == (14, 37.3, "default")


RULES = """
[policy]
version = "2022-04"
locality = "示范县"
lookback_days = 7
fever_threshold = 37.5

[[policy.rules]]
name = "fever"
when = { any = [{ codes = ["red", "yellow"] }, { symptoms = "any" }, { fever = true }] }
category = "fever_clinic_referral"
immediate_report = true

[[policy.rules]]
name = "cough-or-contact"
category = "home_quarantine"
days = 7
test_days = [1, 7, "Mon"]
checkins = true
[policy.rules.when]
symptoms = ["dry_cough"]
contacts = ["shared_trajectory"]
risk = ["mid", "high"]

[[policy.rules]]
name = "rest"
category = "registration_only"
"""


def test_rules_replace_the_defaults(tmp_path: Path) -> None:
    policy = load(tmp_path, RULES).policy.to_policy()
    assert policy.label == "2022-04 (示范县)"
    assert (policy.lookback_days, policy.fever_threshold) == (7, 37.5)
    assert [rule.name for rule in policy.rules] == ["fever", "cough-or-contact", "rest"]
    second = policy.rules[1]
    assert second.category is Category.HOME_QUARANTINE
    assert second.measure == Measure(7, (1, 7), (1,), True, False)
    assert second.when.symptoms == frozenset({Symptom.DRY_COUGH})
    assert second.when.contacts == frozenset({ContactKind.SHARED_TRAJECTORY})
    assert second.when.risk == frozenset({RiskLevel.MID, RiskLevel.HIGH})

    shared = Declaration(
        DeclarationStatus.RETURNED,
        DomesticOrigin(region_names=("x",)),
        contacts=frozenset({ContactKind.SHARED_TRAJECTORY}),
        temperature=37.4,  # below this locality's threshold
    )
    assert classify(shared, RiskFacts(RiskLevel.MID), policy).rule_name == "rest"
    yellow = Declaration(
        DeclarationStatus.RETURNED,
        DomesticOrigin(region_names=("x",)),
        itinerary_card=CodeColour.YELLOW,
    )
    assert classify(yellow, RiskFacts(), policy).rule_name == "fever"
    assert classify(DECLARATION, RiskFacts(), policy).rule_name == "rest"


def test_the_documented_example_rules_load(tmp_path: Path) -> None:
    """The commented [[policy.rules]] example in config.example.toml is valid as written."""
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    text = example.read_text(encoding="utf-8")
    section = text[text.index("[policy]") :]
    assert "[policy]" in text
    commented = re.findall(r"^#   (\[\[policy\.rules\]\].*?)(?=\n[^#]|\Z)", section, re.S | re.M)
    assert commented
    rules = "\n".join(
        line.removeprefix("#   ").removeprefix("#") for line in commented[0].splitlines()
    )
    policy = load(tmp_path, "[policy]\n" + rules).policy.to_policy()
    assert [rule.name for rule in policy.rules] == [
        "fever_or_code",
        "shared_trajectory",
        "registration_only",
    ]
    # The example's documented section itself loads (with the defaults).
    assert load(tmp_path, section).policy.to_policy().rules == DEFAULT_RULES


def rule(body: str, name: str = "r1") -> str:
    return f'[[policy.rules]]\nname = "{name}"\n{body}\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            rule('category = "quarantine"'),
            "policy.rules.0.category: Input should be 'centralised_quarantine'",
        ),
        (rule(""), "policy.rules.0.category: Field required"),
        (
            rule('category = "home_quarantine"\nwhen = { risk = ["severe"] }'),
            "policy.rules.0.when.risk: 'severe' is not one of high, mid, low",
        ),
        (
            rule('category = "home_quarantine"\nwhen = { colour = ["red"] }'),
            "policy.rules.0.when.colour: unknown key",
        ),
        (
            rule('category = "home_quarantine"\nwhen = { codes = ["blue"] }'),
            "policy.rules.0.when.codes: 'blue' is not one of green, yellow, red",
        ),
        (
            rule('category = "home_quarantine"\nwhen = { symptoms = ["cough"] }'),
            "policy.rules.0.when.symptoms: 'cough' is not one of fever",
        ),
        (
            rule('category = "home_quarantine"\nwhen = { contacts = [] }'),
            "policy.rules.0.when.contacts: must be a non-empty list of contact kinds",
        ),
        (
            rule('category = "home_quarantine"\nwhen = { any = [{ fevr = true }] }'),
            "policy.rules.0.when.any.0.fevr: unknown key",
        ),
        (
            rule('category = "home_quarantine"\nwhen = { any = [{}] }'),
            "policy.rules.0.when.any: must be a non-empty list of non-empty condition tables",
        ),
        (
            rule('category = "home_quarantine"\ndays = 7\ntest_days = [8]'),
            "policy.rules.0.test_days: 8 is not a test day",
        ),
        (
            rule('category = "home_quarantine"\ndays = 7\ntest_days = ["monday"]'),
            "policy.rules.0.test_days: 'monday' is not a test day",
        ),
        (
            rule('category = "home_quarantine"\ndays = 7\ntest_days = [-1]'),
            "policy.rules.0.test_days: -1 is not a test day",
        ),
        (rule('category = "home_quarantine"\ndays = 90'), "policy.rules.0.days: Input should be"),
        (
            rule('category = "home_quarantine"', name="Bad Name"),
            "policy.rules.0.name: rule name 'Bad Name' must be",
        ),
        (
            rule('category = "home_quarantine"', "a") + rule('category = "home_quarantine"', "a"),
            "policy.rules: duplicate rule name 'a'",
        ),
        (
            rule('category = "registration_only"', "all")
            + rule('category = "home_quarantine"\nwhen = { fever = true }', "hot"),
            "policy.rules: rule 'all' always matches, so the rules after it (hot) would never",
        ),
        ("[policy]\nrules = []", "policy.rules: must list at least one rule"),
        ("[policy]\nfever_threshold = 35", "policy.fever_threshold: Input should be"),
        ("[policy]\nlookback_days = 0", "policy.lookback_days: Input should be"),
        ("[policy]\nlook_back = 14", "policy.look_back: unknown key"),
    ],
)
def test_errors_stop_start_up_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    assert message in error_of(tmp_path, text)


def test_immediate_report_when_is_configured_with_the_rule_syntax(tmp_path: Path) -> None:
    text = '[policy]\nimmediate_report_when = { any = [{ risk = ["high"] }, { fever = true }] }\n'
    policy = load(tmp_path, text).policy.to_policy()
    assert policy.rules == DEFAULT_RULES
    assert classify(DECLARATION, RiskFacts(RiskLevel.HIGH), policy).immediate_report
    assert not classify(DECLARATION, RiskFacts(RiskLevel.MID), policy).immediate_report
    yellow = Declaration(
        DeclarationStatus.RETURNED,
        DomesticOrigin(region_names=("x",)),
        health_code=CodeColour.YELLOW,
    )
    # A yellow code no longer reports at once by the condition, only by the rule it fires.
    assert classify(yellow, RiskFacts(RiskLevel.MID), policy).immediate_report is False
    off = load(tmp_path, "[policy]\nimmediate_report_when = {}\n").policy.to_policy()
    assert off.immediate_report_when.always
    feverish = Declaration(
        DeclarationStatus.RETURNED, DomesticOrigin(region_names=("x",)), temperature=39.0
    )
    assert not classify(feverish, RiskFacts(RiskLevel.HIGH), off).immediate_report


def test_a_wrong_immediate_report_when_names_the_key(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[policy]\nimmediate_report_when = { codes = ["blue"] }\n')
    assert "immediate_report_when" in message
    assert "blue" in message
