"""The ledgers' streamed data sheet (texts/xlsx_stream.py via texts/export_workbook.py): text
that XML or Excel treat specially reads back exactly with openpyxl, characters XML cannot hold
are dropped, text over Excel's cell limit is cut, and the sheet keeps its frozen header,
filter, widths and date cells. No database: a ledger of fixed rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from domain.exports import ExportKind, ExportScope
from domain.org import Language
from domain.periods import Period
from services.exports.ledger import Column, Ledger, Row
from texts.export_workbook import Footer, write_ledger
from texts.i18n import Translator
from texts.xlsx_stream import MAX_TEXT, text

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=ZONE)
EN = Translator(Language.EN)
SCOPE = ExportScope(ExportKind.DECLARATIONS, "xian", Period(date(2026, 12, 1), date(2026, 12, 6)))
COLUMNS = (Column("resident", 12), Column("address", 24), Column("submitted", 18),
           Column("measure-start", 12), Column("number", 8))  # fmt: skip

AWKWARD = [
    "<b>Tom & Jerry</b> > \"quoted\" 'single' ]]> &amp; &#13;",
    "  leading and trailing spaces  ",
    "line one\nline two\r\nwindows\rmac\tand a tab",
    "张三（东关村）🙂 emoji and 中文",
    "_x0041_ looks like Excel's escape",
    "x" * MAX_TEXT,  # exactly the limit
]


def ledger_of(rows: list[Row]) -> Ledger:
    async def pages() -> AsyncIterator[list[Row]]:
        for start in range(0, len(rows), 2):  # pages of two rows
            ledger.rows += len(rows[start : start + 2])
            yield rows[start : start + 2]

    ledger = Ledger(SCOPE, "示范县", COLUMNS, pages())
    return ledger


async def write(rows: list[Row], path: Path) -> int:
    return await write_ledger(EN, ZONE, ledger_of(rows), Footer("王主任", NOW, False), path)


async def test_awkward_text_reads_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    rows: list[Row] = [(value, None, None, None, n) for n, value in enumerate(AWKWARD)]
    assert await write(rows, path) == len(AWKWARD)
    sheet = load_workbook(path).worksheets[1]
    found = [row[0] for row in sheet.iter_rows(min_row=2, max_row=len(AWKWARD) + 1,
                                                 values_only=True)]  # fmt: skip
    assert found == AWKWARD
    assert [sheet.cell(n + 2, 5).value for n in range(len(AWKWARD))] == list(range(len(AWKWARD)))


async def test_characters_xml_cannot_hold_are_dropped_and_long_text_is_cut(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.xlsx"
    control = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\ud800i"
    rows: list[Row] = [(control, "y" * (MAX_TEXT + 5000), None, None, 1)]
    assert await write(rows, path) == 1
    sheet = load_workbook(path).worksheets[1]
    assert sheet["A2"].value == "abcdefghi"
    long = sheet["B2"].value
    assert len(long) == MAX_TEXT
    assert long == "y" * (MAX_TEXT - 1) + "…"


async def test_the_streamed_sheet_keeps_header_filter_widths_dates_and_footer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.xlsx"
    submitted = datetime(2026, 12, 2, 9, 30, 15)
    rows: list[Row] = [
        ("居民一", "东关村", submitted, date(2026, 12, 3), 1),
        ("居民二", None, datetime(2026, 12, 4, 23, 59, 59), None, 2.5),
        ("居民三", "", None, date(2026, 12, 6), True),
    ]
    assert await write(rows, path) == 3
    book = load_workbook(path)
    assert book.sheetnames == [EN("export-sheet-summary"), EN("export-sheet-declarations")]
    sheet = book.worksheets[1]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E4"
    assert [sheet.column_dimensions[c].width for c in "ABCDE"] == [12, 24, 18, 12, 8]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(EN(f"export-col-{c.key}") for c in COLUMNS)
    assert values[1] == ("居民一", "东关村", submitted, datetime(2026, 12, 3), 1)
    assert values[2] == ("居民二", None, datetime(2026, 12, 4, 23, 59, 59), None, 2.5)
    assert values[3][:2] == ("居民三", "")
    assert values[3][4] is True
    assert sheet["C2"].is_date
    assert sheet["D2"].is_date
    assert sheet["C2"].number_format == "yyyy-mm-dd h:mm:ss"
    assert sheet["D2"].number_format == "yyyy-mm-dd"
    assert values[4] == (None,) * 5
    assert values[5][:4] == (EN("export-footer-by"), "王主任", EN("export-footer-at"),
                             datetime(2026, 12, 6, 20))  # fmt: skip
    assert book.worksheets[0]["B5"].value == 3  # the summary's row count


async def test_a_failed_read_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"

    async def pages() -> AsyncIterator[list[Row]]:
        yield [("居民一", None, None, None, 1)]
        raise OSError("disk gone")

    ledger = Ledger(SCOPE, "示范县", COLUMNS, pages())
    with pytest.raises(OSError, match="disk gone"):
        await write_ledger(EN, ZONE, ledger, Footer("王主任", NOW, False), path)
    assert not path.exists()


def test_plain_text_is_not_copied() -> None:
    value = "张三 plain text"
    assert text(value) is value
    assert text("a<b&c>d\re") == "a&lt;b&amp;c&gt;d&#13;e"
