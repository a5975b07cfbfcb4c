"""Why a declaration became a case, in facts staff can act on: the rule that classified it,
and what the person declared or the risk list matched that made it so (a fever, symptoms, a
red or yellow code, a contact, an area, missing arrival documents). Alerts and the case card
show these; never the person's identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    OverseasOrigin,
    RiskFacts,
    Symptom,
)
from domain.policy import Classification

# Colours that make a case by themselves (a green code is no reason).
_ALARMING = frozenset({CodeColour.RED, CodeColour.YELLOW})


@dataclass(frozen=True, slots=True)
class CaseReasons:
    rule: str  # the policy rule that classified the declaration
    temperature: float | None = None  # only when at or above the fever threshold
    symptoms: tuple[Symptom, ...] = ()
    health_code: CodeColour | None = None  # only red or yellow
    itinerary_card: CodeColour | None = None  # only red or yellow
    contacts: tuple[ContactKind, ...] = ()
    areas: tuple[str, ...] = ()  # risk areas the origin or stays matched
    missing_documents: bool = False  # from abroad without arrival documents


def case_reasons(
    declaration: Declaration,
    classification: Classification,
    facts: RiskFacts,
    fever_threshold: float,
) -> CaseReasons:
    temperature = declaration.temperature
    origin = declaration.origin
    return CaseReasons(
        rule=classification.rule_name,
        temperature=temperature
        if temperature is not None and temperature >= fever_threshold
        else None,
        symptoms=tuple(sorted(declaration.symptoms)),
        health_code=_alarming(declaration.health_code),
        itinerary_card=_alarming(declaration.itinerary_card),
        contacts=tuple(sorted(declaration.contacts)),
        areas=facts.matched,
        # None (not asked) counts as missing, as for the overseas rule.
        missing_documents=isinstance(origin, OverseasOrigin) and not origin.arrival_documents,
    )


def _alarming(colour: CodeColour | None) -> CodeColour | None:
    return colour if colour in _ALARMING else None
