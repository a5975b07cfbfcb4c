"""Division names typed in Latin letters with one typo: a letter missing, extra or wrong, or
two neighbours swapped (Shenzen, Guangzou, Hangzhuo → Shenzhen, Guangzhou, Hangzhou).

Found through deletions: a spelling and a text one typo away from it share a form with at
most one letter left out of each, so every spelling's forms are indexed once and a text's
forms are looked up (a few dozen lookups); the candidates are then checked exactly.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from domain import place_names
from domain.place_names import READING

MIN_TYPO_LETTERS: Final = 7  # below this a typo makes another name too often (Berlin: 北林)
TYPO: Final = 2  # the tier of a spelling with one typo, after place_names.VARIANT


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@cache
def _forms() -> dict[str, frozenset[str]]:
    """Each spelling of a name's own reading, and each with one letter left out → spellings.
    Other readings of a name's characters are left out: a typo in a reading nobody uses would
    mostly find names nobody meant."""
    index: dict[str, set[str]] = {}
    for spelling, codes in place_names.spelled_index().items():
        if len(spelling) >= MIN_TYPO_LETTERS - 1 and READING in codes.values():
            for form in {spelling} | _deletions(spelling):
                index.setdefault(form, set()).add(spelling)
    return {form: frozenset(spellings) for form, spellings in index.items()}


def _one_typo_apart(typed: str, spelling: str) -> bool:
    if len(typed) == len(spelling):
        wrong = [i for i, (a, b) in enumerate(zip(typed, spelling, strict=True)) if a != b]
        swapped = (
            len(wrong) == 2
            and wrong[1] == wrong[0] + 1
            and typed[wrong[0]] == spelling[wrong[1]]
            and typed[wrong[1]] == spelling[wrong[0]]
        )
        return len(wrong) == 1 or swapped
    longer, shorter = (typed, spelling) if len(typed) > len(spelling) else (spelling, typed)
    return len(longer) == len(shorter) + 1 and shorter in _deletions(longer)


def with_one_typo(letters: str) -> dict[str, int]:
    """Divisions whose spelling is one typo from the folded `letters`: code → TYPO; none for
    fewer than MIN_TYPO_LETTERS letters."""
    if len(letters) < MIN_TYPO_LETTERS:
        return {}
    index, forms = place_names.spelled_index(), _forms()
    near = {s for form in {letters} | _deletions(letters) for s in forms.get(form, ())}
    return {
        code: TYPO
        for spelling in near
        if _one_typo_apart(letters, spelling)
        for code in index[spelling]
    }
