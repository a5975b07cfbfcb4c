"""The privacy notice shown before a declaration (PIPL arts. 17 and 30: purpose, who sees the
answers, how long they are kept, the legal basis, the person's rights).

Its version names what the resident was told: the wording's revision and the retention period
it states, which comes from configuration. Changing either asks everyone again, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Raise when the notice's wording changes in substance (in both languages).
WORDING_REVISION = 1


def notice_version(retention_days: int) -> str:
    return f"{WORDING_REVISION}-{retention_days}d"


@dataclass(frozen=True, slots=True)
class NoticeAcceptance:
    """The notice a declaration was filed under. For a proxy declaration `accepted_at` is when
    the filer stated they had read it to the person."""

    version: str
    accepted_at: datetime
