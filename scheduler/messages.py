"""What the clock asks the texts to write: one step's message to one recipient, and the
admins' alert for a step that reached nobody (scheduler.engine, scheduler.digests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from domain.escalation import Event, Step
from domain.obligations import Obligation
from domain.org import Language, Person
from domain.recipients import Recipient


@dataclass(frozen=True, slots=True)
class StepMessage:
    """Everything the texts need to write one step's message to one recipient."""

    obligation: Obligation
    step: Step
    event: Event
    recipient: Recipient
    language: Language
    unit_name: str
    # Who answers for it (domain.recipients.answerable): the person; the unit's liaisons, an
    # away one's cover in their place; for a case, whoever hears of it.
    assignees: tuple[Person, ...]
    covering_for: Person | None  # the away or unreachable person the recipient stands in for
    zone_due: datetime  # due_at in the configured time zone


@dataclass(frozen=True, slots=True)
class NobodyMessage:
    """An escalation step that reached nobody at all, for the admins."""

    obligation: Obligation
    step: Step
    unit_name: str
    language: Language
    zone_due: datetime


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str  # Telegram HTML
    reply_markup: dict[str, Any] | None = None


class StepTexts(Protocol):
    """Writes the messages; the bot's implementation uses its catalogs and keyboards."""

    def step(self, message: StepMessage) -> Rendered: ...

    def nobody(self, message: NobodyMessage) -> Rendered: ...
