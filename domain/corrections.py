"""A resident's request to correct what is held about them (/mydata), and its answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PENDING = "pending"
ACCEPTED = "accepted"
REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Correction:
    id: int
    resident_id: int
    unit_code: str
    text: str  # blanked ("") once erased: the row, state and dates stay
    requested_at: datetime
    state: str  # PENDING, ACCEPTED or REFUSED
    decided_by: int | None
    decided_at: datetime | None
    reason: str | None
