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


def version_parts(version: str) -> tuple[int, int] | None:
    """The wording's revision and the retention days a version names ("1-30d": 1, 30), for
    people to read; None for a version in another form."""
    revision, found, days = version.partition("-")
    days = days.removesuffix("d")
    if found and revision.isascii() and revision.isdigit() and days.isascii() and days.isdigit():
        return int(revision), int(days)
    return None


@dataclass(frozen=True, slots=True)
class NoticeAcceptance:
    """The notice a declaration was filed under. For a proxy declaration `accepted_at` is when
    the filer stated they had read it to the person."""

    version: str
    accepted_at: datetime
