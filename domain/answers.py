"""Validators for the free answers of the declaration dialog: pure functions, no I/O.

Each `parse_*` takes whatever a person typed and returns a `Parsed`: either the normalised
value or a refusal key (a message key the dialog shows before asking again). None of them
raises on any string: emoji, markup, control characters, empty or 10,000-character input are
simply refused.

Rules decided here, so every question behaves alike:

- **Normalisation**: full-width ASCII ("１３８", "：", "／", "．") and the ideographic space
  become their ASCII forms; nothing else is (NFKC would also turn "10²" into "102"). Only ASCII
  digits count as digits. Surrounding spaces are ignored. Input longer than `MAX_INPUT` is
  refused without being looked at.
- **Phone** (`parse_phone`): parsed by Google's libphonenumber (`phonenumbers`) with CN as the
  default region, so "13800138000", "138-0013-8000", "+86 138 0013 8000" and "0086…" all give
  "+8613800138000" (E.164). Only digits, spaces, dashes, dots, parentheses and a leading "+" are
  allowed (the library would read "1-800-FLOWERS" as digits). The number must be valid and a
  mobile one: a landline ("010 6552 9988") is refused with its own key. A valid mobile number of
  another region given with its country code ("+852 9123 4567") is accepted, for returnees from
  abroad, as are the numbers the library cannot tell from landlines (e.g. US ones).
- **Resident ID number** (`parse_id_number`): 18 characters, 17 digits and a check digit (0–9
  or X, upper-cased); spaces inside are ignored. The ISO 7064 MOD 11-2 check digit and the birth
  date (a real date, not before 1900, not after `today` when given) are checked with
  `python-stdnum`'s `stdnum.cn.ric`; its region data checks the province (first two digits), and
  830000 (residence permits of Taiwan residents, same format) is accepted. The six-digit county
  is not checked: stdnum's dated county list would refuse real numbers issued after a county was
  renamed. An old 15-digit number gets its own key ("answer-id-old").
- **Date**: see domain/dates.py, the one date reader of every command and dialog.
- **Time** (`parse_time`): see the function.
- **Temperature** (`parse_temperature`): "36.5", "36,5", "36.5℃", "36.5°C", "36.5 度",
  "36.5c"; at most three digits before and three after the separator; rounded half-up to one
  decimal, then 35.0–42.0 inclusive, else "answer-temperature-range". Fahrenheit is refused.
- **Train or flight number** (`parse_train_or_flight`): spaces and dashes dropped, upper-cased,
  a trailing "次" (train) or "航班" (flight) dropped. A train number is one of G D C Z T K Y L S
  and 1–4 digits ("G1234", "K7"), or 4 digits alone ("6063"); a flight number is a two-character
  IATA airline code (letters, or a letter and a digit: "CA", "3U", "9C"), 1–4 digits and an
  optional letter ("CA1234", "MU5101A"). A one-letter train prefix is never read as a flight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Generic, TypeVar

import phonenumbers
from phonenumbers import PhoneNumberType
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

T = TypeVar("T")

MAX_INPUT: Final = 200
"""Longer answers are refused at once: no valid answer to these questions comes near it."""

PHONE_INVALID: Final = "answer-phone-invalid"
PHONE_NOT_MOBILE: Final = "answer-phone-not-mobile"
ID_INVALID: Final = "answer-id-invalid"
ID_OLD: Final = "answer-id-old"
ID_CHECKSUM: Final = "answer-id-checksum"
ID_BIRTH_DATE: Final = "answer-id-birth-date"
ID_REGION: Final = "answer-id-region"
TIME_INVALID: Final = "answer-time-invalid"
TEMPERATURE_INVALID: Final = "answer-temperature-invalid"
TEMPERATURE_RANGE: Final = "answer-temperature-range"
TRAIN_INVALID: Final = "answer-train-invalid"

REFUSALS: Final = (
    PHONE_INVALID,
    PHONE_NOT_MOBILE,
    ID_INVALID,
    ID_OLD,
    ID_CHECKSUM,
    ID_BIRTH_DATE,
    ID_REGION,
    TIME_INVALID,
    TEMPERATURE_INVALID,
    TEMPERATURE_RANGE,
    TRAIN_INVALID,
)
"""Every refusal key a validator here may return, for the locale files' completeness test."""

TEMPERATURE_MIN: Final = Decimal("35.0")
TEMPERATURE_MAX: Final = Decimal("42.0")


