"""A worksheet's XML written straight into the .xlsx (zip) as rows come, for the ledgers'
large data sheet (texts/export_workbook.py).

openpyxl's own streaming writer (write-only mode) builds an element per cell and costs about
15 µs a cell on this machine: 30 s for 100,000 rows of 20 columns. Here a row is one f-string
per cell and a page is one write into the zip's deflate stream, about a tenth of that.
openpyxl still writes everything else (the summary sheet, styles, the workbook's parts); this
module writes only `<worksheet>` of one sheet, in the schema's element order: frozen header
pane, column widths, the rows, the auto-filter.

Cells: text as inline strings, XML-escaped (a carriage return as `&#13;`, which a parser would
otherwise turn into a line feed), without the control characters XML 1.0 forbids (Excel
refuses the file otherwise) and cut to Excel's 32,767 characters; numbers and booleans as
values; dates and times as Excel serial days with the date styles the caller registered in
openpyxl's style table."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from math import isfinite
from typing import IO, Any

from openpyxl.utils import get_column_letter

MAX_TEXT = 32_767
"""Excel's limit on a cell's text; longer text is cut, ending with an ellipsis."""

_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_SECONDS_PER_DAY = 86_400.0

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
    "</sheetView></sheetViews>"
    '<sheetFormatPr defaultRowHeight="15"/>'
)


def text(value: str) -> str:
    """`value` as XML character data that an XML parser (Excel, openpyxl) reads back as it
    is, but for the characters XML cannot hold, which are dropped."""
    if len(value) > MAX_TEXT:
        value = value[: MAX_TEXT - 1] + "…"
    if _SPECIAL.search(value) is None:  # nearly every cell: one scan, no copy
        return value
    value = _FORBIDDEN.sub("", value)
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


class SheetStream:
    """Writes one worksheet to `out` (a binary file, such as a zip entry opened for writing):
    `rows` any number of times, then `close` once."""

    def __init__(
        self,
        out: IO[bytes],
        widths: Sequence[float],
        *,
        date_style: int,
        datetime_style: int,
    ) -> None:
        self._out = out
        self._letters = [get_column_letter(n) for n in range(1, len(widths) + 1)]
        self._date = f'" s="{date_style}"><v>'
        self._datetime = f'" s="{datetime_style}"><v>'
        self.written = 0  # rows so far
        cols = "".join(
            f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
            for n, width in enumerate(widths, start=1)
        )
        out.write(f"{_HEAD}<cols>{cols}</cols><sheetData>".encode())

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        """Appends rows of cell values (str, int, float, bool, date, datetime (naive: Excel
        has no time zones) or None for an empty cell), one `write` for all of them."""
        parts: list[str] = []
        add = parts.append
        letters = self._letters
        number = self.written
        for row in rows:
            number += 1
            add(f'<row r="{number}">')
            for letter, value in zip(letters, row, strict=False):
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    add(f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">')
                    add(text(value))
                    add("</t></is></c>")
                elif kind is int or (kind is float and isfinite(value)):
                    add(f'<c r="{letter}{number}"><v>{value!r}</v></c>')
                elif kind is datetime:
                    seconds = (
                        value.hour * 3600 + value.minute * 60 + value.second
                    ) + value.microsecond / 1e6
                    serial = value.toordinal() - _EXCEL_EPOCH + seconds / _SECONDS_PER_DAY
                    add(f'<c r="{letter}{number}{self._datetime}{serial!r}</v></c>')
                elif kind is date:
                    days = value.toordinal() - _EXCEL_EPOCH
                    add(f'<c r="{letter}{number}{self._date}{days}</v></c>')
                elif kind is bool:
                    add(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
                else:
                    add(f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">')
                    add(text(str(value)))
                    add("</t></is></c>")
            add("</row>")
        self.written = number
        self._out.write("".join(parts).encode())

    def close(self, auto_filter: str | None) -> None:
        """Ends the sheet (with an auto-filter over `auto_filter`, such as "A1:T101") and
        closes `out`."""
        tail = f'<autoFilter ref="{auto_filter}"/>' if auto_filter else ""
        self._out.write(
            f"</sheetData>{tail}"
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
            "</worksheet>".encode()
        )
        self._out.close()
