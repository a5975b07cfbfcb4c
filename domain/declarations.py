"""What a returnee's declaration (返乡报备) holds, as plain data, and the risk facts it is
classified against.

Classification (domain/policy.py) reads only the answers that matter for the measure; the
personal identifiers (name, phone, ID number) are carried for the ledger but never read by it.
The risk level of the places named is looked up elsewhere (the risk-area list) and handed to
classification as `RiskFacts`.

Their JSON shape (storage, `python -m bot policy explain FILE.json`) is in
domain/declaration_json.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.id_documents import IdType


class DeclarationStatus(StrEnum):
    RETURNED = "returned"
    PLANNING_RETURN = "planning_return"
    PLANNING_LEAVE = "planning_leave"


class RiskLevel(StrEnum):
    HIGH = "high"
    MID = "mid"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is worse: low 0, mid 1, high 2."""
        return _RISK_RANK[self]


_RISK_RANK = {RiskLevel.LOW: 0, RiskLevel.MID: 1, RiskLevel.HIGH: 2}


def worst_risk(levels: Iterable[RiskLevel]) -> RiskLevel:
    """The worst of the levels; low when there are none."""
    return max(levels, key=lambda level: level.rank, default=RiskLevel.LOW)


class CodeColour(StrEnum):
    """Health code (健康码) and itinerary card (行程卡) colours."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class TransportKind(StrEnum):
    TRAIN = "train"
    FLIGHT = "flight"
    COACH = "coach"
    OWN_CAR = "own_car"
    OTHER = "other"


class TestResult(StrEnum):
    __test__ = False  # not a pytest class

    NEGATIVE = "negative"
    POSITIVE = "positive"
    PENDING = "pending"


class Symptom(StrEnum):
    FEVER = "fever"
    DRY_COUGH = "dry_cough"
    FATIGUE = "fatigue"
    LOSS_OF_SMELL_TASTE = "loss_of_smell_taste"
    NASAL = "nasal"  # blocked or runny nose
    SORE_THROAT = "sore_throat"
    CONJUNCTIVITIS = "conjunctivitis"
    MUSCLE_PAIN = "muscle_pain"
    DIARRHOEA = "diarrhoea"


class ContactKind(StrEnum):
    CONFIRMED_CASE = "confirmed_case"  # contact with a confirmed case
    SUSPECTED_CASE = "suspected_case"  # contact with a suspected case
    CLOSE_CONTACT = "close_contact"  # 密切接触者
    SECONDARY_CONTACT = "secondary_contact"  # 密接的密接
    SHARED_TRAJECTORY = "shared_trajectory"  # 时空伴随


@dataclass(frozen=True, slots=True)
class DomesticOrigin:
    """Province → city → district (→ street), as codes and/or names, broadest first."""

    region_codes: tuple[str, ...] = ()
    region_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OverseasOrigin:
    country: str
    port_of_entry: str | None = None
    entry_date: date | None = None
    # Whether the arrival documents (negative test, release from quarantine at the entry
    # point) were shown; None: not asked, counted as missing.
    arrival_documents: bool | None = None


Origin = DomesticOrigin | OverseasOrigin


@dataclass(frozen=True, slots=True)
class Stay:
    """A place stayed in (旅居) or passed through (途经, transit=True)."""

    place: str
    start: date | None = None
    end: date | None = None
    transit: bool = False
    region_codes: tuple[str, ...] = ()
    # A person (staff) confirmed the place lies in no division of the list (abroad, a name
    # nobody can locate): it is no longer flagged, though screening still cannot see it.
    confirmed_unlisted: bool = False

    @property
    def unlocated(self) -> bool:
        """No division and nobody has said there is none: screening misses it until a
        person locates it."""
        return not self.region_codes and not self.confirmed_unlisted

    def overlaps(self, first: date, last: date) -> bool:
        """Whether the stay touches the days first..last (unknown dates count as touching)."""
        begins = self.start or first
        ends = self.end or last
        return begins <= last and ends >= first


@dataclass(frozen=True, slots=True)
class Transport:
    kind: TransportKind
    number: str | None = None  # train or flight number


@dataclass(frozen=True, slots=True)
class TestRecord:
    __test__ = False  # not a pytest class

    day: date
    result: TestResult


@dataclass(frozen=True, slots=True)
class Declaration:
    status: DeclarationStatus
    origin: Origin
    planned_date: date | None = None
    # Planning to leave: the day of departure (the origin then holds the destination).
    departure_date: date | None = None
    stays: tuple[Stay, ...] = ()
    transport: Transport | None = None
    arrival: datetime | None = None
    health_code: CodeColour | None = None
    itinerary_card: CodeColour | None = None
    last_test: TestRecord | None = None
    vaccination_doses: int | None = None
    symptoms: frozenset[Symptom] = frozenset()
    temperature: float | None = None
    contacts: frozenset[ContactKind] = frozenset()
    companions: int | None = 0  # None: skipped (not given), not "nobody"
    attested: bool = False
    # Personal identifiers: for the ledger only; classification never reads them.
    name: str | None = None
    phone: str | None = None
    id_number: str | None = None
    # The document the number belongs to; None only with no number (a number stored before
    # the types existed is read back as a resident ID, see declaration_json).
    id_type: IdType | None = None
    # Where the person lives now: where a home measure is kept and staff go (None: filed
    # before it was kept).
    address: str | None = None
    # False: the resident gave the arrival day but skipped its time (`arrival` holds 00:00);
    # stored as a bare date, so a midnight arrival typed as such stays distinguishable.
    arrival_timed: bool = True

    @property
    def overseas(self) -> bool:
        return isinstance(self.origin, OverseasOrigin)

    @property
    def codes(self) -> tuple[CodeColour, ...]:
        """The health code and itinerary card colours given."""
        return tuple(c for c in (self.health_code, self.itinerary_card) if c is not None)

    def unlocated_stays(self) -> tuple[int, ...]:
        """The positions of the stays a person must still locate (see Stay.unlocated)."""
        return tuple(i for i, stay in enumerate(self.stays) if stay.unlocated)

    def stays_within(self, lookback_days: int, as_of: date) -> tuple[Stay, ...]:
        """Stays and transits touching the look-back window ending on as_of."""
        first = as_of - timedelta(days=lookback_days)
        return tuple(stay for stay in self.stays if stay.overlaps(first, as_of))


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """What the risk-area lookup found for a declaration's origin and its stays within the
    look-back window: the worst level, whether the city has cases (for a low-risk area), and
    which places matched (for the explanation)."""

    level: RiskLevel = RiskLevel.LOW
    city_has_cases: bool = False
    matched: tuple[str, ...] = ()


__all__ = [
    "CodeColour",
    "ContactKind",
    "Declaration",
    "DeclarationStatus",
    "DomesticOrigin",
    "Origin",
    "OverseasOrigin",
    "RiskFacts",
    "RiskLevel",
    "Stay",
    "Symptom",
    "TestRecord",
    "TestResult",
    "Transport",
    "TransportKind",
    "worst_risk",
]
