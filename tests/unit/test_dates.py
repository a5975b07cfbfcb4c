"""The one date reader (domain/dates.py): the forms people type, the direction a date without a
year is read in, and the window every caller checks."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import dates
from domain.answers import Parsed
from domain.dates import (
    DATE_INVALID,
    DATE_OUTSIDE,
    DateWindow,
    Direction,
    parse_day,
    read_date,
    refusal_params,
)

TODAY = date(2026, 11, 25)


def wide(today: date) -> DateWindow:
    """Wide enough that only the reading is tested."""
    return DateWindow(today - timedelta(days=3650), today + timedelta(days=3650))


WIDE = wide(TODAY)
PAST_YEAR = DateWindow(TODAY - timedelta(days=365), TODAY)


def test_refusal_keys_are_listed_and_distinct() -> None:
    assert len(set(dates.REFUSALS)) == len(dates.REFUSALS) == 2


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20",
        "2026/11/20",
        "2026.11.20",
        "20261120",
        "2026 - 11 - 20",
        "2026年11月20日",
        "2026年11月20号",
        "2026年11月20",
        "2026 年 11 月 20 日",
        "11-20",
        "11/20",
        "11.20",
        "11月20日",
        "11月20号",
        "11月20",
        "２０２６－１１－２０",
        "２０２６年１１月２０日",
        "１１／２０",
    ],
)
def test_date_forms(text: str) -> None:
    assert read_date(text, TODAY, WIDE) == Parsed(value=date(2026, 11, 20))


def test_date_single_digit_month_and_day() -> None:
    assert read_date("2026-3-5", TODAY, WIDE) == Parsed(value=date(2026, 3, 5))
    assert read_date("3月5日", TODAY, WIDE) == Parsed(value=date(2026, 3, 5))


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("今天", 0),
        ("今日", 0),
        ("today", 0),
        ("TODAY", 0),
        (" Today ", 0),
        ("昨天", -1),
        ("昨日", -1),
        ("Yesterday", -1),
        ("前天", -2),
        ("明天", 1),
        ("明日", 1),
        ("tomorrow", 1),
        ("后天", 2),
    ],
)
def test_date_words(text: str, offset: int) -> None:
    assert read_date(text, TODAY, WIDE, Direction.NEAREST) == Parsed(
        value=TODAY + timedelta(days=offset)
    )


@pytest.mark.parametrize("text", ["明天", "tomorrow", "2026-11-26", "20271120"])
def test_a_day_after_the_window_gets_the_window_refusal(text: str) -> None:
    assert read_date(text, TODAY, PAST_YEAR) == Parsed(refusal=DATE_OUTSIDE)
    assert read_date(text, TODAY, WIDE, Direction.NEAREST).ok


def test_date_today_is_inside_a_window_ending_today() -> None:
    assert read_date("2026-11-25", TODAY, PAST_YEAR) == Parsed(value=TODAY)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("12/31", date(2026, 3, 1), date(2025, 12, 31)),  # the most recent one
        ("11/25", TODAY, TODAY),  # today itself
        ("11/26", TODAY, date(2026, 11, 26)),  # tomorrow: this year's, not a year ago
        ("12/26", TODAY, date(2026, 12, 26)),  # a month ahead: still this year's
        ("12/27", TODAY, date(2025, 12, 27)),  # further ahead: the most recent one
        ("2月29日", date(2026, 3, 1), date(2024, 2, 29)),  # the most recent 29 February
    ],
)
def test_date_without_year_is_the_most_recent(text: str, today: date, expected: date) -> None:
    assert read_date(text, today, wide(today)) == Parsed(value=expected)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("1/3", date(2026, 12, 28), date(2027, 1, 3)),  # nearest: next year
        ("12/28", date(2026, 1, 3), date(2025, 12, 28)),  # nearest: last year
        ("11/26", TODAY, date(2026, 11, 26)),
        ("11/20", TODAY, date(2026, 11, 20)),
        ("5/28", TODAY, date(2026, 5, 28)),  # 181 days back, 184 ahead
        ("5/20", TODAY, date(2027, 5, 20)),  # 189 days back, 176 ahead
        ("2/29", date(2027, 12, 1), date(2028, 2, 29)),
    ],
)
def test_date_without_year_and_future_allowed_is_the_nearest(
    text: str, today: date, expected: date
) -> None:
    assert read_date(text, today, wide(today), Direction.NEAREST) == Parsed(value=expected)


def test_a_day_before_the_window_gets_the_window_refusal() -> None:
    assert read_date("2025-11-24", TODAY, PAST_YEAR) == Parsed(refusal=DATE_OUTSIDE)
    assert read_date("2025-11-25", TODAY, PAST_YEAR) == Parsed(value=date(2025, 11, 25))
    own = DateWindow(TODAY - timedelta(days=14), TODAY, "declare-arrdate-range")
    assert read_date("11月1日", TODAY, own) == Parsed(refusal="declare-arrdate-range")
    assert refusal_params("declare-arrdate-range", own) == {
        "first": "2026-11-11",
        "last": "2026-11-25",
        "days": "14",
    }
    assert refusal_params(DATE_INVALID, own) == {}


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("12-01", date(2026, 12, 5), date(2027, 12, 1)),  # the next one
        ("12-05", date(2026, 12, 5), date(2026, 12, 5)),  # today itself
        ("2/29", date(2026, 3, 1), date(2028, 2, 29)),
    ],
)
def test_date_without_year_read_forwards_is_the_next(
    text: str, today: date, expected: date
) -> None:
    assert parse_day(text, today, Direction.FUTURE) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-02-30",
        "2026-13-01",
        "2026-00-10",
        "2026-11-00",
        "2月30日",
        "13/20",
        "20260230",
        "26-11-20",  # two-digit years are ambiguous
        "2026-11/20",  # mixed separators
        "2026-11月20",
        "2026年11月",
        "11月",
        "next week",
        "大前天",
        "2026-11-20 10:00",
        "١١/٢٠",
        "1120",
    ],
)
def test_date_refuses_unreadable_or_impossible(text: str) -> None:
    assert read_date(text, TODAY, WIDE, Direction.NEAREST) == Parsed(refusal="answer-date-invalid")


@settings(database=None, max_examples=200, deadline=None, derandomize=True)
@given(day=st.dates(min_value=date(2025, 11, 24), max_value=date(2026, 11, 25)))
def test_date_round_trips_every_accepted_form(day: date) -> None:
    for text in (
        day.isoformat(),
        day.strftime("%Y/%m/%d"),
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
    ):
        assert read_date(text, TODAY, WIDE) == Parsed(value=day)
    # Without a year, read back: the days of the coming month are this year's.
    if (TODAY - day).days < 365 - 31:
        assert read_date(f"{day.month}月{day.day}日", TODAY, WIDE) == Parsed(value=day)


@settings(database=None, max_examples=300, deadline=None, derandomize=True)
@given(text=st.text(max_size=300), direction=st.sampled_from(Direction))
def test_the_reader_never_raises(text: str, direction: Direction) -> None:
    result = read_date(text, TODAY, PAST_YEAR, direction)
    assert result.ok or result.refusal in dates.REFUSALS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nov 20", date(2026, 11, 20)),
        ("nov. 20th", date(2026, 11, 20)),
        ("20 November", date(2026, 11, 20)),
        ("Sept 30", date(2026, 9, 30)),
        ("3 December 2025", date(2025, 12, 3)),
        ("December 3rd, 2025", date(2025, 12, 3)),
        ("Dec 3", date(2026, 12, 3)),  # just ahead: this year's (a window ending today refuses)
    ],
)
def test_english_month_names(text: str, expected: date) -> None:
    assert parse_day(text, TODAY, Direction.PAST) == expected


@pytest.mark.parametrize("text", ["Foo 3", "Mar 40", "Ma 3", "December", "3", "Feb 30"])
def test_words_that_are_no_english_date(text: str) -> None:
    assert parse_day(text, TODAY, Direction.PAST) is None
