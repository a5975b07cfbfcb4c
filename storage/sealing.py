"""Whole-database work on sealed columns: which key ids are in use, re-sealing under the
current key (`keys rotate` / `keys seal`), and the scan for personal data in clear text.

Re-sealing goes table by table in primary-key order, one transaction per batch, so the bot
keeps running: each row is rewritten only if it still holds what was read (compared as
stored text), so a value the bot changed meanwhile is never overwritten with an older one;
such a row is picked up by the next pass.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    cast,
    func,
    select,
    update,
)

from storage.crypto import ENVELOPE_PREFIX_LENGTH, key_id_of, keyring, phone_index
from storage.db import Database
from storage.models import Base
from storage.sealed import SealedBytes, SealedFloat, SealedJSON, SealedText

CLEAR = "clear"  # the bucket of values written before encryption
_BATCH = 200
_PASSES = 3


def sealed_columns() -> Iterator[tuple[Table, list[Column[Any]]]]:
    for table in Base.metadata.sorted_tables:
        columns = [
            column
            for column in table.columns
            if isinstance(column.type, SealedJSON | SealedText | SealedFloat | SealedBytes)
        ]
        if columns:
            yield table, columns


def _stored_key(raw: str | None) -> str | None:
    """The key id of a value as stored (a JSON column holds the envelope as a JSON string)."""
    if raw is None or raw == "null":  # SQL NULL, or a JSON null written before sealing
        return None
    return key_id_of(raw[1:] if raw.startswith('"') else raw) or CLEAR


async def key_counts(database: Database) -> dict[str, Counter[str]]:
    """Per `table.column`, how many values each key id sealed (CLEAR: not sealed)."""
    counts: dict[str, Counter[str]] = {}
    async with database.session() as session:
        for table, columns in sealed_columns():
            for column in columns:
                # The envelope's prefix has a fixed length, so grouping by it counts key ids
                # in the database instead of carrying every value here.
                prefix = func.substr(cast(column, Text), 1, ENVELOPE_PREFIX_LENGTH + 1)
                rows = await session.execute(
                    select(prefix, func.count()).where(column.is_not(None)).group_by(prefix)
                )
                found: Counter[str] = Counter()
                for stored, count in rows:
                    found[_stored_key(stored) or CLEAR] += int(count)
                counts[f"{table.name}.{column.name}"] = found
    return counts


def missing_keys(counts: dict[str, Counter[str]], known: set[str]) -> dict[str, list[str]]:
    """Key ids the data uses but `known` lacks, with the columns that use them."""
    missing: dict[str, list[str]] = {}
    for where, found in counts.items():
        for kid in found:
            if kid != CLEAR and kid not in known:
                missing.setdefault(kid, []).append(where)
    return missing


@dataclass
class ResealReport:
    rows: int = 0
    passes: int = 0
    left: int = 0  # rows changed by someone else in the last pass; a later run takes them


def _primary_key(table: Table) -> Column[Any]:
    (key,) = table.primary_key.columns
    return key


async def reseal(
    database: Database,
    *,
    batch: int = _BATCH,
    progress: Callable[[str, int], None] | None = None,
) -> ResealReport:
    """Rewrite every sealed value not under the current key (clear ones included) with it."""
    report = ResealReport()
    for _ in range(_PASSES):
        report.passes += 1
        changed = skipped = 0
        for table, columns in sealed_columns():
            done, lost = await _reseal_table(database, table, columns, batch)
            changed += done
            skipped += lost
            if progress is not None and done:
                progress(table.name, done)
        report.rows += changed
        report.left = skipped
        if not skipped:
            break
    return report


async def _reseal_table(
    database: Database, table: Table, columns: Sequence[Column[Any]], batch: int
) -> tuple[int, int]:
    key = _primary_key(table)
    index = table.c.get("phone_index")
    raws = [cast(column, Text).label(f"raw_{column.name}") for column in columns]
    after: Any = None
    changed = lost = 0
    while True:
        current = keyring().current
        async with database.transaction() as session:
            query = select(key, *columns, *raws).order_by(key).limit(batch)
            if index is not None:
                query = query.add_columns(index)
            if after is not None:
                query = query.where(key > after)
            rows = (await session.execute(query)).all()
            if not rows:
                return changed, lost
            after = rows[-1][0]
            for row in rows:
                stored = [row[1 + len(columns) + i] for i in range(len(columns))]
                values: dict[str, Any] = {}
                if any(_stored_key(raw) not in (None, current) for raw in stored):
                    values = {c.name: row[1 + i] for i, c in enumerate(columns)}
                phone = _phone_of(row[1]) if index is not None and row[-1] is None else None
                if phone:
                    values["phone_index"] = phone_index(phone)
                if not values:
                    continue
                unchanged: list[ColumnElement[bool]] = [
                    cast(column, Text).is_(None) if raw is None else cast(column, Text) == raw
                    for column, raw in zip(columns, stored, strict=True)
                ]
                result = await session.execute(
                    update(table).where(key == row[0], and_(*unchanged)).values(values)
                )
                if getattr(result, "rowcount", 1):
                    changed += 1
                else:
                    lost += 1


def _phone_of(answers: Any) -> str | None:
    phone = answers.get("phone") if isinstance(answers, dict) else None
    return phone if isinstance(phone, str) and phone else None


# --- privacy check ----------------------------------------------------------------------------


async def scan_clear(
    database: Database, patterns: Sequence[re.Pattern[str]], *, batch: int = 1000
) -> list[tuple[str, str, int]]:
    """`(table, column, rows)` for every text-like column whose stored text matches one of
    `patterns`: read raw (sealed values as their envelopes), so that only what an attacker
    with the database alone would see is judged."""
    found: list[tuple[str, str, int]] = []
    async with database.session() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                # Numbers, dates and flags hold Telegram ids and times, never typed text.
                if not isinstance(column.type, String | JSON | TypeDecorator):
                    continue
                if isinstance(column.type, TypeDecorator) and not isinstance(
                    column.type.impl_instance, String | JSON
                ):
                    continue
                hits = 0
                values = await session.stream_scalars(
                    select(cast(column, Text))
                    .where(column.is_not(None))
                    .execution_options(yield_per=batch)
                )
                async for value in values:
                    if any(pattern.search(str(value)) for pattern in patterns):
                        hits += 1
                if hits:
                    found.append((table.name, column.name, hits))
    return found
