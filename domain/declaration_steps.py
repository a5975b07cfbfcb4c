"""The questions of the declaration dialog (返乡报备): ids, order, when each applies, the
choices of the button questions and the validators of the typed ones. Pure: no I/O, and
`today` is always an argument.

Answers are kept as JSON values keyed by step id (codes, ISO dates, enum values, lists); a
key present with the value None means "asked and skipped". `check_answer` re-validates a
stored answer, so a draft read back from storage is never trusted.

The identity document is two questions: its type (buttons; skipping it gives none), then its
number, checked by the type's rule (domain/id_documents.py). A number alone says nothing, so
`check_id_number` checks the pair; a draft saved before the types existed is upgraded where it
is read (declaration_dialog.Draft.from_data).

Every typed date has a window for its question (`date_window`, both ends included): the
planned return and departure from today to about six months ahead, the arrival within the policy's
look-back window, the other dates (entry abroad, last test, a stay's start and end) within
the past year. A date outside it is refused with a key naming the window ({first}, {last}).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, time, timedelta
from enum import StrEnum
from typing import Any, Final

from domain import answers as parse
from domain import id_documents, regions
from domain.dates import DateWindow, Direction, parse_day, read_date
from domain.declarations import (
    CodeColour,
    ContactKind,
    DeclarationStatus,
    Symptom,
    TestResult,
    TransportKind,
)
from domain.policy import DEFAULT_LOOKBACK_DAYS


class Step(StrEnum):
    """A question of the dialog; its value is also the key of its answer."""

    NAME = "name"
    PHONE = "phone"
    IDTYPE = "idtype"
    IDNO = "idno"
    ADDRESS = "address"
    STATUS = "status"
    PLANNED = "planned"
    DEPART = "depart"
    ORIGIN = "origin"
    PROV = "prov"
    CITY = "city"
    DIST = "dist"
    STREET = "street"
    COUNTRY = "country"
    PORT = "port"
    ENTRY = "entry"
    DOCS = "docs"
    STAYS = "stays"
    TRANSPORT = "transport"
    TNUM = "tnum"
    ARRDATE = "arrdate"
    ARRTIME = "arrtime"
    HCODE = "hcode"
    ICARD = "icard"
    TESTDATE = "testdate"
    TESTRES = "testres"
    VACC = "vacc"
    SYMPTOMS = "symptoms"
    TEMP = "temp"
    TEMPOK = "tempok"
    CONTACTS = "contacts"
    COMPANIONS = "companions"
    RMATCH = "rmatch"
    SPLACE = "splace"
    SMATCH = "smatch"
    SPICK = "spick"  # no match: the place's division picked level by level, or none
    SSTART = "sstart"
    SEND = "send"
    STRANSIT = "stransit"
    SUMMARY = "summary"
    ATTEST = "attest"


# The questions in the order they are asked; conditional ones are skipped when they do not
# apply. The stay sub-dialog (STAY_STEPS), the region match (REGION_MATCH) and the fever
# confirmation (FEVER_CHECK) sit outside it.
ORDER: Final = (
    Step.NAME,
    Step.PHONE,
    Step.IDTYPE,
    Step.IDNO,
    Step.ADDRESS,
    Step.STATUS,
    Step.DEPART,
    Step.PLANNED,
    Step.ORIGIN,
    Step.PROV,
    Step.CITY,
    Step.DIST,
    Step.STREET,
    Step.COUNTRY,
    Step.PORT,
    Step.ENTRY,
    Step.DOCS,
    Step.STAYS,
    Step.TRANSPORT,
    Step.TNUM,
    Step.ARRDATE,
    Step.ARRTIME,
    Step.HCODE,
    Step.ICARD,
    Step.TESTDATE,
    Step.TESTRES,
    Step.VACC,
    Step.SYMPTOMS,
    Step.TEMP,
    Step.CONTACTS,
    Step.COMPANIONS,
)
REGION_MATCH: Final = Step.RMATCH
FEVER_CHECK: Final = Step.TEMPOK
STAY_STEPS: Final = (
    Step.SPLACE,
    Step.SMATCH,
    Step.SPICK,
    Step.SSTART,
    Step.SEND,
    Step.STRANSIT,
)
SUMMARY: Final = Step.SUMMARY
ATTEST: Final = Step.ATTEST
ALL_STEPS: Final = frozenset((*ORDER, REGION_MATCH, FEVER_CHECK, *STAY_STEPS, SUMMARY, ATTEST))

# Skipping the ID number gives no document at all (the type is dropped with it).
OPTIONAL: Final = frozenset(
    {
        Step.IDTYPE,
        Step.IDNO,
        Step.STREET,
        Step.PORT,
        Step.ARRTIME,
        Step.TESTDATE,
        Step.COMPANIONS,
        Step.SSTART,
        Step.SEND,
    }
)
MULTI: Final = frozenset({Step.SYMPTOMS, Step.CONTACTS})
REGION_STEPS: Final = (Step.PROV, Step.CITY, Step.DIST)
DATE_STEPS: Final = frozenset(
    {Step.PLANNED, Step.DEPART, Step.ENTRY, Step.ARRDATE, Step.TESTDATE, Step.SSTART, Step.SEND}
)

# Length caps of the free texts (characters, after trimming).
MAX_LENGTH: Final = {
    Step.NAME: 50,
    Step.ADDRESS: 200,
    Step.STREET: 100,
    Step.COUNTRY: 60,
    Step.PORT: 60,
    Step.SPLACE: 100,
}
MAX_COMPANIONS: Final = 1000
MAX_STAYS: Final = 20

# The date windows (days from today). A planned return further ahead is a typo (9999 for
# 2026) or no plan yet, and would open check-ins and tests years away.
PLANNED_AHEAD_DAYS: Final = 183
PAST_DAYS: Final = 366  # entry abroad, last test, stays: within the past year
# A stored draft lives at most draft_ttl_hours (at most 720, see bot.config): a date it holds
# was inside its window on a day at most this long ago.
DRAFT_AGE_DAYS: Final = 31

YES, NO = "yes", "no"
DOMESTIC, OVERSEAS = "domestic", "overseas"
NONE: Final = "none"  # the "none of these" choice of a checklist

CHOICES: Final[Mapping[Step, tuple[str, ...]]] = {
    Step.IDTYPE: tuple(t.value for t in id_documents.IdType),
    Step.STATUS: tuple(s.value for s in DeclarationStatus),
    Step.ORIGIN: (DOMESTIC, OVERSEAS),
    Step.DOCS: (YES, NO),
    Step.STRANSIT: (NO, YES),
    Step.TRANSPORT: tuple(t.value for t in TransportKind),
    Step.HCODE: tuple(c.value for c in CodeColour),
    Step.ICARD: tuple(c.value for c in CodeColour),
    Step.TESTRES: tuple(r.value for r in TestResult),
    Step.VACC: ("0", "1", "2", "3", "4"),
    Step.SYMPTOMS: tuple(s.value for s in Symptom),
    Step.CONTACTS: tuple(c.value for c in ContactKind),
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_NAME_EXTRA = frozenset(" ·•.-'")


class StoredAnswerError(ValueError):
    """A stored answer does not fit its question."""


def _region_code(value: Any) -> str | None:
    return value if isinstance(value, str) and regions.get(value) is not None else None


_PLANNING: Final = frozenset(
    {DeclarationStatus.PLANNING_RETURN.value, DeclarationStatus.PLANNING_LEAVE.value}
)


def leaving(answers: Mapping[str, Any]) -> bool:
    """Planning to leave: the origin and region questions ask for the destination."""
    return answers.get(Step.STATUS) == DeclarationStatus.PLANNING_LEAVE.value


def applies(step: Step, answers: Mapping[str, Any]) -> bool:
    """Whether a question of ORDER is asked, given the answers so far."""
    status, origin = answers.get(Step.STATUS), answers.get(Step.ORIGIN)
    if step == Step.PLANNED:
        return status in _PLANNING
    if step == Step.DEPART:
        return status == DeclarationStatus.PLANNING_LEAVE.value
    if step == Step.IDNO:
        return answers.get(Step.IDTYPE) is not None
    if step in (Step.PROV, Step.STREET):
        return origin == DOMESTIC
    if step == Step.CITY:
        prov = _region_code(answers.get(Step.PROV))
        return origin == DOMESTIC and prov is not None and bool(regions.children(prov))
    if step == Step.DIST:
        city = _region_code(answers.get(Step.CITY))
        return (
            origin == DOMESTIC
            and city is not None
            and regions.get(city) is not None
            and regions.get(city).level is regions.Level.CITY  # type: ignore[union-attr]
            and bool(regions.children(city))
        )
    if step == Step.COUNTRY:
        return origin == OVERSEAS
    if step in (Step.PORT, Step.ENTRY, Step.DOCS):
        # Planning to leave: the country is the destination; no entry into China to ask of.
        return origin == OVERSEAS and status != DeclarationStatus.PLANNING_LEAVE.value
    if step == Step.TNUM:
        return answers.get(Step.TRANSPORT) in (
            TransportKind.TRAIN.value,
            TransportKind.FLIGHT.value,
        )
    if step in (Step.ARRDATE, Step.ARRTIME):
        # Planning to return: the planned date stands in; planning to leave: no arrival.
        return status == DeclarationStatus.RETURNED.value
    if step == Step.TESTRES:
        return answers.get(Step.TESTDATE) is not None
    return True


def region_options(step: Step, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The region codes offered as buttons at prov / city / dist."""
    if step == Step.PROV:
        return tuple(region.code for region in regions.provinces())
    parent = _region_code(answers.get(Step.PROV if step == Step.CITY else Step.CITY))
    return tuple(region.code for region in regions.children(parent)) if parent else ()


