"""The log of escalation steps taken (accountability is built on it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.models import EscalationLogRow


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    """One line of the escalation log."""

    obligation_id: int
    step: int
    repeat: int
    outcome: str  # "sent", "superseded" or "nobody"
    message_key: str
    at: datetime
    target: str | None = None
    chat_id: int | None = None
    covering_for: int | None = None
    outbox_key: str | None = None


class EscalationLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, records: Sequence[EscalationRecord]) -> None:
        if not records:
            return
        # A Core insert of the list: the ORM's unit of work would fetch every new id for
        # nothing and costs several times the CPU in the clock's busiest pass.
        await self._session.execute(
            insert(EscalationLogRow),
            [
                {
                    "obligation_id": r.obligation_id,
                    "step": r.step,
                    "repeat": r.repeat,
                    "outcome": r.outcome,
                    "target": r.target,
                    "chat_id": r.chat_id,
                    "covering_for": r.covering_for,
                    "message_key": r.message_key,
                    "outbox_key": r.outbox_key,
                    "at": r.at,
                }
                for r in records
            ],
        )

    async def for_obligation(self, obligation_id: int) -> list[EscalationRecord]:
        return await self._records(EscalationLogRow.obligation_id == obligation_id)

    async def for_outbox_key(self, outbox_key: str) -> list[EscalationRecord]:
        """The steps one outbox message carries (a digest carries several), oldest first."""
        return await self._records(EscalationLogRow.outbox_key == outbox_key)

    async def latest_outbox_keys(
        self, chat_ids: Iterable[int], *, prefix: str, since: datetime
    ) -> dict[int, str]:
        """Per chat, the outbox key starting with `prefix` of its latest step logged at or
        after `since`: the digest a new step for that chat may join (scheduler.digests)."""
        wanted = sorted(set(chat_ids))
        found: dict[int, str] = {}
        for start in range(0, len(wanted), 500):  # SQLite caps bound parameters
            latest = (
                select(EscalationLogRow.chat_id, func.max(EscalationLogRow.id).label("last"))
                .where(
                    EscalationLogRow.chat_id.in_(wanted[start : start + 500]),
                    EscalationLogRow.at >= since,
                    EscalationLogRow.outbox_key.startswith(prefix, autoescape=True),
                )
                .group_by(EscalationLogRow.chat_id)
                .subquery()
            )
            rows = await self._session.execute(
                select(EscalationLogRow.chat_id, EscalationLogRow.outbox_key).join(
                    latest, EscalationLogRow.id == latest.c.last
                )
            )
            for chat_id, key in rows:
                if chat_id is not None and key is not None:
                    found[chat_id] = key
        return found

    async def _records(self, where: ColumnElement[bool]) -> list[EscalationRecord]:
        rows = await self._session.scalars(
            select(EscalationLogRow).where(where).order_by(EscalationLogRow.id)
        )
        return [
            EscalationRecord(
                obligation_id=row.obligation_id,
                step=row.step,
                repeat=row.repeat,
                outcome=row.outcome,
                message_key=row.message_key,
                at=row.at,
                target=row.target,
                chat_id=row.chat_id,
                covering_for=row.covering_for,
                outbox_key=row.outbox_key,
            )
            for row in rows
        ]
