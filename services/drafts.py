"""Half-finished dialogs: their expiry leases, and telling people when one has expired.

The draft in FSM storage carries its own `touched` time, updated on every step, so an expired
one is recognised on the person's next message even if the job has not run (the job cannot
reach the FSM backend); the job only deletes expired leases and sends the notice through the
outbox. The handler drops the lease on submit or cancel, and renews it only when it was last
renewed LEASE_RENEWAL ago or more, with that much grace: a step then costs no write of its
own, and the notice still never comes before the draft has expired (at most LEASE_RENEWAL
after).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from domain.org import Language
from domain.outbox import OutboxMessage, Priority
from storage import Repositories

DECLARATION = "declaration"
NOTICE_KEY = "declare-expired-notice"
LEASE_RENEWAL = timedelta(minutes=10)


def expires_at(now: datetime, ttl_hours: int) -> datetime:
    return now + timedelta(hours=ttl_hours)


def expired(touched: datetime, now: datetime, ttl_hours: int) -> bool:
    return now >= expires_at(touched, ttl_hours)


async def touch(
    repos: Repositories,
    telegram_id: int,
    *,
    ttl_hours: int,
    now: datetime,
    renewed: datetime | None = None,
    dialog: str = DECLARATION,
) -> datetime:
    """Renew the lease of a draft touched `now`, unless it was renewed less than
    LEASE_RENEWAL before (`renewed`: when; None for a new draft). Returns when it was last
    renewed, for the draft to keep."""
    if renewed is not None and now - renewed < LEASE_RENEWAL:
        return renewed
    lease_end = expires_at(now, ttl_hours) + LEASE_RENEWAL
    await repos.drafts.touch(telegram_id, dialog, now=now, expires_at=lease_end)
    return now


async def drop(repos: Repositories, telegram_id: int, dialog: str = DECLARATION) -> None:
    await repos.drafts.drop(telegram_id, dialog)


async def expire(
    repos: Repositories,
    *,
    now: datetime,
    default_language: Language,
    notice: Callable[[Language], str],
    limit: int = 500,
) -> int:
    """Delete expired leases and enqueue a notice to each person, in their language:
    `notice` renders it (the text of NOTICE_KEY)."""
    leases = await repos.drafts.expired(now, limit)
    messages = []
    for lease in leases:
        # A lease renewed since it was read (a new dialog on PostgreSQL) is not expired.
        if not await repos.drafts.drop(lease.telegram_id, lease.dialog, expired_at=now):
            continue
        person = await repos.people.get(lease.telegram_id)
        language = person.language if person is not None else default_language
        messages.append(
            OutboxMessage(
                dedupe_key=f"draft-expired:{lease.telegram_id}:{lease.expires_at.isoformat()}",
                chat_id=lease.telegram_id,
                text=notice(language),
                not_before=now,
                priority=Priority.NOTICE,
                recipient_id=lease.telegram_id,
            )
        )
    if messages:
        await repos.outbox.enqueue_many(messages, now=now)
    return len(messages)