def choices(step: Step, answers: Mapping[str, Any]) -> tuple[str, ...]:
    if step in REGION_STEPS:
        return region_options(step, answers)
    return CHOICES.get(step, ())


# --- typed answers ---------------------------------------------------------------------------


def clean_text(text: str, most: int) -> str | None:
    """Trimmed text without control characters, or None when empty, too long or unprintable."""
    if len(text) > most * 4:  # refused before looking closer
        return None
    stripped = " ".join(text.split())
    if not stripped or len(stripped) > most or _CONTROL.search(stripped):
        return None
    return stripped


def valid_name(text: str) -> str | None:
    cleaned = clean_text(text, MAX_LENGTH[Step.NAME])
    if cleaned is None or not any(ch.isalpha() for ch in cleaned):
        return None
    for ch in cleaned:
        if not (ch.isalpha() or ch in _NAME_EXTRA or unicodedata.category(ch) == "Mn"):
            return None
    return cleaned


def parse_count(text: str, most: int) -> int | None:
    stripped = text.strip().translate(parse.WIDE)
    if not stripped.isascii() or not stripped.isdigit() or len(stripped) > 4:
        return None
    value = int(stripped)
    return value if value <= most else None


ARRIVAL_AHEAD: Final = "declare-arrdate-ahead"  # an arrival typed in the future


