"""The outbox: messages written in the caller's transaction, drained by the sender."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.outbox import Media, MediaKind, OutboxEntry, OutboxMessage, OutboxState, Priority
from storage.changes import note_change
from storage.models import OutboxRow, PersonRow
from storage.repos._sql import rowcount, upsert

_PENDING = OutboxState.PENDING.value
OUTBOX = "outbox"  # the change topic that wakes the sender


def to_entry(row: OutboxRow) -> OutboxEntry:
    message = OutboxMessage(
        dedupe_key=row.dedupe_key,
        chat_id=row.chat_id,
        text=row.text,
        not_before=row.not_before,
        priority=Priority(row.priority),
        reply_markup=row.reply_markup,
        recipient_id=row.recipient_id,
        edit_message_id=row.edit_message_id,
        media=_media(row),
    )
    return OutboxEntry(
        id=row.id,
        message=message,
        state=OutboxState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        sent_message_id=row.sent_message_id,
        created_at=row.created_at,
        sent_at=row.sent_at,
        uncertain_sends=row.uncertain_sends,
    )


def _media(row: OutboxRow) -> Media | None:
    if row.media_kind is None:
        return None
    return Media(
        MediaKind(row.media_kind),
        row.media_name or "",
        data=row.media_data,
        file_id=row.media_file_id,
    )


def _values(message: OutboxMessage, now: datetime) -> dict[str, Any]:
    """The columns of a new row for `message`."""
    media = message.media
    return {
        "dedupe_key": message.dedupe_key,
        "chat_id": message.chat_id,
        "recipient_id": message.recipient_id,
        "edit_message_id": message.edit_message_id,
        "text": message.text,
        "reply_markup": message.reply_markup,
        "priority": int(message.priority),
        "not_before": message.not_before,
        "state": _PENDING,
        "attempts": 0,
        "next_attempt_at": message.not_before,
        "created_at": now,
        "media_kind": media.kind.value if media else None,
        "media_name": media.filename if media else None,
        "media_data": media.data if media else None,
        "media_file_id": media.file_id if media else None,
    }


class OutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(self, message: OutboxMessage, *, now: datetime) -> bool:
        """Add the message unless its dedupe key is known; True if it was added.

        Runs in the caller's transaction, so the message exists exactly when its cause does.
        """
        result = await self._session.execute(
            upsert(self._session, OutboxRow)
            .values(**_values(message, now))
            .on_conflict_do_nothing(index_elements=[OutboxRow.dedupe_key])
        )
        added = rowcount(result) == 1
        if added:
            note_change(self._session, OUTBOX)
        return added

    async def enqueue_many(self, messages: Sequence[OutboxMessage], *, now: datetime) -> int:
        """`enqueue` for many at once; the number added.

        One INSERT executed for the list of rows (SQLAlchemy's "insertmanyvalues" batches it)
        rather than a statement built from the values: compiled once, it costs a fraction of
        the CPU, which is what the clock's pass over a thousand due steps spends most on.
        """
        if not messages:
            return 0
        rows = [_values(m, now) for m in messages]
        # RETURNING counts what was added: a row skipped by ON CONFLICT returns nothing.
        result = await self._session.execute(
            upsert(self._session, OutboxRow)
            .on_conflict_do_nothing(index_elements=[OutboxRow.dedupe_key])
            .returning(OutboxRow.id),
            rows,
        )
        added = len(result.all())
        if added:
            note_change(self._session, OUTBOX)
        return added

    async def withdraw_pending(
        self, key_prefix: str, *, keep: str | None = None, now: datetime
    ) -> int:
        """Withdraw the messages not sent yet whose dedupe key starts with `key_prefix`
        (except `keep`): they are kept, marked withdrawn, and never sent; the number. A row
        the sender already holds may still go out: withdrawing is for messages that would
        be wrong later, not harmful now."""
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = (
            update(OutboxRow)
            .where(
                OutboxRow.state == _PENDING,
                OutboxRow.dedupe_key.like(escaped + "%", escape="\\"),
            )
            .values(state=OutboxState.WITHDRAWN.value, last_error="withdrawn", next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        if keep is not None:
            query = query.where(OutboxRow.dedupe_key != keep)
        return rowcount(await self._session.execute(query))

    async def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these dedupe keys are already in the outbox (in any state)."""
        wanted = sorted(set(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # SQLite caps bound parameters
            rows = await self._session.scalars(
                select(OutboxRow.dedupe_key).where(
                    OutboxRow.dedupe_key.in_(wanted[start : start + 500])
                )
            )
            found.update(rows)
        return found

    async def by_keys(self, keys: Iterable[str]) -> dict[str, OutboxEntry]:
        """The messages with these dedupe keys (in any state), by key."""
        wanted = sorted(set(keys))
        found: dict[str, OutboxEntry] = {}
        for start in range(0, len(wanted), 500):  # SQLite caps bound parameters
            rows = await self._session.scalars(
                select(OutboxRow)
                .where(OutboxRow.dedupe_key.in_(wanted[start : start + 500]))
                .execution_options(populate_existing=True)
            )
            found.update((row.dedupe_key, to_entry(row)) for row in rows)
        return found

    async def rewrite_pending(
        self, dedupe_key: str, text: str, reply_markup: dict[str, Any] | None
    ) -> bool:
        """Replace the text and keyboard of a message not sent yet (a digest gathering more
        steps before its time); False when it is no longer pending."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.dedupe_key == dedupe_key, OutboxRow.state == _PENDING)
            .values(text=text, reply_markup=reply_markup)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def with_prefix(self, key_prefix: str) -> list[OutboxEntry]:
        """Every message (in any state, until purged) whose dedupe key starts with
        `key_prefix`, oldest first: what was sent about something, e.g. a declaration."""
        return await self.with_prefixes([key_prefix])

    async def with_prefixes(self, key_prefixes: Sequence[str]) -> list[OutboxEntry]:
        """Every message whose dedupe key starts with any of `key_prefixes`, oldest first, in
        one statement (the prefixes of a case's alerts and escalations)."""
        if not key_prefixes:
            return []
        matches = [
            OutboxRow.dedupe_key.like(
                prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
                escape="\\",
            )
            for prefix in key_prefixes
        ]
        rows = await self._session.scalars(
            select(OutboxRow).where(or_(*matches)).order_by(OutboxRow.id)
        )
        return [to_entry(row) for row in rows]

    async def get(self, entry_id: int) -> OutboxEntry | None:
        row = await self._session.get(OutboxRow, entry_id, populate_existing=True)
        return None if row is None else to_entry(row)

    async def due(
        self, now: datetime, limit: int, *, exclude: Iterable[int] = ()
    ) -> list[OutboxEntry]:
        """Pending rows due by `now`, best priority first, then the longest waiting.

        On PostgreSQL the rows are locked (FOR UPDATE SKIP LOCKED) until the caller's
        transaction ends, so a concurrent claimer gets other rows instead of waiting. `exclude`
        leaves out rows the caller is already sending.
        """
        statement = (
            select(OutboxRow)
            .where(OutboxRow.state == _PENDING, OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.priority, OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit)
        )
        skip = list(exclude)
        if skip:
            statement = statement.where(OutboxRow.id.not_in(skip))
        if self._session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = await self._session.scalars(statement.execution_options(populate_existing=True))
        return [to_entry(row) for row in rows]

    async def next_due_at(self, *, exclude: Iterable[int] = ()) -> datetime | None:
        """When the earliest pending row becomes due, so the sender can sleep until then."""
        statement = select(func.min(OutboxRow.next_attempt_at)).where(OutboxRow.state == _PENDING)
        skip = list(exclude)
        if skip:
            statement = statement.where(OutboxRow.id.not_in(skip))
        return await self._session.scalar(statement)

    async def mark_sent(self, entry_id: int, message_id: int, *, now: datetime) -> bool:
        return await self._set(
            entry_id,
            state=OutboxState.SENT.value,
            sent_message_id=message_id,
            sent_at=now,
            attempts=OutboxRow.attempts + 1,
        )

    async def mark_sent_many(self, sent: Sequence[tuple[int, int, datetime]]) -> int:
        """`mark_sent` for many (id, message id, time) at once: one executemany, not N updates.

        The sender confirms hundreds of messages a second; per-row ORM updates cost more CPU
        than the sending itself.
        """
        if not sent:
            return 0
        table = cast(Table, OutboxRow.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("entry_id"), table.c.state == _PENDING)
            .values(
                state=OutboxState.SENT.value,
                sent_message_id=bindparam("message_id"),
                sent_at=bindparam("at"),
                attempts=table.c.attempts + 1,
            )
        )
        params = [{"entry_id": i, "message_id": m, "at": at} for i, m, at in sent]
        connection = await self._session.connection()
        return rowcount(await connection.execute(statement, params))

    async def reschedule(
        self, entry_id: int, at: datetime, *, error: str | None = None, attempted: bool = True
    ) -> bool:
        """Try again at `at`; `attempted=False` when no attempt was made (a paused chat)."""
        values: dict[str, object] = {"next_attempt_at": at}
        if error is not None:
            values["last_error"] = error
        if attempted:
            values["attempts"] = OutboxRow.attempts + 1
        return await self._set(entry_id, **values)

    async def note_uncertain(self, entry_id: int) -> None:
        """Count a send whose outcome is unknown (it may have been delivered)."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == entry_id)
            .values(uncertain_sends=OutboxRow.uncertain_sends + 1)
            .execution_options(synchronize_session=False)
        )

    async def defer_chat(self, chat_id: int, until: datetime) -> int:
        """Move every pending row of the chat due before `until` to `until`, in one statement.

        A chat that cannot take a message now (its rate, a 429) would otherwise have its whole
        backlog read and rescheduled row by row on every claim, delaying every other chat and
        churning writes. Rows keep their order: ties on the time are broken by id.
        """
        result = await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.chat_id == chat_id,
                OutboxRow.state == _PENDING,
                OutboxRow.next_attempt_at < until,
            )
            .values(next_attempt_at=until)
        )
        return rowcount(result)

    async def mark_failed(self, entry_id: int, reason: str) -> bool:
        return await self._set(
            entry_id,
            state=OutboxState.FAILED.value,
            last_error=reason,
            attempts=OutboxRow.attempts + 1,
        )

    async def mark_unreachable(
        self, entry_id: int, reason: str, *, now: datetime
    ) -> tuple[bool, bool]:
        """Give the row up; also mark its recipient unreachable.

        Returns (row changed, person newly marked) so that a person with many pending
        messages is reported to a human once, not once per message.
        """
        changed = await self._set(
            entry_id,
            state=OutboxState.UNREACHABLE.value,
            last_error=reason,
            attempts=OutboxRow.attempts + 1,
        )
        recipient = await self._session.scalar(
            select(OutboxRow.recipient_id).where(OutboxRow.id == entry_id)
        )
        newly = False
        if recipient is not None:
            result = await self._session.execute(
                update(PersonRow)
                .where(PersonRow.telegram_id == recipient, PersonRow.unreachable_at.is_(None))
                .values(unreachable_at=now, unreachable_reason=reason[:255], updated_at=now)
            )
            newly = rowcount(result) == 1
            if not newly:
                # Someone the bot has no record of is still a person a human must hear about.
                known = await self._session.get(PersonRow, recipient)
                newly = known is None
        return changed, newly

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> int:
        """Point every pending message for a migrated group at its supergroup."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.chat_id == old_chat_id, OutboxRow.state == _PENDING)
            .values(chat_id=new_chat_id)
        )
        return rowcount(result)

    async def pending_count(self, *, due_by: datetime | None = None) -> int:
        """Messages not sent yet; with `due_by`, only those the sender may send by then."""
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.state == _PENDING)
        if due_by is not None:
            query = query.where(OutboxRow.next_attempt_at <= due_by)
        count = await self._session.scalar(query)
        return count or 0

    async def failures(self, limit: int = 50) -> list[OutboxEntry]:
        """Failed and unreachable messages, most recent first, for an admin to look at."""
        rows = await self._session.scalars(
            select(OutboxRow)
            .where(OutboxRow.state.in_([OutboxState.FAILED.value, OutboxState.UNREACHABLE.value]))
            .order_by(OutboxRow.id.desc())
            .limit(limit)
        )
        return [to_entry(row) for row in rows]

    async def purge_settled_before(self, at: datetime) -> int:
        """Delete sent, failed and unreachable rows last touched before `at`; pending rows stay.

        A row's last activity is when it was sent, or for a row given up on the last attempt
        it was scheduled for. Its dedupe key is free again afterwards, so the retention must
        outlive whatever could enqueue the same message again.
        """
        last_activity = func.coalesce(OutboxRow.sent_at, OutboxRow.next_attempt_at)
        result = await self._session.execute(
            delete(OutboxRow)
            .where(OutboxRow.state != _PENDING, last_activity < at)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)

    async def _set(self, entry_id: int, **values: object) -> bool:
        # Only pending rows change: a late result for a row already settled must not undo it.
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == entry_id, OutboxRow.state == _PENDING)
            .values(**values)
            # Nothing loaded in the session needs refreshing, and evaluating it costs CPU.
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1
