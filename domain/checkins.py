"""A monitored resident's daily health check-in and test-day record: the rules, no I/O.

A check-in is a temperature (parsed by domain.answers.parse_temperature, 35.0–42.0 °C) and a
set of symptoms (domain.declarations.Symptom; an empty set is the "none" answer). It needs an
immediate alert when the temperature reaches the policy's fever threshold or any symptom is
reported. The same temperature day after day is flagged to the tracker: people who do not
measure tend to type the same normal number every day (a real temperature varies by tenths).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.answers import Parsed, parse_temperature
from domain.declarations import Symptom, TestResult

# This many consecutive days with exactly the same temperature are flagged to the tracker.
IDENTICAL_DAYS = 3
NONE_CHOICE = "none"  # the checklist's "no symptoms" answer


class AlertReason(StrEnum):
    FEVER = "fever"
    SYMPTOMS = "symptoms"
    POSITIVE = "positive"  # a positive test result


@dataclass(frozen=True, slots=True)
class CheckinAnswer:
    temperature: float
    symptoms: frozenset[Symptom] = frozenset()

    def to_symptom_list(self) -> list[str]:
        """Stable order for storage and display."""
        return sorted(s.value for s in self.symptoms)


@dataclass(frozen=True, slots=True)
class DayReading:
    """One stored check-in, as far as the identical-temperature rule needs it."""

    day: date
    temperature: float


def read_temperature(text: str) -> Parsed[float]:
    """The typed temperature; a refusal carries the reason's message key (answer-...)."""
    return parse_temperature(text)


def parse_symptoms(values: Iterable[str]) -> frozenset[Symptom]:
    """The checklist's stored values back to symptoms; unknown ones (an older version, or a
    tampered state) are dropped rather than trusted."""
    known = {s.value: s for s in Symptom}
    return frozenset(known[v] for v in values if v in known)


def toggle(selected: frozenset[Symptom], choice: str) -> frozenset[Symptom]:
    """One press on the checklist: a symptom toggles; "none" clears every symptom."""
    if choice == NONE_CHOICE:
        return frozenset()
    known = {s.value: s for s in Symptom}
    if choice not in known:
        return selected
    symptom = known[choice]
    return selected - {symptom} if symptom in selected else selected | {symptom}


def alert_reasons(answer: CheckinAnswer, fever_threshold: float) -> tuple[AlertReason, ...]:
    """Why the check-in needs an immediate alert; empty when it does not."""
    reasons = []
    if answer.temperature >= fever_threshold:
        reasons.append(AlertReason.FEVER)
    if answer.symptoms:
        reasons.append(AlertReason.SYMPTOMS)
    return tuple(reasons)


def result_alert(result: TestResult) -> AlertReason | None:
    """A positive result is alerted like a fever; negative and pending are not."""
    return AlertReason.POSITIVE if result is TestResult.POSITIVE else None


def identical_run(readings: Sequence[DayReading], days: int = IDENTICAL_DAYS) -> bool:
    """True when the latest `days` readings are on consecutive days and all the same value.

    Only the run ending at the latest reading counts, so the flag goes out once, on the day the
    run reaches `days` (a longer run flags again each day, which a tracker needs to know too).
    A missed day breaks the run: the values are no longer 'day after day'.
    """
    if days < 2 or len(readings) < days:
        return False
    latest = sorted(readings, key=lambda r: r.day)[-days:]
    first = latest[0]
    return all(
        r.day == first.day + timedelta(days=i)
        and round(r.temperature, 1) == round(first.temperature, 1)
        for i, r in enumerate(latest)
    )


SUBJECT_PREFIX = "declaration:"


def declaration_id_of(subject: str) -> int | None:
    """The declaration a follow-up obligation's subject ("declaration:<id>") names."""
    if not subject.startswith(SUBJECT_PREFIX):
        return None
    rest = subject.removeprefix(SUBJECT_PREFIX)
    return int(rest) if rest.isascii() and rest.isdigit() else None


@dataclass(frozen=True, slots=True)
class Monitored:
    """The declaration a check-in or test belongs to, as far as recording it needs."""

    declaration_id: int
    unit_code: str
    resident_id: int | None  # None: a proxy declaration of someone without Telegram
    filed_by: int
    proxy: bool
    name: str  # the declared name, for alerts (never the phone or ID number)