def date_window(step: Step, today: date, lookback_days: int = DEFAULT_LOOKBACK_DAYS) -> DateWindow:
    """The window of a date question (see the module docstring)."""
    if step in (Step.PLANNED, Step.DEPART):
        ahead = today + timedelta(days=PLANNED_AHEAD_DAYS)
        key = "declare-planned-range" if step == Step.PLANNED else "declare-depart-range"
        return DateWindow(today, ahead, key)
    if step == Step.ARRDATE:
        # An arrival before the look-back window is outside everything the policy screens.
        since = today - timedelta(days=lookback_days)
        return DateWindow(since, today, "declare-arrdate-range")
    return DateWindow(today - timedelta(days=PAST_DAYS), today, "declare-date-range")


def parse_typed_date(
    step: Step, text: str, today: date, lookback_days: int = DEFAULT_LOOKBACK_DAYS
) -> parse.Parsed[date]:
    """The date typed at a date question, or a refusal: "answer-date-invalid" when it is no
    date, the window's key (see `date_window`) when it is outside the window."""
    window = date_window(step, today, lookback_days)
    # Only the planned dates read a date without a year forwards ("1/3" late in December).
    direction = Direction.NEAREST if step in (Step.PLANNED, Step.DEPART) else Direction.PAST
    if step == Step.ARRDATE:
        day = parse_day(text, today, direction)
        if day is not None and day > today:  # not back yet: the look-back is not the point
            return parse.Parsed(refusal=ARRIVAL_AHEAD)
    return read_date(text, today, window, direction)


# --- stored answers --------------------------------------------------------------------------


def _is_text(value: Any, most: int) -> bool:
    return isinstance(value, str) and clean_text(value, most) == value


def stored_date_window(today: date) -> tuple[date, date]:
    """Where a stored date may lie: inside some question's window on a day since the draft
    was started (see DRAFT_AGE_DAYS). Wider than any one question, never near date.max."""
    earliest = today - timedelta(days=PAST_DAYS + DRAFT_AGE_DAYS)
    return earliest, today + timedelta(days=PLANNED_AHEAD_DAYS)


