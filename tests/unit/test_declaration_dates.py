"""The date windows of the declaration dialog: every typed date has one for its question, and
a stored draft holds no date a dialog could not have accepted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain import declaration_dialog as dialog
from domain import declaration_steps as steps
from domain.answers import Parsed
from domain.declaration_dialog import Draft
from domain.declaration_steps import StoredAnswerError, check_answer, parse_typed_date

TODAY = date(2026, 11, 22)
PAST_STEPS = ("entry", "testdate", "sstart", "send")


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def window(step: str, lookback_days: int = 14) -> dict[str, str]:
    return steps.date_window(step, TODAY, lookback_days).params()


@pytest.mark.parametrize("offset", [0, 1, 183])
def test_a_planned_return_within_six_months_is_accepted(offset: int) -> None:
    found = parse_typed_date("planned", days(offset), TODAY)
    assert found == Parsed(value=TODAY + timedelta(days=offset))


@pytest.mark.parametrize("typed", [days(-1), days(184), "9999-12-25", "2099-01-01", "0001-01-01"])
def test_a_planned_return_outside_the_window_is_refused(typed: str) -> None:
    assert parse_typed_date("planned", typed, TODAY) == Parsed(refusal="declare-planned-range")


def test_the_planned_window_is_named_concretely() -> None:
    assert window("planned") == {"first": "2026-11-22", "last": "2027-05-24", "days": "183"}


@pytest.mark.parametrize(("offset", "ok"), [(0, True), (-14, True), (-15, False)])
def test_an_arrival_must_be_within_the_look_back_window(offset: int, ok: bool) -> None:
    found = parse_typed_date("arrdate", days(offset), TODAY)
    assert found.ok is ok
    if not ok:
        assert found.refusal == "declare-arrdate-range"


@pytest.mark.parametrize("typed", [days(1), "明天", "tomorrow"])
def test_an_arrival_ahead_says_so_not_the_look_back(typed: str) -> None:
    assert parse_typed_date("arrdate", typed, TODAY) == Parsed(refusal="declare-arrdate-ahead")


def test_the_arrival_window_follows_the_configured_look_back() -> None:
    assert parse_typed_date("arrdate", days(-7), TODAY, lookback_days=7).ok
    refused = parse_typed_date("arrdate", days(-8), TODAY, lookback_days=7)
    assert refused.refusal == "declare-arrdate-range"
    assert window("arrdate", 7) == {"first": "2026-11-15", "last": "2026-11-22", "days": "7"}


@pytest.mark.parametrize("step", PAST_STEPS)
@pytest.mark.parametrize(("offset", "ok"), [(0, True), (-366, True), (-367, False), (1, False)])
def test_other_dates_are_within_the_past_year(step: str, offset: int, ok: bool) -> None:
    found = parse_typed_date(step, days(offset), TODAY)
    assert found.ok is ok
    if not ok:
        assert found.refusal == "declare-date-range"


@pytest.mark.parametrize("step", PAST_STEPS)
def test_other_dates_are_never_far_ahead(step: str) -> None:
    for typed in ("9999-12-25", "2099-01-01", "明天", "后天"):
        assert parse_typed_date(step, typed, TODAY) == Parsed(refusal="declare-date-range")


@pytest.mark.parametrize("step", sorted(steps.DATE_STEPS))
def test_what_is_no_date_is_refused_as_such(step: str) -> None:
    for typed in ("下个月", "2026-02-30", "99999-12-25", "1" * 300):
        assert parse_typed_date(step, typed, TODAY) == Parsed(refusal="answer-date-invalid")


def test_the_dialog_asks_again_with_the_window() -> None:
    draft = Draft(step="planned", answers={"status": "planning_return"})
    outcome = dialog.answer(draft, "9999-12-25", today=TODAY)
    assert (outcome.draft, outcome.refusal) == (draft, "declare-planned-range")
    assert outcome.params == window("planned")
    arrival = Draft(step="arrdate", answers={"status": "returned"})
    outcome = dialog.answer(arrival, days(-8), today=TODAY, lookback_days=7)
    assert (outcome.draft, outcome.refusal) == (arrival, "declare-arrdate-range")
    assert outcome.params == window("arrdate", 7)
    assert dialog.answer(arrival, days(-7), today=TODAY, lookback_days=7).draft.step == "arrtime"
    # A refusal that names no window has no values.
    assert dialog.answer(arrival, "下个月", today=TODAY).params == {}


@pytest.mark.parametrize("step", sorted(steps.DATE_STEPS))
def test_a_stored_date_is_where_a_dialog_could_have_put_it(step: str) -> None:
    oldest = -(steps.PAST_DAYS + steps.DRAFT_AGE_DAYS)
    for offset in (oldest, 0, steps.PLANNED_AHEAD_DAYS):
        check_answer(step, days(offset), today=TODAY)
    for typed in (days(oldest - 1), days(steps.PLANNED_AHEAD_DAYS + 1), "9999-12-25"):
        with pytest.raises(StoredAnswerError):
            check_answer(step, typed, today=TODAY)
