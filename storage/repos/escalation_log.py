"""The log of escalation steps taken (accountability is built on it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

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
        rows = await self._session.scalars(
            select(EscalationLogRow)
            .where(EscalationLogRow.obligation_id == obligation_id)
            .order_by(EscalationLogRow.id)
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