def _is_date(value: Any, today: date) -> bool:
    if not isinstance(value, str):
        return False
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    earliest, latest = stored_date_window(today)
    return earliest <= day <= latest


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        time.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_stay(value: Any, *, today: date) -> None:
    known = {"place", "codes", "start", "end", "transit", "checked"}
    if not isinstance(value, dict) or set(value) - known:
        raise StoredAnswerError("stay: not an object of known keys")
    if not _is_text(value.get("place"), MAX_LENGTH[Step.SPLACE]):
        raise StoredAnswerError("stay.place")
    codes = value.get("codes", [])
    if not isinstance(codes, list) or any(_region_code(c) is None for c in codes):
        raise StoredAnswerError("stay.codes")
    if value.get("checked", True) is not True or (value.get("checked") and codes):
        raise StoredAnswerError("stay.checked")  # only a place staff found in no division
    for key in ("start", "end"):
        if value.get(key) is not None and not _is_date(value[key], today):
            raise StoredAnswerError(f"stay.{key}")
    if value.get("start") and value.get("end") and value["end"] < value["start"]:
        raise StoredAnswerError("stay.end before start")
    if "transit" in value and not isinstance(value["transit"], bool):
        raise StoredAnswerError("stay.transit")


def check_answer(step: Step, value: Any, *, today: date) -> None:
    """Raise StoredAnswerError unless `value` is a possible answer of `step` (None: skipped),
    given by the dialog within a draft's lifetime before `today` (dates: see
    `stored_date_window`; a tampered or outdated draft with a year-9999 date must restart,
    not reach the follow-up)."""
    if value is None:
        if step not in OPTIONAL:
            raise StoredAnswerError(f"{step}: required")
        return
    ok: bool
    if step in CHOICES and step not in MULTI:
        ok = value in CHOICES[step]
    elif step in MULTI:
        ok = (
            isinstance(value, list)
            and all(item in CHOICES[step] for item in value)
            and len(set(value)) == len(value)
        )
    elif step in REGION_STEPS:
        ok = _region_code(value) is not None
    elif step in MAX_LENGTH:
        ok = _is_text(value, MAX_LENGTH[step])
        if step == Step.NAME:
            ok = ok and valid_name(value) == value
    elif step in DATE_STEPS:
        ok = _is_date(value, today)
    elif step == Step.ARRTIME:
        ok = _is_time(value)
    elif step == Step.PHONE:
        ok = isinstance(value, str) and parse.parse_phone(value).value == value
    elif step == Step.IDNO:
        ok = isinstance(value, str)  # against its type: check_id_number
    elif step == Step.TNUM:
        ok = isinstance(value, str) and parse.parse_train_or_flight(value).value == value
    elif step in (Step.TEMP, Step.TEMPOK):
        ok = isinstance(value, float) and 35.0 <= value <= 42.0
    elif step == Step.COMPANIONS:
        ok = type(value) is int and 0 <= value <= MAX_COMPANIONS
    elif step == Step.STAYS:
        ok = isinstance(value, list) and len(value) <= MAX_STAYS
        if ok:
            for stay in value:
                check_stay(stay, today=today)
    else:
        ok = False
    if not ok:
        # Not the value: this message is logged, and the value is what a resident typed.
        raise StoredAnswerError(f"{step}: the stored answer does not fit")


def check_id_number(answers: Mapping[str, Any]) -> None:
    """Raise StoredAnswerError unless a stored ID number fits the type stored with it."""
    number = answers.get(Step.IDNO)
    if number is not None and not id_documents.is_stored_number(answers.get(Step.IDTYPE), number):
        raise StoredAnswerError(f"{Step.IDNO}: does not fit its type")


# --- the fever confirmation ------------------------------------------------------------------


def fever_unconfirmed(answers: Mapping[str, Any], fever_threshold: float) -> bool:
    """Whether "no symptoms" and a fever (at or above `fever_threshold`) stand unconfirmed:
    a slip in one answer or the other, or a fever the person has not noticed. The dialog asks
    about them (FEVER_CHECK); the TEMPOK answer keeps the temperature confirmed, so another
    feverish temperature typed later is asked about again."""
    temperature = answers.get(Step.TEMP)
    return (
        answers.get(Step.SYMPTOMS) == []
        and isinstance(temperature, float)
        and temperature >= fever_threshold
        and answers.get(Step.TEMPOK) != temperature
    )
