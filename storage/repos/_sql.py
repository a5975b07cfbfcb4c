"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Result, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from domain.org import UnknownUnitError
from storage.models import Base, UnitRow

Upsert = postgresql.Insert | sqlite.Insert


def upsert(session: AsyncSession | Session, model: type[Base]) -> Upsert:
    """An INSERT that accepts ON CONFLICT clauses; both dialects spell them the same way.

    ON CONFLICT is used instead of catching IntegrityError because a failed statement aborts
    the whole PostgreSQL transaction the caller is still using.
    """
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def rowcount(result: Result[Any]) -> int:
    # UPDATE and DELETE results are cursor results; the generic signature just does not say so.
    return cast(CursorResult[Any], result).rowcount


async def unit_id(session: AsyncSession, code: str) -> int:
    found = await session.scalar(select(UnitRow.id).where(UnitRow.code == code))
    if found is None:
        raise UnknownUnitError(code)
    return found
