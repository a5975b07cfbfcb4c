"""The reminder to declare a return, queued for the planned return day of a plan, and taken
back when the return is declared first (or the plan changes its day)."""

from __future__ import annotations

from datetime import datetime, time

from domain.declarations import Declaration, DeclarationStatus
from domain.outbox import OutboxMessage, Priority
from services.declarations.model import FollowupConfig
from storage import Repositories

# When the person is asked, on the planned return day, to declare their return (local time).
RETURN_REMINDER_AT = time(9, 0)


def return_due_prefix(person: int) -> str:
    """The dedupe keys of a person's return reminders start so (one per planned day)."""
    return f"return-due:{person}:"


async def _return_reminder(
    repos: Repositories,
    config: FollowupConfig,
    declaration: Declaration,
    person: int,
    now: datetime,
) -> OutboxMessage | None:
    """The message asking `person` on the planned return day to declare their return, in
    their language; one per person and day (its dedupe key), None without a known person."""
    assert declaration.planned_date is not None
    resident = await repos.people.get(person)
    if resident is None:
        return None
    at = datetime.combine(declaration.planned_date, RETURN_REMINDER_AT, tzinfo=config.zone)
    return OutboxMessage.private(
        return_due_prefix(person) + declaration.planned_date.isoformat(),
        person,
        config.texts.return_due(resident.language),
        max(at, now),
        Priority.REMINDER,
    )


async def update_return_reminder(
    repos: Repositories,
    config: FollowupConfig,
    declaration: Declaration,
    person: int,
    now: datetime,
) -> int:
    """After `person` declared: a plan (to return or to leave) with a planned day queues the
    reminder for that day; any other reminder of theirs still waiting is withdrawn (a return
    declared before the planned day, a plan moved to another day). The number withdrawn."""
    reminder: OutboxMessage | None = None
    if declaration.status is not DeclarationStatus.RETURNED and declaration.planned_date:
        reminder = await _return_reminder(repos, config, declaration, person, now)
    keep = reminder.dedupe_key if reminder is not None else None
    withdrawn = await repos.outbox.withdraw_pending(return_due_prefix(person), keep=keep, now=now)
    if reminder is not None:
        await repos.outbox.enqueue_many([reminder], now=now)
    return withdrawn
