"""The end of a declaration's measure: told to the resident when staff end it early (解除,
services.cases.release), and to the resident and the unit's liaisons when its last day has
passed (a daily calendar job, scheduler/actions.py).

Ending by date is found, not scheduled: the daily run reads which current declarations' periods
ended, so an update (a new version supersedes the old), a re-classification (a new end day and
version) or an early end (no longer current) can never leave a stale message waiting. Who is
told is resolved on the day, with the covers alerts use (domain.recipients.case_recipients):
an away liaison's deputies hear of it. Each message's dedupe key names the declaration's
version, so a run repeated, or two instances, send it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from domain.declarations import DeclarationStatus
from domain.org import Language, Person
from domain.outbox import OutboxMessage
from domain.policy import Category
from domain.recipients import case_recipients
from services.obligations import load_directory
from storage import Repositories
from storage.repos.declarations import StoredDeclaration

# A run that was missed (the bot was down) still tells of periods that ended this many days
# ago; older ones are history by then. Keep it below jobs.outbox_retention_days, or a purged
# dedupe key could let a message go out twice.
CATCH_UP_DAYS = 3
# No measure lasts a year: periods starting earlier cannot end within the catch-up days.
_LONGEST_PERIOD = timedelta(days=366)
ENDED_PREFIX = "measure-ends:"  # outbox dedupe keys


@dataclass(frozen=True, slots=True)
class EndNotice:
    """What a message about a measure's end says."""

    declaration_id: int
    resident_name: str
    unit_name: str
    category: Category
    last_day: date  # the last day of the period (ended early: the day it was ended)
    reason: str | None = None  # ended early: the reason staff gave


class MeasureTexts(Protocol):
    """Renders the messages about a measure's end; the presentation layer implements it."""

    def released(self, notice: EndNotice, language: Language) -> str:
        """To the resident (or a proxy declaration's filer): staff ended it early."""
        ...

    def ended(self, notice: EndNotice, language: Language) -> str:
        """To the resident (or a proxy declaration's filer): its last day has passed."""
        ...

    def ended_staff(self, notice: EndNotice, language: Language) -> str:
        """To the unit's liaisons and trackers (or their covers): its last day has passed."""
        ...

    def case_markup(self, notice: EndNotice, language: Language) -> dict[str, Any]:
        """The button under the staff's message that opens the case card (Bot API JSON)."""
        ...


def told_person(stored: StoredDeclaration) -> int:
    """Who hears of the resident's own measure: the resident, or for a proxy declaration of
    someone without Telegram, the person who filed it."""
    return stored.resident_id if stored.resident_id is not None else stored.filed_by


def notice_of(
    stored: StoredDeclaration, unit_name: str, last_day: date, reason: str | None = None
) -> EndNotice:
    return EndNotice(
        declaration_id=stored.id,
        resident_name=stored.declaration.name or "",
        unit_name=unit_name,
        category=stored.classification.category,
        last_day=last_day,
        reason=reason,
    )


async def announce_ended(
    repos: Repositories,
    texts: MeasureTexts,
    *,
    today: date,
    now: datetime,
    default_language: Language,
) -> int:
    """Tell of every current measure whose last day passed within the catch-up days (its
    period ended on or before `today`): the resident, and the unit's liaisons and trackers
    with their covers on `today`. Only returned residents: a measure filed before leaving
    never started. The number of messages added (0 when run again)."""
    oldest = today - timedelta(days=CATCH_UP_DAYS)
    periods = await repos.declarations.periods_since(oldest - _LONGEST_PERIOD)
    ended = {p.id: p.end for p in periods if oldest < p.end <= today}
    if not ended:
        return 0
    found = await repos.declarations.many(ended)
    stored = [s for s in found.values() if s.declaration.status is DeclarationStatus.RETURNED]
    if not stored:
        return 0
    directory = await load_directory(repos, today)
    staff = {s.id: case_recipients(directory, s.unit_code, today, chain=False) for s in stored}
    people = await repos.people.many(
        {told_person(s) for s in stored} | {p for ids in staff.values() for p in ids}
    )
    tree = directory.tree
    messages: list[OutboxMessage] = []
    for declaration in stored:
        unit = declaration.unit_code
        name = tree.get(unit).name if unit in tree else unit
        notice = notice_of(declaration, name, ended[declaration.id] - timedelta(days=1))
        key = f"{ENDED_PREFIX}{declaration.id}:v{declaration.version}"
        person = told_person(declaration)
        resident = people.get(person) or Person(person, "", default_language)
        messages.append(
            OutboxMessage.private(
                f"{key}:{person}", person, texts.ended(notice, resident.language), now
            )
        )
        for holder in staff[declaration.id]:
            reader = people.get(holder)
            if reader is None or holder == person:
                continue
            text = texts.ended_staff(notice, reader.language)
            markup = texts.case_markup(notice, reader.language)
            messages.append(
                OutboxMessage.private(f"{key}:{holder}", holder, text, now, reply_markup=markup)
            )
    return await repos.outbox.enqueue_many(messages, now=now)
