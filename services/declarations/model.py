"""What submitting and re-screening declarations share: the configuration, the results, what
staff and residents are told, and the plan of a classification."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

from domain import followup
from domain.declarations import RiskFacts
from domain.followup import FollowupPlan
from domain.org import Language, Person
from domain.outbox import OutboxMessage, Priority
from domain.policy import Category, Classification, Policy
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
    test_dates: tuple[date, ...]
    checkin_days: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class RescreenReport:
    screened: int  # declarations within the look-back window
    changed: int  # whose risk facts changed
    reclassified: int  # whose category/measure changed (follow-up adjusted, people told)
    # One line per reclassified declaration, then one per declaration whose risk went down
    # while its measure was kept for a person to decide (no personal data).
    details: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Alert:
    """What staff are told about one declaration: who (name, masked phone), where, what."""

    declaration_id: int
    resident_name: str
    phone_masked: str | None
    unit_name: str
    category: Category
    immediate_report: bool
    start_date: date
    end_date: date
    matched: tuple[str, ...]
    proxy: bool
    previous: Category | None = None  # set when a re-screen re-classified it


@dataclass(frozen=True, slots=True)
class ResidentUpdate:
    """What a re-screen changes for the resident: the earlier category and the new result."""

    previous: Category
    now: Submitted
    matched: tuple[str, ...] = field(default=())


class DeclarationTexts(Protocol):
    """Renders the messages this service puts in the outbox (Telegram HTML)."""

    def alert(self, alert: Alert, language: Language) -> str: ...

    def resident_update(self, update: ResidentUpdate, language: Language) -> str: ...


def plan_for(config: FollowupConfig, classification: Classification, start: date) -> FollowupPlan:
    return followup.plan(
        classification,
        start,
        checkin_due=config.checkin_due,
        test_due=config.test_due,
        zone=config.zone,
    )


def submitted(
    id: int, classification: Classification, facts: RiskFacts, plan: FollowupPlan
) -> Submitted:
    return Submitted(
        id, classification, facts, plan.start, plan.end, plan.test_dates, plan.checkin_days
    )


def alert_messages(
    texts: DeclarationTexts, alert: Alert, recipients: Iterable[Person], key: str, now: datetime
) -> list[OutboxMessage]:
    return [
        OutboxMessage(
            dedupe_key=f"{key}:alert:{person.telegram_id}",
            chat_id=person.telegram_id,
            text=texts.alert(alert, person.language),
            not_before=now,
            priority=Priority.ALERT,
            recipient_id=person.telegram_id,
        )
        for person in recipients
    ]
