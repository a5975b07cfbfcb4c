"""People known to the bot: from organisation files, invitations or residents' group links."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import Language, Person
from storage.models import PersonRow
from storage.repos._sql import rowcount, upsert


def to_person(row: PersonRow) -> Person:
    return Person(row.telegram_id, row.name, Language(row.language), row.phone)


async def add_if_missing(
    session: AsyncSession,
    telegram_id: int,
    name: str,
    language: Language,
    *,
    now: datetime,
    started: bool = False,
) -> None:
    """Insert the person unless they are there already: two updates from a new person can
    arrive together, and the loser of the insert then reads the winner's row."""
    await session.execute(
        upsert(session, PersonRow)
        .values(
            telegram_id=telegram_id,
            name=name,
            language=language.value,
            started_at=now if started else None,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[PersonRow.telegram_id])
    )


class PeopleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, telegram_id: int) -> Person | None:
        row = await self._session.get(PersonRow, telegram_id)
        return None if row is None else to_person(row)

    async def ensure(
        self, telegram_id: int, name: str, language: Language, *, now: datetime
    ) -> Person:
        """Create the person with `language`, or refresh only the name of a known one.

        A stored language is kept because the person may have chosen it with /lang, while the
        name follows whatever Telegram currently shows.
        """
        return to_person(await self._ensured_row(telegram_id, name, language, now=now))

    async def _ensured_row(
        self, telegram_id: int, name: str, language: Language, *, now: datetime
    ) -> PersonRow:
        row = await self._session.get(PersonRow, telegram_id)
        if row is None:
            await add_if_missing(self._session, telegram_id, name, language, now=now)
            row = await self._session.get(PersonRow, telegram_id)
            if row is None:  # pragma: no cover - the insert above or a concurrent one made it
                raise RuntimeError(f"person {telegram_id} vanished while being created")
        if row.name != name:
            row.name = name
            row.updated_at = now
            await self._session.flush()
        return row

    async def set_language(
        self, telegram_id: int, language: Language, *, now: datetime | None = None
    ) -> bool:
        """False when the person is unknown."""
        result = await self._session.execute(
            update(PersonRow)
            .where(PersonRow.telegram_id == telegram_id)
            .values(language=language.value, updated_at=now or datetime.now(UTC))
        )
        return rowcount(result) == 1

    async def has_started(self, telegram_id: int) -> bool:
        started = await self._session.scalar(
            select(PersonRow.started_at).where(PersonRow.telegram_id == telegram_id)
        )
        return started is not None

    async def unreachable(self, telegram_id: int) -> tuple[datetime, str | None] | None:
        """When and why Telegram last refused a private message to the person, if it did."""
        row = (
            await self._session.execute(
                select(PersonRow.unreachable_at, PersonRow.unreachable_reason).where(
                    PersonRow.telegram_id == telegram_id
                )
            )
        ).first()
        if row is None or row[0] is None:
            return None
        return row[0], row[1]

    async def many(self, telegram_ids: Iterable[int]) -> dict[int, Person]:
        """The known ones among these people, by id."""
        ids = sorted(set(telegram_ids))
        found: dict[int, Person] = {}
        # Chunked: SQLite caps the number of bound parameters in one statement.
        for start in range(0, len(ids), 500):
            rows = await self._session.scalars(
                select(PersonRow).where(PersonRow.telegram_id.in_(ids[start : start + 500]))
            )
            found.update((row.telegram_id, to_person(row)) for row in rows)
        return found

    async def unreachable_ids(self) -> set[int]:
        """Everyone Telegram currently refuses private messages to."""
        rows = await self._session.scalars(
            select(PersonRow.telegram_id).where(PersonRow.unreachable_at.is_not(None))
        )
        return set(rows)
