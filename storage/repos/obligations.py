"""Obligations: opening, reading, claiming the due ones for the clock, saving their steps."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Select, Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.obligations import Obligation, ObligationKey, ObligationKind, ObligationState
from storage.changes import note_change
from storage.models import ObligationRow
from storage.repos._sql import rowcount, upsert

OBLIGATIONS = "obligations"  # the change topic that wakes the clock


def to_obligation(row: ObligationRow) -> Obligation:
    assignee: int | str = (
        row.assignee_person if row.assignee_person is not None else str(row.assignee_unit)
    )
    return Obligation(
        kind=ObligationKind(row.kind),
        subject=row.subject,
        period=row.period,
        assignee=assignee,
        unit_code=row.unit_code,
        due_at=row.due_at,
        state=ObligationState(row.state),
        step_reached=row.step_reached,
        repeats_done=row.repeats_done,
        next_action_at=row.next_action_at,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        excuse_reason=row.excuse_reason,
        id=row.id,
        chain=row.chain,
    )


def _values(ob: Obligation) -> dict[str, object]:
    """The columns an obligation's progress changes."""
    return {
        "state": ob.state.value,
        "step_reached": ob.step_reached,
        "repeats_done": ob.repeats_done,
        "next_action_at": ob.next_action_at,
        "closed_at": ob.closed_at,
        "closed_by": ob.closed_by,
        "excuse_reason": ob.excuse_reason,
    }


class ObligationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open(self, obligation: Obligation, *, now: datetime) -> tuple[Obligation, bool]:
        """Store it unless its natural key is known; the stored one and whether it is new.

        Opening is idempotent so that a calendar job run twice, or by two instances, opens
        each obligation once; the first one's deadline and assignee stand.
        """
        result = await self._session.execute(
            upsert(self._session, ObligationRow)
            .values(
                kind=obligation.kind.value,
                subject=obligation.subject,
                period=obligation.period,
                assignee_person=obligation.assignee_person,
                assignee_unit=obligation.assignee_unit,
                unit_code=obligation.unit_code,
                due_at=obligation.due_at,
                chain=obligation.chain,
                created_at=now,
                updated_at=now,
                **_values(obligation),
            )
            .on_conflict_do_nothing(
                index_elements=[ObligationRow.kind, ObligationRow.subject, ObligationRow.period]
            )
        )
        created = rowcount(result) == 1
        if created:
            note_change(self._session, OBLIGATIONS)
        stored = await self.get(obligation.key)
        if stored is None:  # pragma: no cover - the insert above or a concurrent one made it
            raise RuntimeError(f"obligation {obligation.key} vanished while being opened")
        return stored, created

    async def get(self, key: ObligationKey, *, lock: bool = False) -> Obligation | None:
        """`lock` holds the row (PostgreSQL) until the transaction ends, so meeting it and the
        clock stepping it cannot interleave."""
        return await self._one(
            select(ObligationRow).where(
                ObligationRow.kind == key.kind.value,
                ObligationRow.subject == key.subject,
                ObligationRow.period == key.period,
            ),
            lock=lock,
        )

    async def get_by_id(self, obligation_id: int, *, lock: bool = False) -> Obligation | None:
        return await self._one(
            select(ObligationRow).where(ObligationRow.id == obligation_id), lock=lock
        )

    async def _one(self, statement: Select[ObligationRow], *, lock: bool) -> Obligation | None:
        if lock:
            await self._lock()
            if self._is_postgres:
                statement = statement.with_for_update()
        row = await self._session.scalar(statement.execution_options(populate_existing=True))
        return None if row is None else to_obligation(row)

    async def claim_due(self, now: datetime, limit: int) -> list[Obligation]:
        """Open obligations whose next action is due, earliest first.

        On PostgreSQL the rows stay locked (FOR UPDATE SKIP LOCKED) until the caller's
        transaction ends: a second instance claims other rows instead of the same step.
        """
        statement = (
            select(ObligationRow)
            .where(ObligationRow.next_action_at <= now)
            .order_by(ObligationRow.next_action_at, ObligationRow.id)
            .limit(limit)
        )
        return await self._claim(statement)

    async def any_due(self, now: datetime) -> bool:
        """Whether anything is due, without claiming or locking anything."""
        found = await self._session.scalar(
            select(ObligationRow.id).where(ObligationRow.next_action_at <= now).limit(1)
        )
        return found is not None

    async def next_action_at(self, after: datetime | None = None) -> datetime | None:
        """When the clock next has something to do (strictly after `after`, when given)."""
        query = select(func.min(ObligationRow.next_action_at))
        if after is not None:
            query = query.where(ObligationRow.next_action_at > after)
        return await self._session.scalar(query)

    async def save(self, obligation: Obligation, *, now: datetime) -> bool:
        """Write an obligation's state after a transition; False if it was no longer open.

        Every transition starts from an open obligation, so a closed row is never written
        over: a report and an expiry racing each other cannot turn "met" into "expired".
        Callers read with `get(..., lock=True)`, which makes that race impossible anyway.
        """
        if obligation.id is None:
            raise ValueError("only a stored obligation can be saved")
        result = await self._session.execute(
            update(ObligationRow)
            .where(
                ObligationRow.id == obligation.id,
                ObligationRow.state == ObligationState.OPEN.value,
            )
            .values(updated_at=now, **_values(obligation))
            .execution_options(synchronize_session=False)
        )
        # A closed obligation or a rescheduled one changes what the clock sleeps until.
        note_change(self._session, OBLIGATIONS)
        return rowcount(result) == 1

    async def reopen(self, obligation: Obligation, *, now: datetime) -> bool:
        """Write a met obligation opened again (domain.obligations.reopen); False if it was
        not met any more."""
        if obligation.id is None:
            raise ValueError("only a stored obligation can be reopened")
        result = await self._session.execute(
            update(ObligationRow)
            .where(
                ObligationRow.id == obligation.id,
                ObligationRow.state.in_(
                    [ObligationState.MET.value, ObligationState.MET_LATE.value]
                ),
            )
            .values(updated_at=now, **_values(obligation))
            .execution_options(synchronize_session=False)
        )
        note_change(self._session, OBLIGATIONS)
        return rowcount(result) == 1

    async def save_progress(self, obligations: Sequence[Obligation], *, now: datetime) -> None:
        """The clock's write after stepping: one executemany for the whole batch.

        Only open rows are written: the clock holds them locked (PostgreSQL) or the database
        to itself (SQLite), so this guard only matters if that ever stops being true, and
        then a met obligation is never reopened by a late write. Not noted as a change: the
        clock itself made it, and waking itself would only cost an idle pass.
        """
        if not obligations:
            return
        table = cast(Table, ObligationRow.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.state == ObligationState.OPEN.value)
            .values(
                step_reached=bindparam("step"),
                repeats_done=bindparam("repeats"),
                next_action_at=bindparam("next_at"),
                updated_at=now,
            )
        )
        await self._session.execute(
            statement,
            [
                {
                    "row_id": ob.id,
                    "step": ob.step_reached,
                    "repeats": ob.repeats_done,
                    "next_at": ob.next_action_at,
                }
                for ob in obligations
            ],
        )

    async def open_for_units(
        self, unit_codes: Iterable[str], *, kind: ObligationKind | None = None
    ) -> list[Obligation]:
        """Open obligations accounted to these units, earliest deadline first."""
        statement = select(ObligationRow).where(
            ObligationRow.unit_code.in_(list(unit_codes)),
            ObligationRow.state == ObligationState.OPEN.value,
        )
        if kind is not None:
            statement = statement.where(ObligationRow.kind == kind.value)
        rows = await self._session.scalars(statement.order_by(ObligationRow.due_at))
        return [to_obligation(row) for row in rows]

    async def open_many(self, obligations: Sequence[Obligation], *, now: datetime) -> int:
        """`open` for many at once (a calendar job opening a day's reports); the number new.

        One INSERT executed for the list of rows, skipping natural keys already stored, so
        a job run twice opens nothing the second time.
        """
        if not obligations:
            return 0
        rows = [
            {
                "kind": ob.kind.value,
                "subject": ob.subject,
                "period": ob.period,
                "assignee_person": ob.assignee_person,
                "assignee_unit": ob.assignee_unit,
                "unit_code": ob.unit_code,
                "due_at": ob.due_at,
                "chain": ob.chain,
                "created_at": now,
                "updated_at": now,
                **_values(ob),
            }
            for ob in obligations
        ]
        # RETURNING counts what was added: a row skipped by ON CONFLICT returns nothing.
        result = await self._session.execute(
            upsert(self._session, ObligationRow)
            .on_conflict_do_nothing(
                index_elements=[ObligationRow.kind, ObligationRow.subject, ObligationRow.period]
            )
            .returning(ObligationRow.id),
            rows,
        )
        created = len(result.all())
        if created:
            note_change(self._session, OBLIGATIONS)
        return created

    async def of_subjects(self, subjects: Collection[str]) -> list[Obligation]:
        """Every obligation, of any kind and state, about these subjects (the versions of a
        declaration), by id."""
        if not subjects:
            return []
        rows = await self._session.scalars(
            select(ObligationRow)
            .where(ObligationRow.subject.in_(sorted(subjects)))
            .order_by(ObligationRow.id)
        )
        return [to_obligation(row) for row in rows]

    async def open_of_subject(self, kind: ObligationKind, subject: str) -> list[Obligation]:
        """The open obligations of this kind about one subject (a declaration's), by id."""
        rows = await self._session.scalars(
            select(ObligationRow)
            .where(
                ObligationRow.kind == kind.value,
                ObligationRow.subject == subject,
                ObligationRow.state.in_([s.value for s in ObligationState if not s.closed]),
            )
            .order_by(ObligationRow.id)
        )
        return [to_obligation(row) for row in rows]

    async def for_period(
        self, kind: ObligationKind, period: str, unit_codes: Iterable[str] | None = None
    ) -> list[Obligation]:
        """Every obligation of this kind and period, whatever its state (accounted to these
        units only, when given), by unit code."""
        statement = select(ObligationRow).where(
            ObligationRow.kind == kind.value, ObligationRow.period == period
        )
        order = (ObligationRow.unit_code, ObligationRow.id)
        if unit_codes is None:
            rows = await self._session.scalars(statement.order_by(*order))
            return [to_obligation(row) for row in rows]
        codes = sorted(set(unit_codes))
        found: list[Obligation] = []
        # Chunked: SQLite caps the number of bound parameters in one statement.
        for start in range(0, len(codes), 500):
            rows = await self._session.scalars(
                statement.where(ObligationRow.unit_code.in_(codes[start : start + 500])).order_by(
                    *order
                )
            )
            found.extend(to_obligation(row) for row in rows)
        return found

    async def stale_open(self, before: datetime, limit: int) -> list[Obligation]:
        """Open obligations due before `before`, earliest first: candidates for expiry.

        On PostgreSQL the rows stay locked (FOR UPDATE SKIP LOCKED) until the caller's
        transaction ends, so neither a second instance nor the clock takes them meanwhile.
        """
        statement = (
            select(ObligationRow)
            .where(ObligationRow.state == ObligationState.OPEN.value, ObligationRow.due_at < before)
            .order_by(ObligationRow.due_at, ObligationRow.id)
            .limit(limit)
        )
        return await self._claim(statement)

    async def _claim(self, statement: Select[ObligationRow]) -> list[Obligation]:
        """The rows `statement` selects, held until the transaction ends (`_lock`; on
        PostgreSQL FOR UPDATE SKIP LOCKED, so rows another instance holds are left to it)."""
        await self._lock()
        if self._is_postgres:
            statement = statement.with_for_update(skip_locked=True)
        rows = await self._session.scalars(statement.execution_options(populate_existing=True))
        return [to_obligation(row) for row in rows]

    @property
    def _is_postgres(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    async def _lock(self) -> None:
        """Hold rows read next until the transaction ends, as FOR UPDATE does on PostgreSQL.

        SQLite has no row locks, and its driver begins a transaction only at the first write,
        so a read followed by a write is not isolated: another connection could meet an
        obligation between the clock's claim and its write, and the clock would send a step
        for an obligation already met. A write that changes nothing takes the database's
        write lock first, so the read and the write that follows see and change one state.
        """
        if not self._is_postgres:
            await self._session.execute(delete(ObligationRow).where(ObligationRow.id == -1))
