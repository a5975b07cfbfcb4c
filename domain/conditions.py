"""A rule's condition: checks on a declaration and its risk facts that must all hold (unset
checks are not made; an empty condition always holds), `any_of` holding when one of its
sub-conditions does; and, for `explain`, each check with what the declaration said."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    DeclarationStatus,
    OverseasOrigin,
    RiskFacts,
    RiskLevel,
    Symptom,
)

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO 1..7
DEFAULT_LOOKBACK_DAYS = 14
DEFAULT_FEVER_THRESHOLD = 37.3


@dataclass(frozen=True, slots=True)
class Check:
    """One test of a condition against a declaration: what was asked, whether it held, and
    what the declaration said."""

    matched: bool
    text: str


@dataclass(frozen=True, slots=True)
class Condition:
    """Checks that must all hold; unset checks are not made. `any_of` holds when one of its
    conditions does."""

    overseas: bool | None = None
    # An overseas arrival who did not show the arrival documents (None counts as missing).
    missing_arrival_documents: bool | None = None
    # The worst risk level among origin and stays within the look-back window is one of these.
    risk: frozenset[RiskLevel] | None = None
    city_has_cases: bool | None = None
    # Health code or itinerary card is one of these colours.
    codes: frozenset[CodeColour] | None = None
    # True: any symptom at all; False: none.
    any_symptom: bool | None = None
    # At least one of these symptoms.
    symptoms: frozenset[Symptom] | None = None
    # True: temperature at or above the policy's fever threshold.
    fever: bool | None = None
    temperature_at_least: float | None = None
    # At least one of these kinds of contact.
    contacts: frozenset[ContactKind] | None = None
    status: frozenset[DeclarationStatus] | None = None
    any_of: tuple[Condition, ...] = ()

    @property
    def always(self) -> bool:
        return self == Condition()

    def checks(
        self, declaration: Declaration, facts: RiskFacts, fever_threshold: float
    ) -> tuple[Check, ...]:
        d = declaration
        out: list[Check] = []
        if self.overseas is not None:
            where = (
                f"arrived from {d.origin.country}"
                if isinstance(d.origin, OverseasOrigin)
                else "domestic origin"
            )
            out.append(
                Check(d.overseas == self.overseas, f"overseas is {_yes(self.overseas)}: {where}")
            )
        if self.missing_arrival_documents is not None:
            shown = isinstance(d.origin, OverseasOrigin) and d.origin.arrival_documents is True
            missing = isinstance(d.origin, OverseasOrigin) and not shown
            said = (
                "not overseas"
                if not isinstance(d.origin, OverseasOrigin)
                else "documents shown"
                if shown
                else "documents not shown"
            )
            out.append(
                Check(
                    missing == self.missing_arrival_documents,
                    f"missing arrival documents is {_yes(self.missing_arrival_documents)}: {said}",
                )
            )
        if self.risk is not None:
            matched = f" ({', '.join(facts.matched)})" if facts.matched else ""
            out.append(
                Check(
                    facts.level in self.risk,
                    f"risk level in {_names(self.risk)}: worst level within the look-back "
                    f"window is {facts.level.value}{matched}",
                )
            )
        if self.city_has_cases is not None:
            out.append(
                Check(
                    facts.city_has_cases == self.city_has_cases,
                    f"city has cases is {_yes(self.city_has_cases)}: "
                    f"{'cases' if facts.city_has_cases else 'no cases'} in the city",
                )
            )
        if self.codes is not None:
            given = ", ".join(
                f"{label} {colour.value}"
                for label, colour in (
                    ("health code", d.health_code),
                    ("itinerary card", d.itinerary_card),
                )
                if colour is not None
            )
            out.append(
                Check(
                    any(colour in self.codes for colour in d.codes),
                    f"health code or itinerary card in {_names(self.codes)}: "
                    f"{given or 'none given'}",
                )
            )
        if self.any_symptom is not None:
            out.append(
                Check(
                    bool(d.symptoms) == self.any_symptom,
                    f"any symptom is {_yes(self.any_symptom)}: {_said(d.symptoms)}",
                )
            )
        if self.symptoms is not None:
            out.append(
                Check(
                    bool(d.symptoms & self.symptoms),
                    f"a symptom of {_names(self.symptoms)}: {_said(d.symptoms)}",
                )
            )
        if self.fever is not None:
            hot = d.temperature is not None and d.temperature >= fever_threshold
            out.append(
                Check(
                    hot == self.fever,
                    f"temperature ≥ {fever_threshold} °C is {_yes(self.fever)}: "
                    f"{_temperature(d.temperature)}",
                )
            )
        if self.temperature_at_least is not None:
            out.append(
                Check(
                    d.temperature is not None and d.temperature >= self.temperature_at_least,
                    f"temperature ≥ {self.temperature_at_least} °C: {_temperature(d.temperature)}",
                )
            )
        if self.contacts is not None:
            out.append(
                Check(
                    bool(d.contacts & self.contacts),
                    f"contact of kind {_names(self.contacts)}: {_said(d.contacts)}",
                )
            )
        if self.status is not None:
            out.append(
                Check(d.status in self.status, f"status in {_names(self.status)}: {d.status}")
            )
        if self.any_of:
            branches = [
                condition.checks(declaration, facts, fever_threshold) for condition in self.any_of
            ]
            held = [all(check.matched for check in branch) for branch in branches]
            details = "; ".join(
                f"({' and '.join(check.text for check in branch) or 'always'})"
                f" {'holds' if ok else 'does not hold'}"
                for branch, ok in zip(branches, held, strict=True)
            )
            out.append(Check(any(held), f"any of: {details}"))
        return tuple(out)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _names(values: Iterable[StrEnum]) -> str:
    return "/".join(sorted(value.value for value in values))


def _said(values: frozenset[Symptom] | frozenset[ContactKind]) -> str:
    return ", ".join(sorted(value.value for value in values)) if values else "none declared"


def _temperature(value: float | None) -> str:
    return f"declared {value} °C" if value is not None else "no temperature declared"
