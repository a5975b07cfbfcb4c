"""The high/mid-risk area list (中高风险地区) and what it says about the places a declaration
names.

A declaration is screened through its `Place`s: the origin (on the period's start day) and
every stay or transit with its dates. A place matches a listed area when it is the area or lies
inside it (a district inside a listed city); the area must be in effect on some day the place
touches within the look-back window. A place only known more coarsely than the area (a city,
where one district is listed) does not match, but it does tell that the city has cases, which
the low-risk-area-of-a-city-with-cases rule reads.

Matching is by the 6-digit division code and its ancestors, so screening one declaration costs
a few dictionary lookups whatever the length of the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain import regions
from domain.declarations import Declaration, DomesticOrigin, RiskFacts, RiskLevel, worst_risk


@dataclass(frozen=True, slots=True)
class Place:
    """A region a declaration names, with the days it covers (None: unknown, counts as
    touching)."""

    code: str
    start: date | None = None
    end: date | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Place:
        start, end = data.get("from"), data.get("to")
        return cls(
            str(data["code"]),
            date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None,
        )


def places_of(declaration: Declaration, start_date: date) -> tuple[Place, ...]:
    """The places to screen: the domestic origin's deepest code (on `start_date`) and each
    stay's deepest code with its dates. Overseas origins and unmatched stays have no code."""
    found: list[Place] = []
    if isinstance(declaration.origin, DomesticOrigin) and declaration.origin.region_codes:
        found.append(Place(declaration.origin.region_codes[-1], start_date, start_date))
    for stay in declaration.stays:
        if stay.region_codes:
            found.append(Place(stay.region_codes[-1], stay.start, stay.end))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class RiskArea:
    region_code: str
    level: RiskLevel  # high or mid; a listed low area means nothing and is refused on loading
    effective_from: date
    effective_to: date | None = None  # inclusive; None: until lifted
    name: str = ""

    def in_effect(self, first: date, last: date) -> bool:
        """Whether the area is listed on some day of first..last."""
        return self.effective_from <= last and (
            self.effective_to is None or self.effective_to >= first
        )


def _city_of(chain: Sequence[regions.Region]) -> str | None:
    """The city a division belongs to; for the municipalities (北京, 上海…), whose districts sit
    directly under the province, the province. None for a province itself."""
    for region in chain:
        if region.level is regions.Level.CITY:
            return region.code
    if len(chain) > 1 and chain[-1].level is regions.Level.DISTRICT:
        return chain[0].code
    return None


class RiskList:
    """The list, indexed by region code for screening."""

    def __init__(self, areas: Iterable[RiskArea]) -> None:
        self.areas = tuple(areas)
        self._by_code: dict[str, list[RiskArea]] = {}
        self._cities: dict[str, list[RiskArea]] = {}
        for area in self.areas:
            self._by_code.setdefault(area.region_code, []).append(area)
            city = _city_of(regions.path(area.region_code))
            if city is not None:
                self._cities.setdefault(city, []).append(area)

    def facts(self, places: Sequence[Place], as_of: date, lookback_days: int) -> RiskFacts:
        """The worst level among the places touching the window as_of - lookback .. as_of,
        whether a place's city has a listed area then, and which places matched."""
        first = as_of - timedelta(days=lookback_days)
        levels: list[RiskLevel] = []
        matched: list[str] = []
        city_has_cases = False
        for place in places:
            begins, ends = max(place.start or first, first), min(place.end or as_of, as_of)
            if begins > ends:
                continue
            chain = regions.path(place.code)
            for region in chain:
                for area in self._by_code.get(region.code, ()):
                    if area.in_effect(begins, ends):
                        levels.append(area.level)
                        label = area.name or regions.full_name(area.region_code)
                        if label not in matched:
                            matched.append(label)
            city = _city_of(chain)
            if city is not None and any(
                area.in_effect(begins, ends) for area in self._cities.get(city, ())
            ):
                city_has_cases = True
        return RiskFacts(worst_risk(levels), city_has_cases, tuple(matched))
