"""Retention rules: when a declaration's personal fields are due to be erased, and what of its
answers is left after (services/retention.py applies them).

A declaration's measure ends at the end of its period (the day after the last, start_date +
the measure's days; a registration-only or 0-day one on its start day), or earlier when staff
end it (解除, released_at), or when the resident's update supersedes it (the successor holds
the data from then on). Its personal fields go `retention_days` after the earliest of those,
unless an admin holds the case back for review.

Erasing keeps what counting and statistics read (the classification columns, the unit, the
dates, the places' region codes and the measure) and the shape `declaration_from_dict` reads,
so every reader still opens the row: free texts that must be non-empty become `ERASED`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

# What an erased free text that may not be empty (a stay's place, an origin typed by name)
# reads as.
ERASED = "—"

# Kept as they are: the status, dates, counts and the yes/no answers carry nothing that
# identifies the person or describes their health.
_KEPT = (
    "status",
    "planned_date",
    "departure_date",
    "arrival",
    "companions",
    "attested",
)


@dataclass(frozen=True, slots=True)
class RetentionHold:
    """An admin keeps a case under review from the purge (`/hold`)."""

    by: int
    at: datetime
    reason: str


def ended_on(
    *,
    start: date,
    days: int,
    released: date | None = None,
    superseded: date | None = None,
) -> date:
    """The local day a declaration's measure ended (or will end): the end of its period (the
    start day for a measure without days), or the day it was ended early or superseded when
    that came first."""
    end = start + timedelta(days=max(days, 0))
    for early in (released, superseded):
        if early is not None and early < end:
            end = early
    return end


def is_due(ended: date, today: date, retention_days: int) -> bool:
    """Whether a measure that ended on `ended` is `retention_days` or more behind `today`."""
    return (today - ended).days >= retention_days


def erase_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The declaration's answers (declaration_to_dict's shape) without personal fields: name,
    phone, ID number and type, address, places' texts, transport number, health answers
    (symptoms, temperature, health code and itinerary card colours, last test, vaccination),
    contacts. Region codes, dates and the transport's kind stay."""
    out: dict[str, Any] = {key: answers[key] for key in _KEPT if key in answers}
    origin = answers.get("origin")
    if isinstance(origin, Mapping):
        out["origin"] = _origin(origin)
    stays = answers.get("stays")
    if isinstance(stays, list):
        out["stays"] = [_stay(stay) for stay in stays if isinstance(stay, Mapping)]
    transport = answers.get("transport")
    if isinstance(transport, Mapping) and "kind" in transport:
        out["transport"] = {"kind": transport["kind"]}
    return out


def _origin(origin: Mapping[str, Any]) -> dict[str, Any]:
    if origin.get("kind") == "overseas":
        # The country decides the category and is shared by many; the port and documents go.
        kept = {"kind": "overseas", "country": origin.get("country") or ERASED}
        if origin.get("entry_date") is not None:
            kept["entry_date"] = origin["entry_date"]
        return kept
    codes = list(origin.get("region_codes") or [])
    # Names typed past the division (a street) are the person's; a domestic origin needs a
    # code or a name.
    return {"kind": "domestic", "region_codes": codes, "region_names": [] if codes else [ERASED]}


def _stay(stay: Mapping[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {"place": ERASED}
    for key in ("start", "end", "transit", "region_codes", "confirmed_unlisted"):
        if key in stay:
            kept[key] = stay[key]
    return kept
