"""What the outbox sent for a cause: the messages with buttons an obligation's steps queued (so
that answering it can take them off), and who an occasion's messages went to.

Kept apart from storage/repos/outbox.py, which is the sender's queue: this side reads the
outbox by what the messages were about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outbox import OutboxState
from storage.models import EscalationLogRow, OutboxRow
from storage.repos._sql import rowcount

_LIVE = (OutboxState.PENDING.value, OutboxState.SENT.value)


@dataclass(frozen=True, slots=True)
class Keyboarded:
    """A message queued with buttons, pending or sent."""

    outbox_id: int
    chat_id: int
    recipient_id: int | None
    state: OutboxState
    message_id: int | None  # Telegram's, once sent


class SentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keyboards_of(self, obligation_id: int) -> list[Keyboarded]:
        """The obligation's reminders and escalations that carry buttons, pending or sent.

        The escalation log names the outbox row of every step it queued, so no key is parsed.
        """
        rows = await self._session.execute(
            select(
                OutboxRow.id,
                OutboxRow.chat_id,
                OutboxRow.recipient_id,
                OutboxRow.state,
                OutboxRow.sent_message_id,
                OutboxRow.reply_markup,
            )
            .join(EscalationLogRow, EscalationLogRow.outbox_key == OutboxRow.dedupe_key)
            .where(
                EscalationLogRow.obligation_id == obligation_id,
                OutboxRow.state.in_(_LIVE),
                OutboxRow.edit_message_id.is_(None),
            )
            .order_by(OutboxRow.id)
        )
        # A JSON column may hold JSON null rather than SQL NULL, and PostgreSQL cannot compare
        # json for DISTINCT: both are looked at here.
        found: dict[int, Keyboarded] = {}
        for outbox_id, chat, recipient, state, message, markup in rows:
            if markup:
                found[outbox_id] = Keyboarded(
                    outbox_id, chat, recipient, OutboxState(state), message
                )
        return list(found.values())

    async def drop_unsent_keyboards(self, outbox_ids: Sequence[int]) -> int:
        """Those still pending go out without their buttons."""
        if not outbox_ids:
            return 0
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(list(outbox_ids)), OutboxRow.state == OutboxState.PENDING)
            .values(reply_markup=null())
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)

    async def recipients(self, *key_prefixes: str) -> set[int]:
        """The people messages with these dedupe key prefixes were queued for, in any state.

        A prefix scan: for rare occasions (a corrected test result), not for the clock's pass.
        """
        if not key_prefixes:
            return set()
        found = await self._session.scalars(
            select(OutboxRow.recipient_id)
            .where(
                or_(*(OutboxRow.dedupe_key.startswith(p, autoescape=True) for p in key_prefixes)),
                OutboxRow.recipient_id.is_not(None),
            )
            .distinct()
        )
        return {person for person in found if person is not None}
