"""The period picker's domain (domain/periods.py) and texts (texts/period_keyboards.py)."""

from datetime import date

import pytest

from domain import periods
from domain.org import Language
from domain.periods import (
    PERIOD_FUTURE,
    PERIOD_INVALID,
    PERIOD_INVERTED,
    PERIOD_TOO_LONG,
    Period,
    Preset,
    preset,
    read_period,
    week_of,
)
from texts.i18n import Translator, catalog
from texts.period_keyboards import period_keyboard, period_label, period_refusal

TODAY = date(2026, 12, 6)


def test_refusal_keys_are_distinct_and_in_both_languages() -> None:
    assert len(set(periods.REFUSALS)) == len(periods.REFUSALS) == 4
    for language in Language:
        assert [key for key in periods.REFUSALS if key not in catalog(language)] == []


@pytest.mark.parametrize(
    ("choice", "first"),
    [
        (Preset.TODAY, date(2026, 12, 6)),
        (Preset.LAST_7, date(2026, 11, 30)),
        (Preset.LAST_30, date(2026, 11, 7)),
        (Preset.THIS_MONTH, date(2026, 12, 1)),
    ],
)
def test_every_preset_ends_today(choice: Preset, first: date) -> None:
    assert preset(choice, TODAY) == Period(first, TODAY)


def test_last_7_days_are_seven_days() -> None:
    assert preset(Preset.LAST_7, TODAY).length == 7
    assert len(list(preset(Preset.LAST_30, TODAY).days())) == 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-01 2026-11-30", Period(date(2026, 11, 1), date(2026, 11, 30))),
        ("11-1 11-30", Period(date(2026, 11, 1), date(2026, 11, 30))),
        ("11-1~11-30", Period(date(2026, 11, 1), date(2026, 11, 30))),
        ("11月1日至11月30日", Period(date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-01 - 2026-11-30", Period(date(2026, 11, 1), date(2026, 11, 30))),
        ("１１－１　１１－３０", Period(date(2026, 11, 1), date(2026, 11, 30))),
        # December 20 is two weeks ahead, read as this year's (not silently a year back),
        # so it comes after January 5: refused as inverted.
        ("12-20 1-5", None),
        ("2026-12-03", Period(date(2026, 12, 3), date(2026, 12, 3))),
    ],
)
def test_typed_periods(text: str, expected: Period | None) -> None:
    found = read_period(text, TODAY)
    if expected is None:
        assert found.refusal == PERIOD_INVERTED
    else:
        assert found.value == expected


def test_dates_across_the_new_year_read_backwards() -> None:
    found = read_period("12-20 1-5", date(2027, 1, 10))
    assert found.value == Period(date(2026, 12, 20), date(2027, 1, 5))


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("", PERIOD_INVALID),
        ("last week", PERIOD_INVALID),
        ("2026-02-30 2026-03-01", PERIOD_INVALID),
        ("11-1 11-2 11-3", PERIOD_INVALID),
        ("2026-11-30 2026-11-01", PERIOD_INVERTED),
        ("2026-11-01 2026-12-31", PERIOD_FUTURE),
        ("2025-01-01 2026-12-01", PERIOD_TOO_LONG),
    ],
)
def test_refusals(text: str, refusal: str) -> None:
    assert read_period(text, TODAY).refusal == refusal


def test_the_limit_is_configurable() -> None:
    assert read_period("11-1 11-30", TODAY, max_days=29).refusal == PERIOD_TOO_LONG
    assert read_period("11-1 11-30", TODAY, max_days=30).ok
    assert read_period("2025-12-06 2026-12-06", TODAY).ok  # 366 days by default


def test_week_of_runs_monday_to_sunday() -> None:
    assert week_of(date(2026, 12, 3)) == Period(date(2026, 11, 30), date(2026, 12, 6))
    assert week_of(date(2026, 11, 30)) == week_of(date(2026, 12, 6))


@pytest.mark.parametrize("language", list(Language))
def test_texts_in_both_languages(language: Language) -> None:
    tr = Translator(language)
    text = period_refusal(tr, PERIOD_TOO_LONG, TODAY, 90)
    assert "90" in text
    assert "2026-11-30 2026-12-06" in period_refusal(tr, PERIOD_INVALID, TODAY)
    assert period_label(tr, Period(TODAY, TODAY)) == "2026-12-06"
    assert "2026-12-01" in period_label(tr, preset(Preset.THIS_MONTH, TODAY))


def test_the_keyboard_offers_every_preset() -> None:
    from aiogram.filters.callback_data import CallbackData

    class Pick(CallbackData, prefix="t1per"):
        preset: Preset

    markup = period_keyboard(Translator(Language.EN), lambda choice: Pick(preset=choice))
    data = [button.callback_data for row in markup.inline_keyboard for button in row]
    assert data == [Pick(preset=choice).pack() for choice in Preset]
