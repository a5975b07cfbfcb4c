"""The [policy] and [declarations] sections: classification of declarations and their
follow-up."""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
)

from bot.config.base import WEEKDAY_NAMES, Section
from bot.config.escalation import (
    clock_time,
)
from domain.conditions import Condition
from domain.declarations import (
    CodeColour,
    ContactKind,
    DeclarationStatus,
    RiskLevel,
    Symptom,
)
from domain.policy import (
    DEFAULT_FEVER_THRESHOLD,
    DEFAULT_IMMEDIATE_REPORT_WHEN,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_RULES,
    Category,
    Measure,
    Policy,
    Rule,
)

# --- Classification of declarations ([policy]) ---------------------------------------------

_RULE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _enum_set(value: Any, kind: type[StrEnum], what: str) -> Any:
    if value is None:
        return value
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"must be a non-empty list of {what}")
    allowed = ", ".join(item.value for item in kind)
    for item in value:
        if not isinstance(item, str) or item not in {member.value for member in kind}:
            raise ValueError(f"{item!r} is not one of {allowed}")
    return value


class PolicyConditionSettings(Section):
    """A rule's `when`: every key given must hold; `any` holds when one of its tables does."""

    overseas: bool | None = None
    missing_arrival_documents: bool | None = None
    risk: frozenset[RiskLevel] | None = None
    city_has_cases: bool | None = None
    codes: frozenset[CodeColour] | None = None
    # "any": any symptom at all; a list: one of those symptoms.
    symptoms: Literal["any"] | frozenset[Symptom] | None = None
    fever: bool | None = None
    temperature_at_least: float | None = Field(None, ge=35.0, le=42.0)
    contacts: frozenset[ContactKind] | None = None
    status: frozenset[DeclarationStatus] | None = None
    any: tuple[PolicyConditionSettings, ...] | None = None

    @field_validator("risk", mode="before")
    @classmethod
    def _risk(cls, value: Any) -> Any:
        return _enum_set(value, RiskLevel, "risk levels")

    @field_validator("codes", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        return _enum_set(value, CodeColour, "colours")

    @field_validator("symptoms", mode="before")
    @classmethod
    def _symptoms(cls, value: Any) -> Any:
        if value == "any":
            return value
        try:
            return _enum_set(value, Symptom, "symptoms")
        except ValueError as error:
            raise ValueError(f'{error}, or "any" for any symptom') from None

    @field_validator("contacts", mode="before")
    @classmethod
    def _contacts(cls, value: Any) -> Any:
        return _enum_set(value, ContactKind, "contact kinds")

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return _enum_set(value, DeclarationStatus, "statuses")

    @field_validator("any")
    @classmethod
    def _any_not_empty(
        cls, value: tuple[PolicyConditionSettings, ...] | None
    ) -> tuple[PolicyConditionSettings, ...] | None:
        if value is not None and (not value or any(item.to_condition().always for item in value)):
            raise ValueError("must be a non-empty list of non-empty condition tables")
        return value

    def to_condition(self) -> Condition:
        return Condition(
            overseas=self.overseas,
            missing_arrival_documents=self.missing_arrival_documents,
            risk=self.risk,
            city_has_cases=self.city_has_cases,
            codes=self.codes,
            any_symptom=True if self.symptoms == "any" else None,
            symptoms=self.symptoms if isinstance(self.symptoms, frozenset) else None,
            fever=self.fever,
            temperature_at_least=self.temperature_at_least,
            contacts=self.contacts,
            status=self.status,
            any_of=tuple(item.to_condition() for item in self.any or ()),
        )


class PolicyRuleSettings(Section):
    """One rule: when `when` holds (an empty or missing `when` always holds), the declaration
    gets `category` with its measure."""

    name: str
    when: PolicyConditionSettings = PolicyConditionSettings()
    category: Category
    days: int = Field(0, ge=0, le=60)
    # Offsets from the arrival day (0 = that day, at most `days`) and/or weekdays "mon"-"sun".
    test_days: tuple[int | str, ...] = ()
    checkins: bool = False
    immediate_report: bool = False

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not _RULE_NAME_PATTERN.match(value):
            raise ValueError(
                f"rule name {value!r} must be 1-64 characters of a-z, 0-9, '_' and '-'"
            )
        return value

    @field_validator("test_days", mode="before")
    @classmethod
    def _test_days(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError('must be a list of day offsets (e.g. [1, 13]) or weekdays ("mon")')
        days = info.data.get("days")
        for item in value:
            if isinstance(item, str) and item.strip().lower() in WEEKDAY_NAMES:
                continue
            if type(item) is int and item >= 0 and (days is None or item <= days):
                continue
            limit = f"0-{days}" if days is not None else "0 or more"
            raise ValueError(
                f"{item!r} is not a test day: use an offset from the arrival day ({limit}, "
                "within the rule's days) or a weekday mon-sun"
            )
        return tuple(item.strip().lower() if isinstance(item, str) else item for item in value)

    def to_rule(self) -> Rule:
        offsets = tuple(sorted({day for day in self.test_days if isinstance(day, int)}))
        weekdays = tuple(
            sorted({WEEKDAY_NAMES.index(day) + 1 for day in self.test_days if isinstance(day, str)})
        )
        measure = Measure(self.days, offsets, weekdays, self.checkins, self.immediate_report)
        return Rule(self.name, self.when.to_condition(), self.category, measure)


class PolicySettings(Section):
    """How declarations are classified. Without [[policy.rules]] the defaults of
    domain.policy.DEFAULT_RULES apply; given rules replace them all, tried in order, the
    first that matches wins. `immediate_report_when` (same syntax as a rule's `when`) is
    tested on every declaration apart from the rules: when it holds, an immediate report
    (即有即报) is due whatever rule decided the measure; `{}` turns it off (only the rules'
    own `immediate_report` then count). Left out: the default (red/yellow code, any symptom,
    or a fever). A plan to leave is tried only against rules whose `when.status` names
    planning_leave (domain.policy.PLANNED_TRIP_RULE), else registered as a planned trip."""

    version: str = Field("default", min_length=1, max_length=64)
    locality: str | None = Field(None, min_length=1, max_length=128)
    lookback_days: int = Field(DEFAULT_LOOKBACK_DAYS, ge=1, le=60)
    fever_threshold: float = Field(DEFAULT_FEVER_THRESHOLD, ge=36.0, le=40.0)
    rules: tuple[PolicyRuleSettings, ...] | None = None
    immediate_report_when: PolicyConditionSettings | None = None

    @field_validator("rules")
    @classmethod
    def _rules(
        cls, value: tuple[PolicyRuleSettings, ...] | None
    ) -> tuple[PolicyRuleSettings, ...] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("must list at least one rule (leave it out for the defaults)")
        names = [rule.name for rule in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule name {', '.join(map(repr, duplicates))}")
        for position, rule in enumerate(value[:-1]):
            if rule.when.to_condition().always:
                raise ValueError(
                    f"rule {rule.name!r} always matches, so the rules after it "
                    f"({', '.join(r.name for r in value[position + 1 :])}) would never be tried"
                )
        return value

    def to_policy(self) -> Policy:
        rules = DEFAULT_RULES if self.rules is None else tuple(r.to_rule() for r in self.rules)
        return Policy(
            rules=rules,
            version=self.version,
            locality=self.locality,
            lookback_days=self.lookback_days,
            fever_threshold=self.fever_threshold,
            immediate_report_when=(
                DEFAULT_IMMEDIATE_REPORT_WHEN
                if self.immediate_report_when is None
                else self.immediate_report_when.to_condition()
            ),
        )


class DeclarationsSettings(Section):
    """Returnee declarations: how long a half-finished one is kept, and when the follow-up
    (daily check-ins, tests on test days) is due each day, in local time."""

    draft_ttl_hours: int = Field(default=24, ge=1, le=720)
    # An immediate report or a positive result not recorded as handled within this many
    # minutes escalates (obligation case_handling).
    handle_within_minutes: int = Field(default=60, ge=5, le=1440)
    checkin_due: time = time(20, 0)
    test_due: time = time(10, 0)

    @field_validator("checkin_due", "test_due", mode="before")
    @classmethod
    def _due(cls, value: Any) -> time:
        return clock_time(value)
