"""A ledger (services/exports) written as .xlsx in the reader's language: a summary sheet
first, then the rows with a frozen header row, filters and set column widths; dates and times
as real Excel dates in the local time zone; a footer row 导出人 / 导出时间 / 范围 (exporter,
exported at, scope) under each sheet.

The data sheet's rows are streamed into the file's zip as they come (texts/xlsx_stream.py:
openpyxl's own writer costs ~15 µs a cell, too slow for 100,000 rows), so memory stays flat
however many rows there are; openpyxl writes the rest (summary sheet, styles, workbook) when
the rows are done. Each page is rendered and written in a worker thread (`write_ledger`), so
the event loop keeps serving other chats while a large export is written."""

from __future__ import annotations

import asyncio
import contextlib
import io
import typing
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.exports.ledger import Column, Ledger, Row
from services.gc_pause import collection_paused
from texts.export_cells import AS_IS, CellText, plain
from texts.form_labels import field_label
from texts.i18n import Translator
from texts.xlsx_stream import SheetStream

_DATA_PART = "xl/worksheets/sheet2.xml"
# zlib's fastest level: the file is about a third larger than at the default level (6), and
# compressing takes a third of the time.
_LEVEL = 1

Progress = Callable[[int], Awaitable[None]]
"""Called with the rows written so far after each page."""


@dataclass(frozen=True, slots=True)
class Footer:
    exporter: str  # a name, or the command line's note
    at: datetime  # timezone-aware
    full_numbers: bool  # whether any phone or ID number is shown in full


def _style_id(sheet: Worksheet, value: date) -> int:
    """The index in the workbook's cell styles of openpyxl's style for `value` (a date, or a
    date and time), registered now so that the streamed rows may use it; the cell used to
    find it is removed (the style stays in the table)."""
    cell = sheet.cell(row=2, column=1, value=value)
    found = cell.style_id
    del sheet._cells[(2, 1)]
    return found


