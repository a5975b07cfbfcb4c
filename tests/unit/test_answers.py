"""The free-answer validators of the declaration dialog (domain/answers.py)."""

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import answers
from domain.answers import (
    Parsed,
    parse_id_number,
    parse_phone,
    parse_temperature,
    parse_time,
    parse_train_or_flight,
)

TODAY = date(2026, 11, 25)


def with_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2, written out here to cross-check the library."""
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    remainder = sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11
    return first17 + "10X98765432"[remainder]


# --- Parsed -------------------------------------------------------------------------------------


def test_parsed_holds_exactly_one_of_value_and_refusal() -> None:
    assert Parsed(value=1).ok
    assert not Parsed[int](refusal="x").ok
    with pytest.raises(ValueError, match="exactly one"):
        Parsed[int]()
    with pytest.raises(ValueError, match="exactly one"):
        Parsed(value=1, refusal="x")


def test_refusal_keys_are_listed_and_distinct() -> None:
    assert len(set(answers.REFUSALS)) == len(answers.REFUSALS)
    assert all(key.startswith("answer-") for key in answers.REFUSALS)


# --- phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "+86 138 0013 8000",
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "  13800138000  ",
        "+86-138-0013-8000",
        "(+86) 138 0013 8000",
        "8613800138000",
        "008613800138000",
        "１３８００１３８０００",
        "＋８６　１３８　００１３　８０００",
    ],
)
def test_phone_accepts_chinese_mobile_forms(text: str) -> None:
    assert parse_phone(text) == Parsed(value="+8613800138000")


def test_phone_accepts_a_foreign_mobile_with_its_country_code() -> None:
    assert parse_phone("+852 9123 4567") == Parsed(value="+85291234567")


@pytest.mark.parametrize("text", ["010 6552 9988", "+86 10 6552 9988", "021-6321-0000"])
def test_phone_refuses_landlines(text: str) -> None:
    assert parse_phone(text) == Parsed(refusal="answer-phone-not-mobile")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1380013800",  # a digit short
        "138001380001",  # a digit too many
        "12345",
        "1-800-FLOWERS",  # letters would be read as digits by the library
        "tel: 13800138000",
        "13800138000 ext 1",
        "+",
        "++8613800138000",
        "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits are not digits here
    ],
)
def test_phone_refuses_invalid_numbers(text: str) -> None:
    assert parse_phone(text) == Parsed(refusal="answer-phone-invalid")


# --- resident ID number -------------------------------------------------------------------------

VALID_ID = "11010519491231002X"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID_ID, VALID_ID),
        ("11010519491231002x", VALID_ID),
        (" 110105 19491231 002x ", VALID_ID),
        ("１１０１０５１９４９１２３１００２Ｘ", VALID_ID),
        ("360426199101010071", "360426199101010071"),
        (with_check_digit("44030320000229123"), with_check_digit("44030320000229123")),
        # Residence permits of Hong Kong, Macau and Taiwan residents share the format.
        (with_check_digit("81000019900101001"), with_check_digit("81000019900101001")),
        (with_check_digit("83000019900101001"), with_check_digit("83000019900101001")),
    ],
)
def test_id_number_accepts_valid_numbers(text: str, expected: str) -> None:
    assert parse_id_number(text, today=TODAY) == Parsed(value=expected)


def test_id_check_digit_matches_the_written_out_algorithm() -> None:
    assert with_check_digit(VALID_ID[:17]) == VALID_ID
    for first17 in ("11010119900307123", "42010219851011001", "51010019771231987"):
        assert parse_id_number(with_check_digit(first17)).ok


@pytest.mark.parametrize(
    "text", ["110105194912310021", "110105194912310020", "11010519491231002Y"[:17] + "1"]
)
def test_id_number_refuses_a_wrong_check_digit(text: str) -> None:
    assert parse_id_number(text) == Parsed(refusal="answer-id-checksum")


def test_id_number_refuses_every_single_digit_typo() -> None:
    for position in range(17):
        digit = VALID_ID[position]
        typo = VALID_ID[:position] + str((int(digit) + 1) % 10) + VALID_ID[position + 1 :]
        assert not parse_id_number(typo).ok, typo


def test_id_number_refuses_old_fifteen_digit_numbers() -> None:
    assert parse_id_number("110105491231002") == Parsed(refusal="answer-id-old")


@pytest.mark.parametrize(
    "first17",
    [
        "11010519490230002",  # 30 February
        "11010519491301002",  # month 13
        "11010518991231002",  # before 1900
        "11010520261126002",  # after today
        "11010520230229002",  # 2023 was no leap year
    ],
)
def test_id_number_refuses_impossible_birth_dates(first17: str) -> None:
    text = with_check_digit(first17)
    assert parse_id_number(text, today=TODAY) == Parsed(refusal="answer-id-birth-date")


def test_id_birth_date_in_the_future_needs_today() -> None:
    assert parse_id_number(with_check_digit("11010520261126002")).ok


@pytest.mark.parametrize("prefix", ["990105", "000000", "830105", "200000"])
def test_id_number_refuses_unknown_provinces(prefix: str) -> None:
    text = with_check_digit(prefix + "19900101001")
    assert parse_id_number(text) == Parsed(refusal="answer-id-region")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002X1",
        "X10105194912310021",
        "1101051949123100XX",
        "11010519491231002Ⅹ",  # Roman numeral ten
        "11010519491231002×",
        "110105-19491231-002X",
    ],
)
def test_id_number_refuses_malformed_input(text: str) -> None:
    assert parse_id_number(text) == Parsed(refusal="answer-id-invalid")


# --- time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("１４：３０", time(14, 30)),
        ("14 : 30", time(14, 30)),
        ("14点", time(14, 0)),
        ("14点30", time(14, 30)),
        ("14点30分", time(14, 30)),
        ("14点05分", time(14, 5)),
        ("14点5分", time(14, 5)),
        ("14点半", time(14, 30)),
        ("14时30分", time(14, 30)),
        ("14時", time(14, 0)),
        ("下午2点半", time(14, 30)),
        ("下午2点", time(14, 0)),
        ("下午 2:30", time(14, 30)),
        ("晚上8点", time(20, 0)),
        ("傍晚6点", time(18, 0)),
        ("上午9点15", time(9, 15)),
        ("早上7点", time(7, 0)),
        ("凌晨3点", time(3, 0)),
        ("凌晨12点", time(0, 0)),
        ("晚上12点", time(0, 0)),
        ("中午12点", time(12, 0)),
        ("中午1点", time(13, 0)),
        ("2:30 pm", time(14, 30)),
        ("2:30pm", time(14, 30)),
        ("2:30 PM", time(14, 30)),
        ("2pm", time(14, 0)),
        ("2 p.m.", time(14, 0)),
        ("9.15 am", time(9, 15)),
        ("12 am", time(0, 0)),
        ("12:30 am", time(0, 30)),
        ("12 pm", time(12, 0)),
    ],
)
def test_time_forms(text: str, expected: time) -> None:
    assert parse_time(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "14",
        "24:00",
        "14:60",
        "14:5",
        "14点60",
        "14点5",  # one digit without 分 is ambiguous
        "25点",
        "下午2",
        "下午14点",  # a period of the day needs a 12-hour hour
        "上午0点",
        "中午5点",
        "13pm",
        "0am",
        "14:30:00",
        "两点半",
        "noon",
        "١٤:٣٠",
    ],
)
def test_time_refuses_unreadable_or_impossible(text: str) -> None:
    assert parse_time(text) == Parsed(refusal="answer-time-invalid")


# --- temperature --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("36.5", 36.5),
        ("36,5", 36.5),
        ("36.5℃", 36.5),
        ("36.5 ℃", 36.5),
        ("36.5°C", 36.5),
        ("36.5°c", 36.5),
        ("36.5°", 36.5),
        ("36.5C", 36.5),
        ("36.5度", 36.5),
        ("３６．５", 36.5),
        ("３６，５℃", 36.5),
        ("37", 37.0),
        ("36.55", 36.6),  # half up
        ("36.54", 36.5),
        ("35", 35.0),
        ("35.0", 35.0),
        ("34.95", 35.0),
        ("42", 42.0),
        ("42.04", 42.0),
    ],
)
def test_temperature_forms(text: str, expected: float) -> None:
    assert parse_temperature(text) == Parsed(value=expected)


@pytest.mark.parametrize("text", ["34.9", "34.94", "42.05", "42.1", "0", "100", "365", "1.5"])
def test_temperature_out_of_range(text: str) -> None:
    assert parse_temperature(text) == Parsed(refusal="answer-temperature-range")


@pytest.mark.parametrize(
    "text",
    ["", "abc", "36.5°F", "97.7F", "-36.5", "36.5.1", "36..5", "36.5555", "1000", ".5", "36,"],
)
def test_temperature_refuses_unreadable(text: str) -> None:
    assert parse_temperature(text) == Parsed(refusal="answer-temperature-invalid")


# --- train or flight ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("G1234", "G1234"),
        ("g1234", "G1234"),
        ("G 1234", "G1234"),
        ("D3", "D3"),
        ("C2001", "C2001"),
        ("Z99", "Z99"),
        ("T110", "T110"),
        ("K7", "K7"),
        ("Y501", "Y501"),
        ("L123", "L123"),
        ("S5", "S5"),
        ("6063", "6063"),
        ("G1234次", "G1234"),
        ("Ｇ１２３４", "G1234"),
        ("CA1234", "CA1234"),
        ("ca 1234", "CA1234"),
        ("CA-981", "CA981"),
        ("MU5101", "MU5101"),
        ("MU5101A", "MU5101A"),
        ("3U8888", "3U8888"),
        ("9C8888", "9C8888"),
        ("G52661", "G52661"),  # China Express's code is G5
        ("CA981航班", "CA981"),
        # A letter and a digit can be an airline code, so these read as flights:
        ("A1234", "A1234"),
        ("G12345X", "G12345X"),
        ("G1234航班", "G1234"),
    ],
)
def test_train_or_flight_forms(text: str, expected: str) -> None:
    assert parse_train_or_flight(text) == Parsed(value=expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12345",
        "123",
        "G",
        "ABC123",  # ICAO codes are not accepted
        "CA12345",
        "CA",
        "99123",
        "CA1234次",  # a flight with the train suffix
        "G12345次",
        "12345航班",
        "高铁G1234",
        "G1234/CA981",
        "G١٢٣٤",
    ],
)
def test_train_or_flight_refuses_others(text: str) -> None:
    assert parse_train_or_flight(text) == Parsed(refusal="answer-train-invalid")


# --- robustness ---------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\u3000",
    "None",
    "null",
    "undefined",
    "\x00",
    "\x00" * 50,
    "13800138000\x00",
    "36.5\n",
    "\n\t\r",
    "\u200b13800138000",
    "\u202e13800138000",
    "😷",
    "🤒 36.5",
    "👨‍👩‍👧‍👦" * 100,
    "<b>36.5</b>",
    "*G1234*",
    "`11/20`",
    "[14:30](http://x)",
    "'; DROP TABLE declarations; --",
    "9" * 10_000,
    "1" * 10_000,
    "G" + "1" * 9_999,
    "36." + "5" * 9_997,
    "2026-11-" + "2" * 9_992,
    "a" * 10_000,
    "😷" * 10_000,
    "\ud800",  # a lone surrogate
    "\uffff",
    "１" * 10_000,
    "1" * 201,
    "１０²",
    "Ⅻ点",
    "٣٦.٥",
]

VALIDATORS: dict[str, Callable[[str], Parsed[Any]]] = {
    "phone": parse_phone,
    "id": parse_id_number,
    "time": parse_time,
    "temperature": parse_temperature,
    "train": parse_train_or_flight,
}


def check_answer(name: str, text: str) -> None:
    result = VALIDATORS[name](text)
    assert isinstance(result, Parsed)
    assert (result.value is None) != (result.refusal is None)
    if result.refusal is not None:
        assert result.refusal in answers.REFUSALS


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_validators_survive_nasty_input(name: str, text: str) -> None:
    check_answer(name, text)


@pytest.mark.parametrize("name", sorted(VALIDATORS))
def test_validators_refuse_oversized_input(name: str) -> None:
    assert not VALIDATORS[name]("1" * 10_000).ok
    assert not VALIDATORS[name]("１" * (answers.MAX_INPUT + 1)).ok


PLAUSIBLE = st.text(
    alphabet=st.sampled_from(
        "0123456789０１２３４５６７８９ -/.:,+()年月日号点时半分XxGgCcAaMmPp℃°度次"
    ),
    max_size=24,
)


@pytest.mark.parametrize("name", sorted(VALIDATORS))
# derandomize: the same examples on every run, so CI cannot fail on an input never seen
# here; explore further with `pytest --hypothesis-seed=N`.
@settings(database=None, max_examples=300, deadline=None, derandomize=True)
@given(text=st.one_of(st.text(max_size=300), PLAUSIBLE))
def test_validators_never_raise(name: str, text: str) -> None:
    check_answer(name, text)


@settings(database=None, max_examples=200, deadline=None, derandomize=True)
@given(
    first17=st.from_regex(
        r"11010119[5-9][0-9](0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True
    )
)
def test_id_numbers_with_a_correct_check_digit_are_accepted(first17: str) -> None:
    number = with_check_digit(first17)
    assert parse_id_number(number, today=TODAY) == Parsed(value=number)
    wrong = next(c for c in "0123456789X" if c != number[-1])
    assert parse_id_number(first17 + wrong) == Parsed(refusal="answer-id-checksum")


@settings(database=None, max_examples=200, deadline=None, derandomize=True)
@given(value=st.decimals(min_value="35.0", max_value="42.0", places=1))
def test_temperatures_in_range_round_trip(value: object) -> None:
    assert parse_temperature(f"{value}") == Parsed(value=float(f"{value}"))
    assert parse_temperature(f"{value}℃".replace(".", ",")) == Parsed(value=float(f"{value}"))
