"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import Executable, Result, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from domain.org import UnknownUnitError
from storage.models import Base, UnitRow

Upsert = postgresql.Insert | sqlite.Insert
_Statement = TypeVar("_Statement", bound=Executable)


def upsert(session: AsyncSession | Session, model: type[Base] | Table) -> Upsert:
    """An INSERT that accepts ON CONFLICT clauses; both dialects spell them the same way.

    ON CONFLICT is used instead of catching IntegrityError because a failed statement aborts
    the whole PostgreSQL transaction the caller is still using.
    """
    return upsert_in(session.get_bind().dialect.name, model)


def upsert_in(dialect: str, model: type[Base] | Table) -> Upsert:
    if dialect == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def table_of(model: type[Base]) -> Table:
    """The model's table, for Core statements (cheaper to run than ORM ones)."""
    return cast(Table, model.__table__)


_prepared: dict[tuple[str, str], Executable] = {}


def prepared(
    session: AsyncSession | Session, name: str, build: Callable[[str], _Statement]
) -> _Statement:
    """The statement `build` makes for the session's dialect, built once and kept.

    For the statements every update runs: written with bind parameters and built once, SQLAlchemy
    finds their compiled form without building and hashing the statement again each time.
    """
    dialect = session.get_bind().dialect.name
    statement = _prepared.get((name, dialect))
    if statement is None:
        statement = _prepared[(name, dialect)] = build(dialect)
    return cast(_Statement, statement)


def rowcount(result: Result[Any]) -> int:
    # UPDATE and DELETE results are cursor results; the generic signature just does not say so.
    return cast(CursorResult[Any], result).rowcount


async def unit_id(session: AsyncSession, code: str) -> int:
    found = await session.scalar(select(UnitRow.id).where(UnitRow.code == code))
    if found is None:
        raise UnknownUnitError(code)
    return found