class LedgerBook:
    """The workbook being written to `path`: `add` pages of rows, then `finish` once (or
    `abort`, which removes the file)."""

    def __init__(self, tr: Translator, zone: ZoneInfo, ledger: Ledger, path: Path) -> None:
        self._tr, self._ledger, self._path = tr, ledger, path
        self.cells = CellText(tr, zone)
        # openpyxl keeps the workbook (the summary sheet, styles, the workbook's own parts),
        # which is small; the data sheet's rows go straight into the zip (texts/xlsx_stream).
        self._book = Workbook()
        # The first sheet is a new workbook's only one.
        self._summary = typing.cast(Worksheet, self._book.active)
        self._summary.title = self.cells.label("export-sheet-summary")
        self._summary.column_dimensions["A"].width = 24
        self._summary.column_dimensions["B"].width = 30
        self._summary.column_dimensions["C"].width = 14
        sheet = f"export-sheet-{ledger.scope.kind.value}"
        self._rows = self._book.create_sheet(self.cells.label(sheet)[:31])
        self._rows.freeze_panes = "A2"
        widths = [column.width for column in ledger.columns]
        for index, width in enumerate(widths, start=1):
            self._rows.column_dimensions[get_column_letter(index)].width = width
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL)
        try:
            self._stream = SheetStream(
                self._zip.open(_DATA_PART, "w"),
                widths,
                date_style=_style_id(self._rows, date(2000, 1, 1)),
                datetime_style=_style_id(self._rows, datetime(2000, 1, 1, 12)),
            )
            self._stream.rows([[self.header(column) for column in ledger.columns]])
        except BaseException:
            self.abort()
            raise

    def header(self, column: Column) -> str:
        if column.form is not None and column.field is not None:
            return field_label(self._tr, column.form, column.field)
        return self.cells.label(f"export-col-{column.key}")

    def add(self, rows: list[Row]) -> None:
        render, as_is = self.cells, AS_IS
        # Most cells are written as they are: the type test here saves a call per cell.
        self._stream.rows(
            [[cell if type(cell) in as_is else render(cell) for cell in row] for row in rows]
        )

    def finish(self, footer: Footer) -> None:
        written = self._stream.written  # the header and the rows
        last = get_column_letter(len(self._ledger.columns))
        self._rows.auto_filter.ref = f"A1:{last}{written}"
        self._stream.rows([[], self._footer(footer)])
        self._stream.close(self._rows.auto_filter.ref)
        for line in self._summary_lines(footer):
            self._summary.append(line)
        self._summary.append([])
        self._summary.append(self._footer(footer))
        made = io.BytesIO()
        self._book.save(made)
        # The data sheet's part as openpyxl names it (the second sheet: sheet2.xml).
        assert self._rows.path.lstrip("/") == _DATA_PART
        with zipfile.ZipFile(made) as parts:
            for item in parts.infolist():
                if item.filename != _DATA_PART:
                    self._zip.writestr(item, parts.read(item), zipfile.ZIP_DEFLATED)
        self._zip.close()

    def abort(self) -> None:
        """After a failure: no half-written file is left at the path."""
        with contextlib.suppress(Exception):
            self._zip.close()
        self._path.unlink(missing_ok=True)

    def _footer(self, footer: Footer) -> list[Any]:
        scope = self._ledger.scope
        first, last = scope.period.first.isoformat(), scope.period.last.isoformat()
        # As texts.period_keyboards.period_label says it (that module brings aiogram).
        period = first if first == last else self._tr("period-range", first=first, last=last)
        where = f"{self._ledger.unit_name}（{scope.unit_code}） {period}"
        label = self.cells.label
        return [
            label("export-footer-by"),
            footer.exporter,
            label("export-footer-at"),
            self.cells(footer.at),
            label("export-footer-scope"),
            plain(where),
        ]

    def _summary_lines(self, footer: Footer) -> list[list[Any]]:
        ledger, label = self._ledger, self.cells.label
        scope = ledger.scope
        lines: list[list[Any]] = [
            [label(f"export-title-{scope.kind.value}")],
            [label("export-summary-unit"), ledger.unit_name, scope.unit_code],
            [label("export-summary-from"), scope.period.first],
            [label("export-summary-to"), scope.period.last],
            [label("export-summary-rows"), ledger.rows],
            [
                label("export-summary-numbers"),
                label("export-numbers-full" if footer.full_numbers else "export-numbers-masked"),
            ],
            [],
            [label("export-summary-counts")],
        ]
        lines += [[label(key), count] for key, count in ledger.summary.items()]
        columns = {c.key: c for c in ledger.columns}
        if ledger.totals:
            lines += [[], [label("export-summary-totals")]]
            lines += [[self.header(columns[key]), total] for key, total in ledger.totals.items()]
        return lines


async def write_ledger(
    tr: Translator,
    zone: ZoneInfo,
    ledger: Ledger,
    footer: Footer,
    path: Path,
    progress: Progress | None = None,
) -> int:
    """Read the ledger's pages and write them to `path` (nothing is written when there are no
    rows: the caller says so instead of sending an empty file). Returns the rows written."""
    # Every page makes some 50,000 short-lived objects (rows, cells, decoded answers) with
    # no cycles among them; the cycle collector walking them costs a sixth of a large export
    # (services/gc_pause.py).
    with collection_paused():
        return await _write(tr, zone, ledger, footer, path, progress)


async def _write(
    tr: Translator,
    zone: ZoneInfo,
    ledger: Ledger,
    footer: Footer,
    path: Path,
    progress: Progress | None,
) -> int:
    book: LedgerBook | None = None  # made with the first row: no rows, no temporary files
    # One page is written while the next is read (the database driver and zlib release the
    # GIL); pages are written in order, one at a time.
    writing: asyncio.Future[None] | None = None
    try:
        async for page in ledger.pages:
            if not page:
                continue
            if book is None:
                book = await asyncio.to_thread(LedgerBook, tr, zone, ledger, path)
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(asyncio.to_thread(book.add, page))
            if progress is not None:
                await progress(ledger.rows)
        if writing is not None:
            await writing
        if book is not None:
            await asyncio.to_thread(book.finish, footer)
    except BaseException:
        # A failed read leaves no page being written behind it (nor its error unread), and
        # no half-written file.
        if writing is not None and not writing.done():
            await asyncio.wait([writing])
        if book is not None:
            await asyncio.to_thread(book.abort)
        raise
    return ledger.rows
