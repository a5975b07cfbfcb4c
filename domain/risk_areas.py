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

import hashlib
import re
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


_CODE = re.compile(r"\d{6}")  # a division code


# --- Replacing the list ----------------------------------------------------------------------
#
# A file is the whole list, so a header-only file (or the wrong, shorter file) would lift
# every area at once, and arrivals from them would no longer be flagged. Such a load is not
# refused, only asked about first.


@dataclass(frozen=True, slots=True)
class DrasticLoad:
    """Why a load asks first: a message key `risk-confirm-…`, how many of the regions listed
    now (counted by code) the new list lifts, and the fingerprint of the stored list this was
    worked out against (a confirmation holds for that list only)."""

    key: str
    lifted: int
    listed: int
    stored: str = ""

    @property
    def params(self) -> dict[str, int]:
        return {"lifted": self.lifted, "listed": self.listed}


def drastic_load(
    stored: Sequence[RiskArea], new: Sequence[RiskArea], today: date
) -> DrasticLoad | None:
    """Whether replacing `stored` by `new` needs a confirmation: `new` is empty, or it lifts
    more than half of the regions listed now. Exactly half, or a first load, goes ahead.

    "Listed now" is what is in effect `today` or later, as /risk shows it: entries whose end
    has passed are history, and leaving them out of a new file lifts nothing.
    """
    current = [a for a in stored if a.effective_to is None or a.effective_to >= today]
    listed = {area.region_code for area in current}
    lifted = len(listed - {area.region_code for area in new})
    if not new:
        key = "risk-confirm-empty" if listed else "risk-confirm-empty-none"
        return DrasticLoad(key, lifted, len(listed), fingerprint(stored))
    if lifted * 2 > len(listed):
        return DrasticLoad("risk-confirm-lifts", lifted, len(listed), fingerprint(stored))
    return None


def pack_areas(areas: Iterable[RiskArea]) -> list[str]:
    """The areas as JSON-friendly strings `code,level,from,to` for a pending load kept in dialog
    storage (5,000 rows stay under 150 KB); the names are derived from the codes again."""
    return [
        f"{a.region_code},{a.level.value},{a.effective_from.isoformat()},"
        f"{a.effective_to.isoformat() if a.effective_to else ''}"
        for a in areas
    ]


def unpack_areas(packed: Iterable[str]) -> tuple[RiskArea, ...]:
    """The areas `pack_areas` wrote; ValueError for anything else."""
    areas: list[RiskArea] = []
    for row in packed:
        code, level, start, end = str(row).split(",")
        if not _CODE.fullmatch(code) or regions.get(code) is None:
            raise ValueError(f"unknown region code {code!r}")
        risk = RiskLevel(level)
        if risk is RiskLevel.LOW:
            raise ValueError("low-risk areas are not listed")
        areas.append(
            RiskArea(
                code,
                risk,
                date.fromisoformat(start),
                date.fromisoformat(end) if end else None,
                regions.full_name(code),
            )
        )
    return tuple(areas)


def fingerprint(areas: Iterable[RiskArea]) -> str:
    """16 hex digits naming the list (codes, levels, dates): a confirmation asked for one list
    does not load another."""
    return hashlib.sha256("\n".join(pack_areas(areas)).encode()).hexdigest()[:16]
