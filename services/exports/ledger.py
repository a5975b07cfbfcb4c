"""What a ledger is before it is a file: its columns, its rows a page at a time, and the counts
its summary sheet shows. Language-free: cells that read differently per language are keys or
domain values, which texts/export_workbook.py renders in the reader's language."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.declarations import Origin
from domain.exports import ExportScope
from domain.forms import FormField, FormSpec


@dataclass(frozen=True, slots=True)
class Label:
    """A cell whose text is the catalog message `key`."""

    key: str


@dataclass(frozen=True, slots=True)
class Answer:
    """A declaration answer as the dialog's summary shows it (a step and its stored value)."""

    step: str
    value: Any


@dataclass(frozen=True, slots=True)
class OriginCell:
    origin: Origin


Cell = str | int | float | date | datetime | Label | Answer | OriginCell | None
Row = tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Column:
    """A header: the catalog key `export-col-{key}`, or a report form's field."""

    key: str
    width: int = 14
    form: FormSpec | None = None
    field: FormField | None = None


@dataclass(slots=True)
class Ledger:
    """A ledger being read: iterate `pages` once; `summary` (label key -> count, in the order
    first met) and `totals` (column key -> sum) fill in as the pages are read."""

    scope: ExportScope
    unit_name: str
    columns: tuple[Column, ...]
    pages: AsyncIterator[list[Row]]
    summary: Counter[str] = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)
    rows: int = 0


Masker = Callable[[str], bool]
"""unit code -> whether its phone and ID numbers are shown in full."""


async def nothing() -> AsyncIterator[list[Row]]:
    """No pages: a ledger's placeholder until its reader is attached."""
    return
    yield  # makes this an async generator
