"""The risk-area list as a CSV file: decoding, reading and checking it line by line, with a
problem naming its line and column for each fault."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from domain import regions
from domain.declarations import RiskLevel
from domain.regions import Region
from domain.risk_areas import (
    RiskArea,
)

#
# The list comes from the office as a spreadsheet export. The whole file is checked before
# anything is loaded and every problem is reported with its line, so one upload shows the
# office everything to fix. Problems are message keys with parameters: the handler and the CLI
# render them in the reader's language.

MAX_FILE_BYTES = 512 * 1024  # 5,000 rows of code, level and two dates fit in a tenth of it
MAX_ROWS = 5000
MAX_FIELD_CHARS = 200  # longer than any division name with its province and city

REGION, LEVEL, FROM, TO = "region", "level", "effective_from", "effective_to"
COLUMNS = (REGION, LEVEL, FROM, TO)
_REQUIRED = (REGION, LEVEL, FROM)
_HEADER_NAMES = {
    "region": REGION,
    "地区": REGION,
    "level": LEVEL,
    "风险等级": LEVEL,
    "effective_from": FROM,
    "生效日期": FROM,
    "effective_to": TO,
    "截止日期": TO,
}
_LEVEL_NAMES = {
    "high": RiskLevel.HIGH,
    "高": RiskLevel.HIGH,
    "高风险": RiskLevel.HIGH,
    "mid": RiskLevel.MID,
    "中": RiskLevel.MID,
    "中风险": RiskLevel.MID,
}
_LOW_NAMES = frozenset({"low", "低", "低风险"})
_CODE = re.compile(r"\d{6}")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab and line breaks stay
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One thing wrong with the file: a message key `risk-csv-…` and its parameters."""

    line: int  # 1-based line of the file; 0: the file as a whole
    key: str
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ParsedList:
    areas: tuple[RiskArea, ...] = ()
    problems: tuple[CsvProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def decode_csv(data: bytes) -> str | CsvProblem:
    """The file's text (UTF-8, with or without a byte-order mark), or why it cannot be read."""
    if len(data) > MAX_FILE_BYTES:
        return CsvProblem(0, "risk-csv-too-large", {"limit_kb": MAX_FILE_BYTES // 1024})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CsvProblem(0, "risk-csv-not-utf8")
    # Control characters (a NUL from a broken export) are no part of a place name or a date.
    return _CONTROL.sub("", text)


def parse_csv(text: str) -> ParsedList:
    """The areas of a list file, or every problem in it (and then no areas at all).

    Columns (a header row names them, in any order, in English or Chinese): region (6-digit
    division code, or a name that fits exactly one division), level (high/mid, 高/中,
    高风险/中风险), effective_from (YYYY-MM-DD) and optionally effective_to (inclusive).
    Comma- or tab-separated. A header alone is a valid, empty list: every area lifted.
    """
    if len(text) > MAX_FILE_BYTES:
        return _failed(CsvProblem(0, "risk-csv-too-large", {"limit_kb": MAX_FILE_BYTES // 1024}))
    lines = text.removeprefix("\ufeff").splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        return _failed(CsvProblem(0, "risk-csv-empty"))
    delimiter = "\t" if "\t" in lines[header_at] else ","
    reader = csv.reader(lines[header_at:], delimiter=delimiter)
    try:
        columns = _columns(next(reader), header_at + 1)
        if isinstance(columns, CsvProblem):
            return _failed(columns)
        rows = [(header_at + reader.line_num, row) for row in reader if any(f.strip() for f in row)]
    except csv.Error as error:
        return _failed(
            CsvProblem(header_at + reader.line_num, "risk-csv-malformed", {"detail": str(error)})
        )
    if len(rows) > MAX_ROWS:
        return _failed(
            CsvProblem(0, "risk-csv-too-many-rows", {"limit": MAX_ROWS, "rows": len(rows)})
        )
    problems: list[CsvProblem] = []
    found: list[tuple[int, RiskArea]] = []
    resolved: dict[str, Region | CsvProblem] = {}  # lists repeat names; matching costs ~1 ms
    for line, row in rows:
        area = _area(line, row, columns, resolved)
        if isinstance(area, RiskArea):
            found.append((line, area))
        else:
            problems.extend(area)
    problems.extend(_overlaps(found))
    if problems:
        return ParsedList(problems=tuple(sorted(problems, key=lambda p: p.line)))
    return ParsedList(areas=tuple(area for _, area in found))


def _failed(problem: CsvProblem) -> ParsedList:
    return ParsedList(problems=(problem,))


def _columns(header: list[str], line: int) -> dict[str, int] | CsvProblem:
    columns: dict[str, int] = {}
    for position, raw in enumerate(header):
        name = raw.strip().lower().replace(" ", "_")
        if not name:
            continue
        column = _HEADER_NAMES.get(name)
        if column is None:
            return CsvProblem(
                line, "risk-csv-unknown-column", {"column": raw.strip()[:40], "expected": _EXPECTED}
            )
        if column in columns:
            return CsvProblem(line, "risk-csv-duplicate-column", {"column": raw.strip()})
        columns[column] = position
    missing = [column for column in _REQUIRED if column not in columns]
    if missing:
        return CsvProblem(
            line, "risk-csv-missing-column", {"column": ", ".join(missing), "expected": _EXPECTED}
        )
    return columns


_EXPECTED = "region, level, effective_from, effective_to (地区,风险等级,生效日期,截止日期)"


def _area(
    line: int, row: list[str], columns: Mapping[str, int], resolved: dict[str, Region | CsvProblem]
) -> RiskArea | list[CsvProblem]:
    def cell(column: str) -> str:
        position = columns.get(column)
        return row[position].strip() if position is not None and position < len(row) else ""

    used = max(columns.values()) + 1
    if any(value.strip() for value in row[used:]):
        return [CsvProblem(line, "risk-csv-extra-fields", {"expected": used, "found": len(row)})]
    region = _region(line, cell(REGION), resolved)
    level = _level(line, cell(LEVEL))
    start = _date(line, FROM, cell(FROM))
    end = _date(line, TO, cell(TO)) if cell(TO) else None
    if (
        isinstance(region, Region)
        and isinstance(level, RiskLevel)
        and isinstance(start, date)
        and not isinstance(end, CsvProblem)
    ):
        if end is not None and end < start:
            dates = {"start": start.isoformat(), "end": end.isoformat()}
            return [CsvProblem(line, "risk-csv-date-order", dates)]
        return RiskArea(region.code, level, start, end, regions.full_name(region.code))
    return [value for value in (region, level, start, end) if isinstance(value, CsvProblem)]


def _region(line: int, text: str, resolved: dict[str, Region | CsvProblem]) -> Region | CsvProblem:
    if not text:
        return CsvProblem(line, "risk-csv-region-missing")
    if len(text) > MAX_FIELD_CHARS:
        return CsvProblem(line, "risk-csv-no-region", {"region": text[:40] + "…"})
    if text not in resolved:
        resolved[text] = _resolve(text)
    found = resolved[text]
    if isinstance(found, CsvProblem):
        return CsvProblem(line, found.key, found.params)
    return found


def _resolve(text: str) -> Region | CsvProblem:
    if _CODE.fullmatch(text):
        region = regions.get(text)
        return region or CsvProblem(0, "risk-csv-unknown-code", {"code": text})
    typed = _compact(text)
    known = _by_qualified_name().get(typed, ())
    if len(known) == 1:  # the usual case for an official list: no fuzzy matching needed
        return known[0]
    candidates = regions.match(text, limit=6)
    # The full name (北京市朝阳区, or 朝阳区 alone when only one 朝阳区 exists) settles it even
    # when looser matches exist too (长沙市 also fits 长沙县 by its short name).
    exact = [region for region in candidates if typed in _qualified_names(region.code)]
    if len(exact) == 1:
        return exact[0]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return CsvProblem(0, "risk-csv-no-region", {"region": text})
    listed = "; ".join(
        f"{regions.full_name(region.code)} {region.code}" for region in (exact or candidates)
    )
    return CsvProblem(0, "risk-csv-ambiguous", {"region": text, "candidates": listed})


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@cache
def _by_qualified_name() -> dict[str, tuple[Region, ...]]:
    """Every division under each of its qualified names (see _qualified_names)."""
    found: dict[str, list[Region]] = {}
    pending = regions.provinces()
    while pending:
        region = pending.pop()
        for name in _qualified_names(region.code):
            found.setdefault(name, []).append(region)
        pending.extend(regions.children(region.code))
    return {name: tuple(items) for name, items in found.items()}


def _qualified_names(code: str) -> set[str]:
    """朝阳区, 北京市朝阳区; 江汉区, 武汉市江汉区, 湖北省武汉市江汉区."""
    names = [region.name for region in regions.path(code)]
    return {"".join(names[start:]) for start in range(len(names))}


def _level(line: int, text: str) -> RiskLevel | CsvProblem:
    value = text.strip().lower()
    if not value:
        return CsvProblem(line, "risk-csv-level-missing")
    if value in _LOW_NAMES:
        return CsvProblem(line, "risk-csv-low-level")
    level = _LEVEL_NAMES.get(value)
    return level or CsvProblem(line, "risk-csv-bad-level", {"level": text[:40]})


def _date(line: int, column: str, text: str) -> date | CsvProblem:
    if not text:
        return CsvProblem(line, "risk-csv-date-missing", {"column": column})
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return CsvProblem(line, "risk-csv-bad-date", {"column": column, "value": text[:40]})


def _overlaps(found: Sequence[tuple[int, RiskArea]]) -> list[CsvProblem]:
    """The same region listed twice for overlapping days: which entry is meant is unclear."""
    problems: list[CsvProblem] = []
    by_code: dict[str, list[tuple[int, RiskArea]]] = {}
    for line, area in found:
        for other_line, other in by_code.get(area.region_code, ()):
            if area.in_effect(other.effective_from, other.effective_to or date.max):
                problems.append(
                    CsvProblem(
                        line, "risk-csv-overlap", {"region": area.name, "other_line": other_line}
                    )
                )
                break
        by_code.setdefault(area.region_code, []).append((line, area))
    return problems
