"""A plan to leave (计划外出): not a return, so no measure and no screening of the destination
as an origin; what the resident, the staff's card and /mine show of it instead.

The declaration of a plan keeps the destination where a return keeps the origin; the risk
level the lookup found for it is advice for the resident (a mid- or high-risk destination),
never a measure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain import regions
from domain.declarations import (
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    OverseasOrigin,
    RiskFacts,
    RiskLevel,
)


@dataclass(frozen=True, slots=True)
class PlannedTrip:
    departure: date | None
    returning: date | None  # the planned return day: the resident is asked to declare then
    destination: str  # region names joined broadest first, or the country
    # The destination's level when it is a mid- or high-risk area (advice), else None.
    risk: RiskLevel | None = None


def place_name(origin: DomesticOrigin | OverseasOrigin) -> str:
    """An origin (or a plan's destination) as one name: the country, or the region names."""
    if isinstance(origin, OverseasOrigin):
        return origin.country
    if origin.region_names:
        return "".join(origin.region_names)
    # Picked from the buttons: codes only; the division data names them.
    return next((regions.full_name(c) or c for c in origin.region_codes[-1:]), "-")


def planned_trip(declaration: Declaration, facts: RiskFacts | None = None) -> PlannedTrip | None:
    """The plan a declaration states, None when it is not a plan to leave."""
    if declaration.status is not DeclarationStatus.PLANNING_LEAVE:
        return None
    level = facts.level if facts is not None else RiskLevel.LOW
    return PlannedTrip(
        departure=declaration.departure_date,
        returning=declaration.planned_date,
        destination=place_name(declaration.origin),
        risk=level if level.rank > RiskLevel.LOW.rank else None,
    )
