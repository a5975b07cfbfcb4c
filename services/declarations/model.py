"""What submitting and re-screening declarations share: the configuration, the results, what
staff and residents are told, and the plan of a classification."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from domain import followup
from domain.case_reasons import CaseReasons
from domain.declarations import DeclarationStatus, RiskFacts, RiskLevel
from domain.followup import FollowupPlan
from domain.obligations import ObligationKind
from domain.org import Language, Person
from domain.outbox import OutboxMessage, Priority
from domain.policy import Category, Classification, Policy
from domain.trips import PlannedTrip
from services.obligations import EscalationPolicy
from services.refusal import Refused

SUBMIT = "declaration.submit"
RESCREEN = "declaration.rescreen"

NOT_ALLOWED = "followup-not-allowed"
NOT_ATTESTED = "followup-not-attested"
UNKNOWN_UNIT = "followup-unknown-unit"
NOT_ONBOARDED = "followup-not-onboarded"


@dataclass(frozen=True, slots=True)
class FollowupConfig:
    """What submitting and re-screening need from the configuration, as plain values; the
    composition root builds it from the settings (bot.wiring.followup_config)."""

    policy: Policy  # the classification rules ([policy])
    zone: ZoneInfo  # local time (time.timezone)
    checkin_due: time  # [declarations] deadlines of the follow-up
    test_due: time
    handle_within: timedelta  # an immediate report not handled by then escalates
    escalation: EscalationPolicy  # chains and work calendar of new obligations
    admins: tuple[int, ...]  # told when a unit has no staff to tell
    default_language: Language
    texts: DeclarationTexts  # renders the alerts and updates put in the outbox


class DeclarationRefused(Refused):
    """Submitting was refused; `key` is a followup-* message key, `params` its values."""


@dataclass(frozen=True, slots=True)
class Submitted:
    declaration_id: int
    classification: Classification
    facts: RiskFacts
    start_date: date  # local day the measure starts
    end_date: date  # first day after the period (== start when days=0)
    # The test and check-in days still ahead when the result was made (FollowupPlan.days_ahead):
    # a day whose due time has passed is not offered to the resident.
    test_dates: tuple[date, ...]
    checkin_days: tuple[date, ...]
    # The policy's immediate-report condition holds (fever, symptoms, red/yellow code): the
    # resident is sent to the fever clinic whatever category the rules decided.
    fever_clinic: bool
    trip: PlannedTrip | None = None  # a plan to leave: no measure, the plan and advice


@dataclass(frozen=True, slots=True)
class Reclassified:
    """A declaration a re-screen re-classified (its follow-up adjusted, people told), for the
    report to the person who loaded the list: whose (name and unit, never the phone), from
    which category to which, and how many follow-up obligations were opened and excused."""

    declaration_id: int
    resident_name: str
    unit_name: str
    previous: Category
    category: Category
    immediate_report: bool
    opened: int
    excused: int


@dataclass(frozen=True, slots=True)
class KeptForReview:
    """A declaration whose risk went down: its measure keeps running until a person decides
    (`would_be` is what the new facts alone would give)."""

    declaration_id: int
    resident_name: str
    unit_name: str
    level: RiskLevel
    previous_level: RiskLevel
    category: Category
    would_be: Category


@dataclass(frozen=True, slots=True)
class RescreenReport:
    """What a re-screen did, as data: the texts layer writes it in the reader's language."""

    screened: int  # declarations within the look-back window
    changed: int  # whose risk facts changed
    reclassifications: tuple[Reclassified, ...]
    kept: tuple[KeptForReview, ...]

    @property
    def reclassified(self) -> int:
        return len(self.reclassifications)


class RescreenCause(StrEnum):
    """Why a declaration was screened again: what its people are told changed."""

    RISK_LIST = "risk_list"  # a new risk-area list
    PLACE = "place"  # staff located one of its places (services/declarations/places.py)


