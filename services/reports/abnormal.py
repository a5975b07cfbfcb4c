"""A report's abnormal situations (异常情况) pushed at once to the unit's supervisors.

Free text nobody reads helps nobody: a non-empty answer (or a correction that changes it) is
put in the outbox at alert priority, in the same transaction as the report, for the nearest
supervisors up the tree who can be written to (an away supervisor is skipped, so the next
level up hears of it when nobody at a level is present). The filer is never told of their
own text. The text may concern residents' health: it goes to people privately, never to a
group, and never into a log line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.org import Person, Role, Unit
from domain.outbox import OutboxMessage, Priority
from domain.report_records import abnormal_situation
from domain.reports import FiledReport
from services import obligations
from storage import Repositories


class AbnormalTexts(Protocol):
    """Renders the supervisors' alert about a report's abnormal situations."""

    def abnormal_alert(
        self, report: FiledReport, person: Person, *, unit: str, filer: str
    ) -> str: ...


def abnormal_text(report: FiledReport) -> str | None:
    """The report's abnormal situations, if it gives any."""
    return abnormal_situation(report.answers)


async def unit_supervisors(
    repos: Repositories, unit: Unit, on_day: datetime, *, skip: int
) -> list[Person]:
    """The nearest supervisors from the unit up who are present and reachable, not `skip`."""
    directory = await obligations.load_directory(repos, on_day.date())
    tree = directory.tree
    units = [unit, *tree.ancestors(unit.code)] if unit.code in tree else [unit]
    for level in units:
        present = [
            p
            for p in directory.holding(level.code, Role.SUPERVISOR)
            if p != skip and not directory.stands_in(p, on_day.date())
        ]
        if present:
            people = await repos.people.many(present)
            return [people[p] for p in sorted(present) if p in people]
    return []


async def push_abnormal(
    repos: Repositories,
    texts: AbnormalTexts,
    unit: Unit,
    report: FiledReport,
    previous: Sequence[FiledReport],
    *,
    filer: str,
    local_now: datetime,
    now: datetime,
) -> int:
    """Queue the alert when the report gives abnormal situations that its last version did
    not; the number of messages queued."""
    text = abnormal_text(report)
    if text is None or (previous and abnormal_text(previous[-1]) == text):
        return 0
    queued = 0
    for person in await unit_supervisors(repos, unit, local_now, skip=report.filed_by):
        key = (
            f"report:{unit.code}:{report.day.isoformat()}:{report.version}"
            f":abnormal:{person.telegram_id}"
        )
        message = texts.abnormal_alert(report, person, unit=unit.name, filer=filer)
        queued += await repos.outbox.enqueue(
            OutboxMessage.private(key, person.telegram_id, message, now, Priority.ALERT), now=now
        )
    return queued
