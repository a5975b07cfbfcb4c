"""Division names in Latin letters: the spellings a typed place is matched against, and the
English names shown to English speakers. Nothing here is typed by hand but the few official
English names that are not pinyin (`ENGLISH_NAMES`).

Readings come from data. A name's reading is CC-CEDICT's where that dictionary lists the name
(shipped by the `pypinyin-dict` package), because it has the readings places go by: 长宁
Chángníng, 闵行 Mǐnháng, 朝阳 Cháoyáng, 长治 Chángzhì. pypinyin's general-language phrase data
reads about 80 of the 3,213 names otherwise (Zhǎngníng, Mǐnxíng, Zhāoyáng, and 都 as dōu in
成都-like names), so it is the fallback, reading the full name so that the suffix gives
context (朝阳区 cháoyáng). For matching, every reading either source gives for each character is
accepted too, when the combinations stay few, so that a spelling from either is understood.

English names: provinces and prefecture-level cities named 市 go by their name alone, as in
English usage (Hubei, Wuhan, Beijing); every other division adds its type (Jiang'an District,
Xiantao City, Enshi Autonomous Prefecture, Shennongjia Forestry District). The name is the
pinyin of the short name, one word, capitalised, with an apostrophe before a syllable that
begins with a, o or e (the Hanyu Pinyin orthography rule: Xi'an, Jiang'an).
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from pypinyin import Style, lazy_pinyin, pinyin

from domain import regions
from domain.regions import Level, Region, RegionDataError

CEDICT_PACKAGE: Final = "pypinyin_dict.phrase_pinyin_data"
_CEDICT_GLOB: Final = "cc_cedict_*.py"
# One entry a line in the package's generated data files: `    '长治': [['cháng'], ['zhì']],`
_CEDICT_LINE: Final = re.compile(r"^    '([^'\\]+)': (\[.*\]),$", re.MULTILINE)
# Above this many combinations of readings only the names' own readings are matched: a few
# long names of many polyphonic characters would otherwise add thousands of spellings.
MAX_VARIANTS: Final = 16

# Tiers of a spelling: the name's own reading, or another reading of one of its characters.
READING: Final = 0
VARIANT: Final = 1

# Official English names that are not the pinyin of the Chinese name (those the governments
# concerned use in English; "Shaanxi" is the spelling that tells 陕西 from 山西 Shanxi). The
# first is shown; the Chinese name is there so that a test can check the code.
ENGLISH_NAMES: Final = (
    ("150000", "内蒙古自治区", ("Inner Mongolia",)),
    ("540000", "西藏自治区", ("Tibet",)),
    ("610000", "陕西省", ("Shaanxi",)),
    ("810000", "香港特别行政区", ("Hong Kong",)),
    ("820000", "澳门特别行政区", ("Macao", "Macau")),
    ("230100", "哈尔滨市", ("Harbin",)),
    ("150100", "呼和浩特市", ("Hohhot",)),
    ("650100", "乌鲁木齐市", ("Urumqi",)),
    ("540100", "拉萨市", ("Lhasa",)),
)

# A division's type by the end of its Chinese name, longest first, and its English name.
TYPE_NAMES: Final = (
    ("特别行政区", "Special Administrative Region"),
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("新区", "New Area"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("省", "Province"),
    ("市", "City"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
)
_APOSTROPHE_BEFORE: Final = frozenset("aoe")


@dataclass(frozen=True, slots=True)
class _Romanized:
    spellings: dict[str, dict[str, int]]  # folded spelling → {code: tier}
    english: dict[str, str]  # code → English name


def fold(text: str) -> str:
    """Letters only, lower case, without tone marks, ü and v as u: the form spellings are
    compared in (Wǔhàn, WU-HAN and wuhan are one; Lüliang, Lvliang and Luliang too)."""
    stripped = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    return re.sub(r"[^a-z]", "", stripped.casefold().replace("v", "u"))


def _untoned(syllable: str) -> str:
    """A syllable without its tone mark, keeping ü (lǜ → lü; pypinyin's lv → lü)."""
    decomposed = unicodedata.normalize("NFD", syllable.lower().replace("v", "ü"))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0308")
    return unicodedata.normalize("NFC", kept)


def _cedict_readings(names: set[str]) -> dict[str, list[list[str]]]:
    """CC-CEDICT's readings of those of `names` it lists, one list of readings a character.

    Importing the package's modules would build its whole 105,000-entry dictionary (about
    270 MB and two seconds) for a few thousand names, so its generated data files are read
    as text and only the lines of those names are evaluated.
    """
    spec = importlib.util.find_spec(CEDICT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RegionDataError(f"package {CEDICT_PACKAGE!r} is not installed")
    found: dict[str, list[list[str]]] = {}
    for location in spec.submodule_search_locations:
        for path in sorted(Path(location).glob(_CEDICT_GLOB)):
            for line in _CEDICT_LINE.finditer(path.read_text(encoding="utf-8")):
                name = line.group(1)
                if name in names:
                    readings = ast.literal_eval(line.group(2))
                    if len(readings) == len(name):
                        found[name] = readings
    if not found:
        raise RegionDataError(f"package {CEDICT_PACKAGE!r} has no readings in the form expected")
    return found


def _all_regions() -> Iterator[Region]:
    pending = regions.provinces()
    while pending:
        region = pending.pop()
        yield region
        pending.extend(regions.children(region.code))


def _base(region: Region) -> str:
    """The name without its type: the data's short name, else the full name less its suffix."""
    short = regions.short_name(region.code)
    if short:
        return short
    for suffix, _ in TYPE_NAMES:
        if region.name.endswith(suffix) and len(region.name) > len(suffix):
            return region.name[: -len(suffix)]
    return region.name


def _reading(name: str, cedict: Mapping[str, list[list[str]]]) -> list[str]:
    """The name's reading, one untoned syllable a character."""
    listed = cedict.get(name)
    if listed:
        return [_untoned(readings[0]) for readings in listed]
    return [_untoned(syllable) for syllable in lazy_pinyin(name, style=Style.NORMAL)]


def _variants(name: str, cedict: Mapping[str, list[list[str]]]) -> set[str]:
    """Every combination of the readings the sources know for each character (folded);
    empty when there would be more than MAX_VARIANTS."""
    per_char = [set(readings) for readings in pinyin(name, style=Style.NORMAL, heteronym=True)]
    if len(per_char) != len(name):
        return set()
    for position, listed in enumerate(cedict.get(name, ())):
        per_char[position].update(_untoned(reading) for reading in listed)
    if math.prod(len(readings) for readings in per_char) > MAX_VARIANTS:
        return set()
    return {fold("".join(combination)) for combination in itertools.product(*per_char)}


def spellings(name: str) -> set[str]:
    """The folded spellings of a Chinese name by pypinyin alone, every reading combined when
    they stay few (for the names of transport hubs, which are no divisions)."""
    return _variants(name, {}) | {fold("".join(_reading(name, {})))}


def _english(region: Region, syllables: list[str]) -> str:
    word = "".join(
        f"'{syllable}" if index and syllable[:1] in _APOSTROPHE_BEFORE else syllable
        for index, syllable in enumerate(syllables)
    )
    word = word[:1].upper() + word[1:]
    if region.level is Level.PROVINCE:
        return word
    for suffix, english in TYPE_NAMES:
        if region.name.endswith(suffix):
            if suffix == "市" and region.level is Level.CITY:
                return word
            return f"{word} {english}"
    return word


@cache
def _romanized() -> _Romanized:
    every = list(_all_regions())
    cedict = _cedict_readings({r.name for r in every} | {_base(r) for r in every})
    exonyms = {code: names for code, _, names in ENGLISH_NAMES}
    spelled: dict[str, dict[str, int]] = {}
    english: dict[str, str] = {}

    def add(spelling: str, code: str, tier: int) -> None:
        codes = spelled.setdefault(spelling, {})
        codes[code] = min(tier, codes.get(code, tier))

    for region in every:
        base, full = _base(region), region.name
        # The base read as the start of the full name when the dictionary lists only that.
        within_full = full.startswith(base) and base not in cedict
        own = _reading(full, cedict)[: len(base)] if within_full else _reading(base, cedict)
        english[region.code] = exonyms.get(region.code, (_english(region, own),))[0]
        names = (full, base) if len(base) >= 2 else (full,)  # as domain/regions.py matches
        for name in names:
            add(fold("".join(_reading(name, cedict))), region.code, READING)
            add(fold("".join(lazy_pinyin(name, style=Style.NORMAL))), region.code, READING)
            for variant in _variants(name, cedict):
                add(variant, region.code, VARIANT)
        if len(base) >= 2:
            add(fold("".join(own)), region.code, READING)
        for exonym in exonyms.get(region.code, ()):
            add(fold(exonym), region.code, READING)
    return _Romanized(spellings=spelled, english=english)


def spelled_index() -> Mapping[str, Mapping[str, int]]:
    """Every folded spelling of a division's full or short name → {code: tier}."""
    return _romanized().spellings


def english_name(code: str) -> str:
    """E.g. Hubei, Wuhan, Jiang'an District; empty for an unknown code."""
    return _romanized().english.get(code, "")


def english_full_name(code: str) -> str:
    """The unit and those above it, in English order: Jiang'an District, Wuhan, Hubei."""
    return ", ".join(english_name(region.code) for region in reversed(regions.path(code)))