@dataclass(frozen=True, slots=True)
class Alert:
    """What staff are told about one declaration: who, where, what and why. The phone is
    shown in full only to those who must call (see `alert_messages`), masked to others."""

    declaration_id: int
    resident_name: str
    phone_masked: str | None
    phone: str | None
    unit_name: str
    reasons: CaseReasons
    category: Category
    immediate_report: bool
    start_date: date
    end_date: date
    proxy: bool
    previous: Category | None = None  # set when a re-screen re-classified it
    cause: RescreenCause = RescreenCause.RISK_LIST  # why, when it did
    updates: int | None = None  # the resident's update of this earlier declaration
    trip: PlannedTrip | None = None  # a plan to leave: when and where to


@dataclass(frozen=True, slots=True)
class PlaceFlag:
    """Places of a declaration that match no division, for its staff to locate: the stay's
    position and the place as typed (services/declarations/places.py). No phone: the
    message asks for a place, not a call."""

    declaration_id: int
    resident_name: str
    unit_name: str
    places: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class ResidentUpdate:
    """What a re-screen changes for the resident: the earlier category and the new result."""

    previous: Category
    now: Submitted
    matched: tuple[str, ...] = field(default=())
    cause: RescreenCause = RescreenCause.RISK_LIST


class DeclarationTexts(Protocol):
    """Renders the messages this service puts in the outbox (Telegram HTML)."""

    def alert(
        self, alert: Alert, language: Language, *, full_phone: bool, covering_for: str | None
    ) -> str: ...

    def alert_markup(
        self, alert: Alert, language: Language, *, full_phone: bool
    ) -> dict[str, Any]: ...

    def resident_update(self, update: ResidentUpdate, language: Language) -> str: ...

    def place_flag(self, flag: PlaceFlag, language: Language) -> str: ...

    def place_flag_markup(self, flag: PlaceFlag, language: Language) -> dict[str, Any]: ...

    def return_due(self, language: Language) -> str: ...


def plan_for(
    config: FollowupConfig,
    classification: Classification,
    start: date,
    declared_at: datetime | None = None,
) -> FollowupPlan:
    """The plan of a classification; `declared_at` (when the case's follow-up began, see
    update.followup_anchor) moves the test days already past then (followup.moved_tests):
    every plan compared with the obligations opened must be made with the same moment."""
    return followup.plan(
        classification,
        start,
        checkin_due=config.checkin_due,
        test_due=config.test_due,
        zone=config.zone,
        declared_at=declared_at,
    )


def owed_plan(plan: FollowupPlan, status: DeclarationStatus) -> FollowupPlan:
    """What a declaration of `status` owes of `plan`: nothing before the return is declared
    (no check-ins or tests for one planning to return or to leave). Every plan compared with
    the obligations opened must be this one: an update declaring the return of a planning
    declaration opens the follow-up (its old plan owed nothing), a re-screen of one not back
    opens none."""
    if status is DeclarationStatus.RETURNED:
        return plan
    return replace(plan, checkin_days=(), test_dates=(), items=())


def submitted(
    id: int,
    classification: Classification,
    facts: RiskFacts,
    plan: FollowupPlan,
    *,
    now: datetime,
    fever_clinic: bool,
    trip: PlannedTrip | None = None,
) -> Submitted:
    return Submitted(
        id,
        classification,
        facts,
        plan.start,
        plan.end,
        plan.days_ahead(ObligationKind.TEST_DUE, now),
        plan.days_ahead(ObligationKind.HEALTH_CHECKIN, now),
        fever_clinic,
        trip,
    )


def alert_messages(
    texts: DeclarationTexts,
    alert: Alert,
    recipients: Iterable[Person],
    key: str,
    now: datetime,
    *,
    callers: Collection[int],
    covering: Mapping[int, str] | None = None,
) -> list[OutboxMessage]:
    """One private alert per recipient, with the buttons to act on the case; `callers` (the
    unit's liaisons, deputies and trackers: those who must call) see the phone in full;
    `covering` (cover → the away person's name) says whom a cover receives it for."""
    covers = covering or {}
    return [
        OutboxMessage.private(
            f"{key}:alert:{person.telegram_id}",
            person.telegram_id,
            texts.alert(
                alert,
                person.language,
                full_phone=person.telegram_id in callers,
                covering_for=covers.get(person.telegram_id),
            ),
            now,
            Priority.ALERT,
            texts.alert_markup(alert, person.language, full_phone=person.telegram_id in callers),
        )
        for person in recipients
    ]
