"""Identity documents (身份证件) a declaration may give: the types a person picks from, and how
the number of each is read, checked and stored. Pure functions, no I/O; like domain/answers.py
none of them raises on any string.

Numbers are stored normalised: full-width ASCII narrowed, spaces and dashes dropped,
upper-cased. The rules, and what they rest on:

- **居民身份证** (`RESIDENT_ID`): as `answers.parse_id_number` (18 characters, check digit,
  birth date, province).
- **护照** (`PASSPORT`): 5–20 letters and digits with at least one digit. Passport numbers
  follow no one format across countries; the digit keeps a typed name ("ZHANG WEI") out.
- **港澳居民来往内地通行证** (`HK_MACAO_PERMIT`): H (Hong Kong) or M (Macao) and 8 digits (the
  card issued since 2013) or 10 digits (the earlier booklet).
- **台湾居民来往大陆通行证** (`TAIWAN_PERMIT`): 8 digits (the card issued since 2015) or 10
  (the earlier booklet).
- **外国人永久居留身份证** (`PERMANENT_RESIDENCE`): the 2017 card's 15 characters, three
  letters (the nationality) and 12 digits; or the card issued since 1 December 2023, 18
  characters: "9" (marking a foreigner), 16 digits and a check digit computed as for a
  resident ID (ISO 7064 MOD 11-2, so possibly X). Both as in the National Immigration
  Administration's rules for reading the 2023 card; the other fields of the 2023 number
  (place of issue, nationality, birth date) are not checked, as no published table of their
  codes was at hand.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, Final

from stdnum.cn import ric

from domain import answers
from domain.answers import Parsed


class IdType(StrEnum):
    """A kind of identity document; its value is the dialog's answer and the stored type."""

    RESIDENT_ID = "resident"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hkmo"
    TAIWAN_PERMIT = "taiwan"
    PERMANENT_RESIDENCE = "foreign_pr"


# A number stored before the types existed is a resident ID: nothing else was accepted.
UNTYPED: Final = IdType.RESIDENT_ID

PASSPORT_INVALID: Final = "answer-passport-invalid"
HK_MACAO_INVALID: Final = "answer-hkmo-permit-invalid"
TAIWAN_INVALID: Final = "answer-taiwan-permit-invalid"
PERMANENT_RESIDENCE_INVALID: Final = "answer-pr-card-invalid"
PERMANENT_RESIDENCE_CHECKSUM: Final = "answer-pr-card-checksum"

REFUSALS: Final = (
    PASSPORT_INVALID,
    HK_MACAO_INVALID,
    TAIWAN_INVALID,
    PERMANENT_RESIDENCE_INVALID,
    PERMANENT_RESIDENCE_CHECKSUM,
)
"""The refusal keys of the types other than the resident ID (whose are answers.REFUSALS)."""

_PASSPORT = re.compile(r"(?=[A-Z]*[0-9])[A-Z0-9]{5,20}", re.ASCII)
_HK_MACAO = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?", re.ASCII)
_TAIWAN = re.compile(r"[0-9]{8}(?:[0-9]{2})?", re.ASCII)
_PR_2017 = re.compile(r"[A-Z]{3}[0-9]{12}", re.ASCII)
_PR_2023 = re.compile(r"9[0-9]{16}[0-9X]", re.ASCII)
_SEPARATORS = str.maketrans("", "", " -")


def _compact(text: str) -> str | None:
    cleaned = answers.normalise(text)
    return None if cleaned is None else cleaned.translate(_SEPARATORS).upper()


def _matching(pattern: re.Pattern[str], text: str, refusal: str) -> Parsed[str]:
    number = _compact(text)
    if number is None or not pattern.fullmatch(number):
        return Parsed(refusal=refusal)
    return Parsed(value=number)


def _permanent_residence(text: str) -> Parsed[str]:
    number = _compact(text)
    if number is not None and _PR_2017.fullmatch(number):
        return Parsed(value=number)
    if number is None or not _PR_2023.fullmatch(number):
        return Parsed(refusal=PERMANENT_RESIDENCE_INVALID)
    if number[-1] != ric.calc_check_digit(number):
        return Parsed(refusal=PERMANENT_RESIDENCE_CHECKSUM)
    return Parsed(value=number)


def parse_number(kind: IdType, text: str, *, today: date | None = None) -> Parsed[str]:
    """The number of a document of `kind` as stored, or why it is refused (a message key).
    `today` bounds a resident ID's birth date."""
    if kind is IdType.RESIDENT_ID:
        return answers.parse_id_number(text, today=today)
    if kind is IdType.PASSPORT:
        return _matching(_PASSPORT, text, PASSPORT_INVALID)
    if kind is IdType.HK_MACAO_PERMIT:
        return _matching(_HK_MACAO, text, HK_MACAO_INVALID)
    if kind is IdType.TAIWAN_PERMIT:
        return _matching(_TAIWAN, text, TAIWAN_INVALID)
    return _permanent_residence(text)


def is_stored_number(kind: Any, number: Any) -> bool:
    """Whether `number` is what the dialog stores for a document of type `kind` (both read
    back from storage, so anything)."""
    if kind not in tuple(IdType) or not isinstance(number, str):
        return False
    return parse_number(IdType(kind), number).value == number
