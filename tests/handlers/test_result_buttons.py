"""The test-day buttons: a positive result is confirmed in place before anything is recorded or
anyone alerted; negative and "done, result pending" stay one tap."""

from __future__ import annotations

from datetime import datetime

import pytest
from aiogram.methods import EditMessageReplyMarkup, EditMessageText
from sqlalchemy import select

from domain.declarations import TestResult
from domain.obligations import ObligationKind, ObligationState
from storage.models import OutboxRow, TestRecordRow
from tests.handlers.conftest import ZH, Harness
from tests.handlers.followups import (
    LIAISON,
    OTHER,
    RESIDENT,
    TRACKER,
    ZONE,
    followup,
    load_more_org,
    refusal,
    state,
)
from texts.checkin_keyboards import TestConfirm, TestRecord


@pytest.fixture(autouse=True)
async def org(harness: Harness) -> None:
    await load_more_org(harness)


async def results(harness: Harness) -> list[str]:
    async with harness.database.session() as session:
        return list(await session.scalars(select(TestRecordRow.result)))


async def alerted(harness: Harness) -> list[int]:
    async with harness.database.session() as session:
        return sorted(await session.scalars(select(OutboxRow.chat_id)))


def press_data(obligation_id: int, result: TestResult) -> str:
    return TestRecord(obligation_id=obligation_id, result=result).pack()


def confirm(obligation_id: int, *, back: bool = False) -> str:
    return TestConfirm(obligation_id=obligation_id, back=back).pack()


def last_edit(harness: Harness) -> EditMessageText:
    edit: EditMessageText = harness.session.of_type(EditMessageText)[-1]
    return edit


async def test_a_positive_press_asks_to_confirm_in_place_and_records_nothing(
    harness: Harness,
) -> None:
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)
    heading = ZH("result-test-day", name="胡军", day="2026-11-23")
    question = ZH("result-confirm-positive", name="胡军", day="2026-11-23")
    assert await harness.press(RESIDENT, press_data(ob, TestResult.POSITIVE)) == [
        f"{heading}\n\n{question}"
    ]
    assert harness.session.sent(RESIDENT) == []  # in place: no new message
    assert harness.labels() == [ZH("result-confirm-yes"), ZH("result-confirm-back")]
    assert await results(harness) == []
    assert await alerted(harness) == []
    assert await state(harness, ob) is ObligationState.OPEN
    # Back: the three choices again, still nothing recorded.
    assert await harness.press(RESIDENT, confirm(ob, back=True)) == [heading]
    assert harness.button(ZH("checkin-test-button-negative")) == press_data(ob, TestResult.NEGATIVE)
    assert await results(harness) == []
    # Positive again, then confirmed: recorded, and the unit's staff and supervisors alerted.
    await harness.press(RESIDENT, press_data(ob, TestResult.POSITIVE))
    assert await harness.press(RESIDENT, confirm(ob)) == [ZH("checkin-test-recorded-positive")]
    assert await results(harness) == ["positive"]
    assert await alerted(harness) == [1001, 1002, LIAISON, TRACKER]
    assert await state(harness, ob) is ObligationState.MET
    # The question shows the answer given and keeps no buttons.
    answered = ZH("dialog-answered", answer=ZH("checkin-test-button-positive"))
    assert (last_edit(harness).text, last_edit(harness).reply_markup) == (
        f"{heading}\n\n{answered}",
        None,
    )
    # Confirmed once: a second confirmation (a double tap) records and alerts nothing more.
    assert await harness.press(RESIDENT, confirm(ob)) == []
    assert refusal(harness) == ZH("checkin-test-already")
    assert len(await alerted(harness)) == 4


async def test_negative_is_one_tap_and_takes_the_buttons_off(harness: Harness) -> None:
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)
    # Positive pressed by mistake, then back, then negative: one tap from the choices.
    await harness.press(RESIDENT, press_data(ob, TestResult.POSITIVE))
    await harness.press(RESIDENT, confirm(ob, back=True))
    assert await harness.press(RESIDENT, press_data(ob, TestResult.NEGATIVE)) == [
        ZH("checkin-test-recorded-negative")
    ]
    assert await results(harness) == ["negative"]
    [edit] = harness.session.of_type(EditMessageReplyMarkup)
    assert edit.reply_markup is None
    # A positive press on an older reminder of the same day is refused, nothing asked.
    assert await harness.press(RESIDENT, press_data(ob, TestResult.POSITIVE)) == []
    assert refusal(harness) == ZH("checkin-test-already")
    assert await alerted(harness) == []


async def test_done_is_one_tap_and_keeps_the_buttons_for_the_result(harness: Harness) -> None:
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)
    await harness.press(RESIDENT, press_data(ob, TestResult.POSITIVE))
    await harness.press(RESIDENT, confirm(ob, back=True))  # the choices, with their buttons
    assert await harness.press(RESIDENT, press_data(ob, TestResult.PENDING)) == [
        ZH("checkin-test-recorded-pending")
    ]
    assert harness.session.of_type(EditMessageReplyMarkup) == []
    # The result, later, from the same buttons: positive still asks first.
    await harness.press(RESIDENT, press_data(ob, TestResult.POSITIVE))
    assert await results(harness) == ["pending"]
    await harness.press(RESIDENT, confirm(ob))
    assert await results(harness) == ["positive"]


async def test_the_confirmation_is_checked_again_like_the_press(harness: Harness) -> None:
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)
    # Forged: someone else's confirmation, or one for a check-in's obligation.
    assert await harness.press(OTHER, confirm(ob)) == []
    assert refusal(harness) == ZH("checkin-not-yours")
    checkin = await followup(harness)
    assert await harness.press(RESIDENT, confirm(checkin)) == []
    assert refusal(harness) == ZH("checkin-unknown")
    assert await harness.press(OTHER, press_data(ob, TestResult.POSITIVE)) == []
    assert refusal(harness) == ZH("checkin-not-yours")
    assert await results(harness) == []
    # The tracker confirms for the resident: recorded on their behalf, alerting the others.
    await harness.press(TRACKER, press_data(ob, TestResult.POSITIVE))
    assert await harness.press(TRACKER, confirm(ob)) == [ZH("checkin-test-recorded-positive")]
    assert await alerted(harness) == [1001, 1002, LIAISON]


async def test_nothing_is_recorded_before_the_test_day(harness: Harness) -> None:
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)  # the test day is 2026-11-23
    # The reminder comes the day before, with its buttons.
    harness.clock.set(datetime(2026, 11, 22, 20, 0, tzinfo=ZONE))
    for result in (TestResult.NEGATIVE, TestResult.PENDING, TestResult.POSITIVE):
        assert await harness.press(RESIDENT, press_data(ob, result)) == []
        assert refusal(harness) == ZH("checkin-test-not-yet")
    assert await results(harness) == []
    assert await state(harness, ob) is ObligationState.OPEN
    # On the day it is recorded.
    harness.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=ZONE))
    assert await harness.press(RESIDENT, press_data(ob, TestResult.NEGATIVE)) == [
        ZH("checkin-test-recorded-negative")
    ]
