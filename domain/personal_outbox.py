"""Which outbox messages are about whose records: read from their dedupe keys, so that an
erasure and the retention purge can clear the messages that quote a person's data (an alert
holds the phone in full, a correction request the resident's own words).

The key formats are those of the services that enqueue the messages; a unit test holds these
prefixes to the services' constants. Keys that name only a person (a draft's expiry, a planned
return's reminder, a role change) are not recognised: they are cleared by the outbox's own
purge of settled rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class About(StrEnum):
    DECLARATION = "declaration"
    OBLIGATION = "obligation"  # a follow-up obligation, whose subject names a declaration
    TEST_RECORD = "test_record"
    CORRECTION = "correction"


# The prefixes other layers read back (the case card's list of alerts).
OBLIGATION_PREFIX = "obligation:"  # reminders and escalations (scheduler.engine)
CHECKIN_ALERT_PREFIX = "checkin-alert:"  # staff told of a check-in's fever (services.checkins)

# Prefix, then the id, then ":" or "#" (or the end of the key): the id is read up to them.
PREFIXES: tuple[tuple[str, About], ...] = (
    ("declaration:", About.DECLARATION),  # alerts, re-screening, places, resident updates
    ("case-release:", About.DECLARATION),
    ("measure-ends:", About.DECLARATION),
    (OBLIGATION_PREFIX, About.OBLIGATION),
    (CHECKIN_ALERT_PREFIX, About.OBLIGATION),
    ("checkin-same:", About.OBLIGATION),
    ("test-alert:", About.OBLIGATION),
    ("test-fix:", About.TEST_RECORD),
    ("correction-outcome:", About.CORRECTION),
    ("correction:", About.CORRECTION),
)


@dataclass(frozen=True, slots=True)
class KeyAbout:
    about: About
    id: int


def about(dedupe_key: str) -> KeyAbout | None:
    """The record an outbox message's dedupe key names, or None when it names none."""
    for prefix, kind in PREFIXES:
        if not dedupe_key.startswith(prefix):
            continue
        rest = dedupe_key.removeprefix(prefix)
        digits = rest.split(":", 1)[0].split("#", 1)[0]
        if digits.isascii() and digits.isdigit():
            return KeyAbout(kind, int(digits))
        return None
    return None


@dataclass(frozen=True, slots=True)
class Records:
    """The ids of one person's (or one purge's) records, by kind."""

    declarations: frozenset[int] = frozenset()
    obligations: frozenset[int] = frozenset()
    test_records: frozenset[int] = frozenset()
    corrections: frozenset[int] = frozenset()

    def names(self, dedupe_key: str) -> bool:
        found = about(dedupe_key)
        if found is None:
            return False
        ids = {
            About.DECLARATION: self.declarations,
            About.OBLIGATION: self.obligations,
            About.TEST_RECORD: self.test_records,
            About.CORRECTION: self.corrections,
        }[found.about]
        return found.id in ids
