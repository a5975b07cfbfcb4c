"""The groups' daily report boards (domain.boards): which message each lives in, and which
ones a filing has made stale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.boards import ReportBoard
from domain.org import ChatGroup, GroupPurpose
from storage.changes import note_change
from storage.models import OutboxRow, ReportBoardRow
from storage.repos._sql import rowcount, table_of, upsert

BOARDS = "report_boards"  # the change topic that wakes the board refresher


def _board(row: Any) -> ReportBoard:
    """From an ORM row or a Core row of every column."""
    return ReportBoard(
        id=row.id,
        chat_id=row.chat_id,
        unit_code=row.unit_code,
        purpose=GroupPurpose(row.purpose),
        day=row.day,
        message_id=row.message_id,
        dirty=row.dirty,
        closed=row.closed,
        revision=row.revision,
        edited_at=row.edited_at,
    )


class ReportBoardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, groups: Sequence[ChatGroup], day: date, *, now: datetime) -> int:
        """A board for each group on `day`, unless it has one; the number created."""
        if not groups:
            return 0
        rows = [
            {
                "chat_id": group.chat_id,
                "unit_code": group.unit_code,
                "purpose": group.purpose.value,
                "day": day,
                "message_id": None,
                "dirty": False,
                "closed": False,
                "revision": 0,
                "edited_at": None,
                "created_at": now,
            }
            for group in groups
        ]
        result = await self._session.execute(
            upsert(self._session, ReportBoardRow)
            .on_conflict_do_nothing(index_elements=[ReportBoardRow.chat_id, ReportBoardRow.day])
            .returning(ReportBoardRow.id),
            rows,
        )
        return len(result.all())

    async def for_day(self, day: date) -> list[ReportBoard]:
        statement = select(ReportBoardRow).where(ReportBoardRow.day == day)
        return await self._many(statement.order_by(ReportBoardRow.id))

    async def mark_dirty(self, day: date, unit_codes: Iterable[str]) -> int:
        """Boards of `day` over any of these units (a filing unit and its ancestors) need a
        fresh render; the number marked. Wakes the refresher once the caller commits."""
        codes = sorted(set(unit_codes))
        if not codes:
            return 0
        result = await self._session.execute(
            update(ReportBoardRow)
            .where(ReportBoardRow.day == day, ReportBoardRow.unit_code.in_(codes))
            .values(dirty=True)
            .execution_options(synchronize_session=False)
        )
        marked = rowcount(result)
        if marked:
            note_change(self._session, BOARDS)
        return marked

    async def learn_message_ids(self, post_keys: dict[int, str]) -> int:
        """Store the message id of boards (id -> the dedupe key of their post) whose post the
        sender has sent; the number learnt."""
        if not post_keys:
            return 0
        sent = await self._session.execute(
            select(OutboxRow.dedupe_key, OutboxRow.sent_message_id).where(
                OutboxRow.dedupe_key.in_(list(post_keys.values())),
                OutboxRow.sent_message_id.is_not(None),
            )
        )
        by_key = {key: message for key, message in sent if message}
        learnt = 0
        for board_id, key in post_keys.items():
            message = by_key.get(key)
            if message is not None:
                learnt += rowcount(
                    await self._session.execute(
                        update(ReportBoardRow)
                        .where(ReportBoardRow.id == board_id)
                        .values(message_id=message)
                        .execution_options(synchronize_session=False)
                    )
                )
        return learnt

    async def unposted(self, since: date) -> list[ReportBoard]:
        """Boards from `since` on whose message id is not known yet."""
        statement = select(ReportBoardRow).where(
            ReportBoardRow.day >= since, ReportBoardRow.message_id.is_(None)
        )
        return await self._many(statement.order_by(ReportBoardRow.id))

    async def claim_edits(
        self, now: datetime, interval: timedelta, limit: int
    ) -> list[ReportBoard]:
        """Take up to `limit` stale boards with a message to edit whose last edit is `interval`
        old or more: fresh again, one revision on, edited now; returned as they are now.

        The claim is the transaction's first write, before anything is rendered: on SQLite it
        takes the write lock, so no filing commits between the render and the end of the
        pass; on PostgreSQL the rows stay locked (claimed with SKIP LOCKED), so a filing
        marking one stale waits for the pass and its mark stands. Either way a filing's mark
        is never wiped out by a render that missed its report.
        """
        wanted = (
            select(ReportBoardRow.id)
            .where(
                ReportBoardRow.dirty.is_(True),
                ReportBoardRow.message_id.is_not(None),
                (ReportBoardRow.edited_at.is_(None)) | (ReportBoardRow.edited_at <= now - interval),
            )
            .order_by(ReportBoardRow.id)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            wanted = wanted.with_for_update(skip_locked=True)
        return await self._claim(
            ReportBoardRow.id.in_(wanted.scalar_subquery()),
            dirty=False,
            revision=ReportBoardRow.revision + 1,
            edited_at=now,
        )

    async def close(self, board_ids: Iterable[int], *, now: datetime) -> list[ReportBoard]:
        """Close these boards (those not closed yet) and return them. Those with a message
        are claimed for their closing edit (as `claim_edits`: fresh, one revision on); those
        still waiting for their post stay stale, to be edited once it is out."""
        ids = sorted(set(board_ids))
        if not ids:
            return []
        open_ = ReportBoardRow.id.in_(ids) & ReportBoardRow.closed.is_(False)
        claimed = await self._claim(
            open_ & ReportBoardRow.message_id.is_not(None),
            closed=True,
            dirty=False,
            revision=ReportBoardRow.revision + 1,
            edited_at=now,
        )
        waiting = await self._claim(
            open_ & ReportBoardRow.message_id.is_(None), closed=True, dirty=True
        )
        if waiting:
            note_change(self._session, BOARDS)
        return sorted([*claimed, *waiting], key=lambda board: board.id)

    async def _claim(self, condition: ColumnElement[bool], **values: object) -> list[ReportBoard]:
        table = table_of(ReportBoardRow)
        result = await self._session.execute(
            update(table).where(condition).values(**values).returning(*table.c)
        )
        boards = [_board(row) for row in result]  # a Core row has the same attributes
        return sorted(boards, key=lambda board: board.id)

    async def next_edit_at(self, interval: timedelta) -> datetime | None:
        """When the earliest stale board with a message may be edited next."""
        waiting = await self._session.scalar(
            select(
                func.min(func.coalesce(ReportBoardRow.edited_at, ReportBoardRow.created_at))
            ).where(ReportBoardRow.dirty.is_(True), ReportBoardRow.message_id.is_not(None))
        )
        return None if waiting is None else waiting + interval

    async def stale_unposted(self, since: date) -> bool:
        """Whether a stale board from `since` on waits for its post's message id."""
        found = await self._session.scalar(
            select(ReportBoardRow.id)
            .where(
                ReportBoardRow.dirty.is_(True),
                ReportBoardRow.message_id.is_(None),
                ReportBoardRow.day >= since,
            )
            .limit(1)
        )
        return found is not None

    async def _many(self, statement: Select[ReportBoardRow]) -> list[ReportBoard]:
        rows = await self._session.scalars(statement.execution_options(populate_existing=True))
        return [_board(row) for row in rows]
