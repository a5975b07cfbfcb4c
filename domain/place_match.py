"""Typed places → divisions: in Chinese, pinyin or English, and through the names of railway
stations, airports and ports.

Chinese (any Han character in the text): domain/regions.py's whole names first (武汉, 湖北武汉,
北京市朝阳区); then, for a hub (a name ending in 站, 机场, 港, 口岸…), its city: a hub of
`transport_hubs.HUBS` (上海虹桥站, 广州白云国际机场), else the longest start of the name that is
a division (南京南站 → 南京, 深圳湾口岸 → 深圳); then comma-separated parts in the other order
(浦东，上海); then names that begin with or contain the text; last a hub's landmark alone (虹桥).

Latin letters are folded (`place_names.fold`) and read as spellings of divisions' full and
short names (domain/place_spellings.py): the whole text, or the text cut into up to three
names that lie one inside another, in either order (Beijing Chaoyang, Chaoyang Beijing, Hubei
Wuhan Jiang'an). English type words (District, City, New Area…) are left out or spelled as
their Chinese suffix, and put divisions of that type first; hub words (Airport, Railway
Station…) lead to a hub's city as in Chinese. When nothing matches: one typo
(domain/place_typos.py), then a hub's landmark alone (Hongqiao), then the text with one word,
else two, left out (Guangxi Zhuang → Guangxi).

Best first: divisions of the typed type, then by the names' own readings before other
readings of their characters, then before typos; ties go to the higher level, then the lower
code. Every index is built once, on first use.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Final

from pypinyin import lazy_pinyin

from domain import place_names, regions, transport_hubs
from domain.place_names import TYPE_NAMES, fold
from domain.place_spellings import spelled, spelled_start
from domain.place_typos import with_one_typo
from domain.regions import Level, Region
from domain.transport_hubs import Hub, HubKind

# Longer text is no place name; it is refused before any work (the dialog keeps 200).
MAX_TEXT_CHARS: Final = 200
MAX_LETTERS: Final = 60
MAX_SUFFIX_CHOICES: Final = 8  # three type words in one text, each spelled out or left out
MAX_WORDS_LEFT_OUT_OF: Final = 8  # words of a text whose words are left out one or two at a time
# The longest start of a Chinese hub's name tried as its city: 湖北省武汉市汉口 is eight
# characters; each try costs a whole-name match (about half a millisecond).
MAX_HUB_PLACE_CHARS: Final = 10

_HAN: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SEPARATORS: Final = re.compile(r"[\s,，、;；/]+")
_APOSTROPHES: Final = re.compile(r"['’‘ʼ`]")
_NOT_LETTERS: Final = re.compile(r"[^a-z]+")
# Words that name no place ("Wuhan, China").
_STOPWORDS: Final = frozenset({"china", "prc", "pr", "the", "of", "and", "in"})
# Other English words for a type, as the type's name in TYPE_NAMES.
_TYPE_SYNONYMS: Final = {
    "municipality": "city",
    "sar": "special administrative region",
    "new district": "new area",
    "region": "autonomous region",
}
# A type's English name → the pinyin of its Chinese suffix (county → xian).
_TYPE_SUFFIXES: Final = {
    english.lower(): fold("".join(lazy_pinyin(suffix))) for suffix, english in TYPE_NAMES
}
_TYPE_PHRASES: Final = tuple(
    sorted(
        {english.lower() for _, english in TYPE_NAMES} | set(_TYPE_SYNONYMS),
        key=lambda phrase: -len(phrase.split()),
    )
)


def match_place(text: str, limit: int = 5) -> list[Region]:
    """Divisions a typed place may be, best first; empty when none."""
    if limit <= 0 or len(text) > MAX_TEXT_CHARS:
        return []
    codes = _chinese(text, limit) if _HAN.search(text) else _latin(text)
    return [region for region in map(regions.get, codes[:limit]) if region is not None]


# --- Chinese --------------------------------------------------------------------------------


def _codes(found: Sequence[Region]) -> list[str]:
    return [region.code for region in found]


def _chinese(text: str, limit: int) -> list[str]:
    whole = regions.match(text, limit, whole_names=True)
    if whole:
        return _codes(whole)
    compact = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text))
    hub = transport_hubs.chinese_hub(compact)
    if hub:
        place, kind = hub
        city = _chinese_landmark(place, kind)
        if city:
            return [city]
        for end in range(min(len(place), MAX_HUB_PLACE_CHARS), 1, -1):
            start = regions.match(place[:end], limit, whole_names=True)
            if start:
                return _codes(start)
    parts = [part for part in _SEPARATORS.split(text) if part]
    if len(parts) > 1:
        reordered = regions.match("".join(reversed(parts)), limit, whole_names=True)
        if reordered:
            return _codes(reordered)
    partial = regions.match(text, limit)
    if partial:
        return _codes(partial)
    city = _chinese_landmark(compact, None)
    return [city] if city else []


def _chinese_landmark(place: str, kind: HubKind | None) -> str | None:
    """The city of the hub `place` ends with, when what comes before names that city or its
    province (上海虹桥, 虹桥) and the hub is of `kind` (None: any)."""
    for hub in _hubs_longest_first():
        if (kind is None or kind in hub.kinds) and place.endswith(hub.landmark):
            before = place[: -len(hub.landmark)]
            if not before or _names_around(hub, _codes(regions.match(before, whole_names=True))):
                return hub.city
    return None


@cache
def _hubs_longest_first() -> tuple[Hub, ...]:
    return tuple(sorted(transport_hubs.HUBS, key=lambda hub: -len(hub.landmark)))


def _names_around(hub: Hub, codes: Sequence[str]) -> bool:
    return any(regions.within(hub.city, code) for code in codes)


# --- Latin letters ----------------------------------------------------------------------------


def _latin(text: str) -> list[str]:
    words, kind = _words(text)
    typed, types = _type_words(words)
    words = [fold(word) for word in typed if word not in _TYPE_SUFFIXES]
    letters = "".join(words)
    if not letters or len(letters) > MAX_LETTERS:
        return []
    hub_city = _latin_hub(letters, kind) if kind is not None else []
    if hub_city:
        return hub_city
    found: dict[str, int] = {}
    for variant in _with_suffixes(typed):
        for code, tier in spelled(variant).items():
            found[code] = min(tier, found.get(code, tier))
    found = found or with_one_typo(letters)
    if found:
        return _ranked(found, types)
    landmark = _latin_landmark(letters, None)
    return [landmark] if landmark else _without_words(words, types)


def _words(text: str) -> tuple[list[str], HubKind | None]:
    """The words of the text (lower case, no tone marks, no apostrophes, no stop words)
    without hub words, and the kind of hub they name."""
    plain = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    words = [w for w in _NOT_LETTERS.split(_APOSTROPHES.sub("", plain.casefold())) if w]
    words = [word for word in words if word not in _STOPWORDS]
    hub = transport_hubs.english_hub(words)
    return hub if hub else (words, None)


def _without_words(words: list[str], types: set[str]) -> list[str]:
    """The divisions spelled when one word, else two, are left out (Guangxi Zhuang →
    Guangxi; Wuhan University → Wuhan; Nanjing Road Shanghai → Shanghai and Nanjing)."""
    if len(words) > MAX_WORDS_LEFT_OUT_OF:
        return []
    for left_out in range(1, min(2, len(words) - 1) + 1):
        found: dict[str, int] = {}
        for kept in itertools.combinations(words, len(words) - left_out):
            for code, tier in spelled("".join(kept)).items():
                found[code] = min(tier, found.get(code, tier))
        if found:
            return _ranked(found, types)
    return []


def _type_words(words: list[str]) -> tuple[list[str], set[str]]:
    """The words with each English type (New Area, District…) made one word, the type's
    name in TYPE_NAMES (a key of _TYPE_SUFFIXES), and those types."""
    kept, types = list(words), set()
    for phrase in _TYPE_PHRASES:
        size = len(phrase.split())
        position = 0
        while position + size <= len(kept):
            if " ".join(kept[position : position + size]) == phrase:
                english = _TYPE_SYNONYMS.get(phrase, phrase)
                types.add(english)
                kept[position : position + size] = [english]
            position += 1
    return kept, types


def _with_suffixes(typed: list[str]) -> Iterator[str]:
    """The letters with each type word left out or spelled as its Chinese suffix, in place:
    Hui County is 徽县 (huixian), whose one-character short name is no spelling of its own,
    while Dehong Autonomous Prefecture is 德宏 but no dehongzizhizhou. The first has every
    type left out."""
    choices = [("", _TYPE_SUFFIXES[w]) if w in _TYPE_SUFFIXES else (fold(w),) for w in typed]
    for count, letters in enumerate(map("".join, itertools.product(*choices))):
        if count == MAX_SUFFIX_CHOICES:
            return
        if len(letters) <= MAX_LETTERS:
            yield letters


def _type_of(code: str) -> str:
    name = regions.get(code)
    for suffix, english in TYPE_NAMES:
        if name is not None and name.name.endswith(suffix):
            return english.lower()
    return ""


def _ranked(found: Mapping[str, int], types: set[str]) -> list[str]:
    """Codes best first (see the module's docstring)."""

    def key(code: str) -> tuple[int, int, int, str]:
        region = regions.get(code)
        level = list(Level).index(region.level) if region else len(Level)
        own_type = _type_of(code)
        unwanted = bool(types) and not any(own_type.endswith(t) for t in types)
        return (unwanted, found[code], level, code)

    return sorted(found, key=key)


def _latin_hub(letters: str, kind: HubKind) -> list[str]:
    """A hub's city: a listed hub's, else the longest start of the letters that spells a
    division (nanjingnan → nanjing)."""
    city = _latin_landmark(letters, kind)
    if city:
        return [city]
    return _ranked(spelled_start(letters), set())


def _latin_landmark(letters: str, kind: HubKind | None) -> str | None:
    for hub, spellings in _hub_spellings():
        if kind is not None and kind not in hub.kinds:
            continue
        for spelling in spellings:
            if letters.endswith(spelling):
                before = letters[: -len(spelling)]
                if not before or _names_around(hub, list(spelled(before))):
                    return hub.city
    return None


@cache
def _hub_spellings() -> tuple[tuple[Hub, tuple[str, ...]], ...]:
    """Each hub with the spellings of its landmark, the longest first."""
    return tuple(
        (hub, tuple(sorted(place_names.spellings(hub.landmark) | {fold(hub.english)} - {""})))
        for hub in _hubs_longest_first()
    )
