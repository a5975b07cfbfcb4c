"""Folded Latin letters read as names of divisions: the whole of them one division's spelling
(wuhan), or cut into up to three spellings of divisions that lie one inside another, in any
order (beijingchaoyang and chaoyangbeijing are 北京市朝阳区; hubeiwuhanjiangan is 江岸区).

Cutting is cheap: which slices of the letters are spellings is looked up once (at most 60
letters, so under 2,000 lookups), and only cuts made of those are tried.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from domain import place_names, regions

MAX_PARTS: Final = 3  # province, city, district
MIN_START_LETTERS: Final = 3  # no division is spelled with fewer letters (Aba is 阿坝)

Spans = list[list[int]]  # for each start, the ends of the spellings that begin there


def _spans(letters: str) -> Spans:
    index = place_names.spelled_index()
    return [
        [end for end in range(start + 1, len(letters) + 1) if letters[start:end] in index]
        for start in range(len(letters))
    ]


def _cuts(spans: Spans, end: int) -> Iterator[list[tuple[int, int]]]:
    """Every way to cut letters[:end] into at most MAX_PARTS spellings."""

    def walk(start: int, pieces: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
        if start == end:
            yield pieces
            return
        if len(pieces) == MAX_PARTS or start >= len(spans):
            return
        for stop in spans[start]:
            if stop <= end:
                yield from walk(stop, [*pieces, (start, stop)])

    return walk(0, [])


def _nested(named: list[Mapping[str, int]]) -> dict[str, int]:
    """The codes of one piece that lie inside a code of every other piece: code → the worst
    tier used."""
    found: dict[str, int] = {}
    for position, piece in enumerate(named):
        others = named[:position] + named[position + 1 :]
        for code, tier in piece.items():
            above = {region.code for region in regions.path(code)[:-1]}
            worst = tier
            for other in others:
                tiers = [other[ancestor] for ancestor in above & other.keys()]
                if not tiers:
                    break
                worst = max(worst, min(tiers))
            else:
                found[code] = min(worst, found.get(code, worst))
    return found


def _spelled_by(letters: str, spans: Spans, end: int) -> dict[str, int]:
    index = place_names.spelled_index()
    found: dict[str, int] = {}
    for pieces in _cuts(spans, end):
        for code, tier in _nested([index[letters[a:b]] for a, b in pieces]).items():
            found[code] = min(tier, found.get(code, tier))
    return found


def spelled(letters: str) -> dict[str, int]:
    """The divisions the folded `letters` name: code → tier (place_names.READING or
    VARIANT, the worse of the names used)."""
    return _spelled_by(letters, _spans(letters), len(letters))


def spelled_start(letters: str) -> dict[str, int]:
    """The divisions the longest start of `letters` names (nanjingnan → 南京)."""
    spans = _spans(letters)
    for end in range(len(letters), MIN_START_LETTERS - 1, -1):
        found = _spelled_by(letters, spans, end)
        if found:
            return found
    return {}