@dataclass(frozen=True)  # no slots: `Parsed[int](...)` could not set __orig_class__
class Parsed(Generic[T]):
    """The normalised answer (`value`) or why it was refused (`refusal`, a message key)."""

    value: T | None = None
    refusal: str | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.refusal is None):
            raise ValueError("Parsed needs exactly one of value and refusal")

    @property
    def ok(self) -> bool:
        return self.refusal is None


def _accept(value: T) -> Parsed[T]:
    return Parsed(value=value)


def _refuse(key: str) -> Parsed[T]:
    return Parsed(refusal=key)


# Full-width ASCII (U+FF01–U+FF5E) and the ideographic space; nothing else.
WIDE = str.maketrans(
    {**{chr(code + 0xFEE0): chr(code) for code in range(0x21, 0x7F)}, "\u3000": " "}
)


def normalise(text: str) -> str | None:
    """The answer with full-width ASCII narrowed and outer spaces stripped, None if too long."""
    if len(text) > MAX_INPUT:
        return None
    return text.translate(WIDE).strip()


# --- phone -------------------------------------------------------------------------------------

_PHONE_CHARS = re.compile(r"\(?\+?[0-9 ().\-]+", re.ASCII)
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def parse_phone(text: str) -> Parsed[str]:
    """A mobile phone number in E.164 ("+8613800138000"); CN is the default region."""
    cleaned = normalise(text)
    if not cleaned or not _PHONE_CHARS.fullmatch(cleaned):
        return _refuse(PHONE_INVALID)
    try:
        number = phonenumbers.parse(cleaned, "CN")
    except phonenumbers.NumberParseException:
        return _refuse(PHONE_INVALID)
    if not phonenumbers.is_valid_number(number):
        return _refuse(PHONE_INVALID)
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return _refuse(PHONE_NOT_MOBILE)
    return _accept(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# --- resident ID number ------------------------------------------------------------------------

_ID_18 = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_ID_15 = re.compile(r"[0-9]{15}", re.ASCII)
_TAIWAN_RESIDENCE_PERMIT = "83"


def _province_known(number: str) -> bool:
    if number[:2] == _TAIWAN_RESIDENCE_PERMIT:
        return number[:6] == "830000"
    return any("province" in props for _part, props in numdb.get("cn/loc").info(number[:6]))


def parse_id_number(text: str, *, today: date | None = None) -> Parsed[str]:
    """An 18-character resident ID number (居民身份证号), upper-case X, no spaces."""
    cleaned = normalise(text)
    if cleaned is None:
        return _refuse(ID_INVALID)
    number = cleaned.replace(" ", "").upper()
    if _ID_15.fullmatch(number):
        return _refuse(ID_OLD)
    if not _ID_18.fullmatch(number):
        return _refuse(ID_INVALID)
    if number[-1] != ric.calc_check_digit(number):
        return _refuse(ID_CHECKSUM)
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        return _refuse(ID_BIRTH_DATE)
    if birth.year < 1900 or (today is not None and birth > today):
        return _refuse(ID_BIRTH_DATE)
    if not _province_known(number):
        return _refuse(ID_REGION)
    return _accept(number)


# --- time --------------------------------------------------------------------------------------

_PERIODS = "凌晨|半夜|早上|早晨|上午|中午|下午|傍晚|晚上|夜里"
_CN_TIME = re.compile(
    rf"(?P<period>{_PERIODS})?\s*(?P<h>[0-9]{{1,2}})\s*"
    r"(?::\s*(?P<clock>[0-9]{2})"
    r"|[点时時]\s*(?:(?P<half>半)|(?P<m>[0-9]{2})\s*分?|(?P<m1>[0-9])\s*分)?)",
    re.ASCII,
)
_EN_TIME = re.compile(
    r"(?P<h>[0-9]{1,2})(?:\s*[:.]\s*(?P<m>[0-9]{2}))?\s*(?P<ampm>a\.?\s*m\.?|p\.?\s*m\.?)",
    re.ASCII,
)
_MORNING = frozenset({"凌晨", "半夜", "早上", "早晨", "上午"})
_MIDNIGHT_TWELVE = frozenset({"凌晨", "半夜", "晚上", "夜里"})


def _hour_with_period(hour: int, period: str) -> int | None:
    """The 24-hour hour for a 12-hour `hour` said with a Chinese period of the day."""
    if not 1 <= hour <= 12:
        return None
    if hour == 12:
        return 0 if period in _MIDNIGHT_TWELVE else 12
    if period in _MORNING:
        return hour
    if period == "中午":  # 中午12点, 中午1点
        return hour + 12 if hour <= 2 else None
    return hour + 12


def _safe_time(hour: int | None, minute: int) -> Parsed[time]:
    if hour is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
        return _refuse(TIME_INVALID)
    return _accept(time(hour, minute))


def parse_time(text: str) -> Parsed[time]:
    """A time of day, to the minute.

    Accepted forms (full-width digits and "：" too):

    - 24-hour clock: "14:30", "9:05" (two-digit minutes), hours 0–23;
    - Chinese: "14点", "14点30", "14点30分", "14点05分", "14点半", "14时30分", "14:30";
    - with a period of the day, hours 1–12: 凌晨/半夜/早上/早晨/上午 keep the hour; 下午/傍晚/
      晚上/夜里 add 12 ("下午2点半" is 14:30); 中午 means 12, 1 or 2 o'clock in the afternoon;
      12 with 凌晨/半夜/晚上/夜里 is midnight (0:00), otherwise noon;
    - English, hours 1–12: "2:30 pm", "2:30pm", "2pm", "2 p.m.", "9.15 am" (case-insensitive);
      "12 am" is 0:00 and "12 pm" is 12:00.

    Anything else, a bare number ("14") and impossible times ("24:00", "14:60") are refused with
    "answer-time-invalid".
    """
    cleaned = normalise(text)
    if not cleaned:
        return _refuse(TIME_INVALID)
    lowered = cleaned.lower()
    if match := _EN_TIME.fullmatch(lowered):
        hour = int(match["h"])
        if not 1 <= hour <= 12:
            return _refuse(TIME_INVALID)
        hour %= 12
        if match["ampm"].startswith("p"):
            hour += 12
        return _safe_time(hour, int(match["m"] or 0))
    match = _CN_TIME.fullmatch(cleaned)
    if match is None:
        return _refuse(TIME_INVALID)
    minute = 30 if match["half"] else int(match["clock"] or match["m"] or match["m1"] or 0)
    if match["period"]:
        return _safe_time(_hour_with_period(int(match["h"]), match["period"]), minute)
    return _safe_time(int(match["h"]), minute)


# --- temperature -------------------------------------------------------------------------------

_TEMPERATURE = re.compile(
    r"(?P<whole>[0-9]{1,3})(?:[.,](?P<fraction>[0-9]{1,3}))?\s*(?:℃|°\s*c?|度|c)?",
    re.ASCII | re.IGNORECASE,
)


def parse_temperature(text: str) -> Parsed[float]:
    """A body temperature in °C with one decimal, 35.0–42.0 inclusive."""
    cleaned = normalise(text)
    if not cleaned:
        return _refuse(TEMPERATURE_INVALID)
    match = _TEMPERATURE.fullmatch(cleaned)
    if match is None:
        return _refuse(TEMPERATURE_INVALID)
    raw = Decimal(f"{match['whole']}.{match['fraction'] or '0'}")
    value = raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if not TEMPERATURE_MIN <= value <= TEMPERATURE_MAX:
        return _refuse(TEMPERATURE_RANGE)
    return _accept(float(value))


# --- train or flight number --------------------------------------------------------------------

_TRAIN = re.compile(r"[GDCZTKYLS][0-9]{1,4}|[0-9]{4}", re.ASCII)
_FLIGHT = re.compile(r"(?:[A-Z]{2}|[A-Z][0-9]|[0-9][A-Z])[0-9]{1,4}[A-Z]?", re.ASCII)
_TRANSPORT_DROP = re.compile(r"[\s\-]+")


def parse_train_or_flight(text: str) -> Parsed[str]:
    """A train or flight number, upper-case without spaces ("G1234", "CA1234")."""
    cleaned = normalise(text)
    if not cleaned:
        return _refuse(TRAIN_INVALID)
    number = _TRANSPORT_DROP.sub("", cleaned).upper()
    if number.endswith("次"):
        number = number[:-1]
        return _accept(number) if _TRAIN.fullmatch(number) else _refuse(TRAIN_INVALID)
    if number.endswith("航班"):
        number = number[:-2]
        return _accept(number) if _FLIGHT.fullmatch(number) else _refuse(TRAIN_INVALID)
    if _TRAIN.fullmatch(number) or _FLIGHT.fullmatch(number):
        return _accept(number)
    return _refuse(TRAIN_INVALID)
