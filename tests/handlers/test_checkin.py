"""/checkin, the check-in and test reminders' buttons, through the real dispatcher and database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select

from domain.declarations import Symptom, TestResult
from domain.obligations import ObligationKind, ObligationState
from handlers.checkin import CheckinDialog
from storage.models import CheckinRow, OutboxRow, TestRecordRow
from tests.handlers.conftest import BOT_ID, ZH, Harness
from tests.handlers.followups import (
    DUE,
    LIAISON,
    OTHER,
    RESIDENT,
    STRANGER,
    TRACKER,
    engine_at,
    followup,
    load_more_org,
    refusal,
    state,
)
from texts.case_keyboards import CaseAct, CaseAction
from texts.checkin_keyboards import (
    CheckinFever,
    CheckinStart,
    CheckinSymptom,
    TestConfirm,
    TestRecord,
)


@pytest.fixture(autouse=True)
async def org(harness: Harness) -> None:
    await load_more_org(harness)


async def checkins(harness: Harness) -> list[tuple[float, list[str]]]:
    async with harness.database.session() as session:
        rows = await session.execute(select(CheckinRow.temperature, CheckinRow.symptoms))
        return [(t, list(s)) for t, s in rows]


async def alerts(harness: Harness) -> list[int]:
    async with harness.database.session() as session:
        return sorted(await session.scalars(select(OutboxRow.chat_id)))


def symptom(obligation_id: int, choice: str) -> str:
    return CheckinSymptom(obligation_id=obligation_id, choice=choice).pack()


def fever(obligation_id: int, choice: str) -> str:
    return CheckinFever(obligation_id=obligation_id, choice=choice).pack()


# A check-in with a fever or a symptom: recorded, staff told, and the fever-clinic advice.
ALERTED = ZH("checkin-recorded-alert") + "\n" + ZH("followup-result-fever-clinic")


async def test_checkin_asks_temperature_then_symptoms_and_records(harness: Harness) -> None:
    ob = await followup(harness)
    assert await harness.send(RESIDENT, "/checkin") == [
        ZH("checkin-ask-temperature", name="胡军", day="2026-11-23")
    ]
    assert await harness.send(RESIDENT, "36.6") == [ZH("checkin-ask-symptoms", temperature="36.6")]
    assert harness.button(ZH("checkin-button-none")) == symptom(ob, "none")
    assert await harness.press(RESIDENT, symptom(ob, "none")) == [ZH("checkin-recorded")]
    assert await checkins(harness) == [(36.6, [])]
    assert await state(harness, ob) is ObligationState.MET
    assert await alerts(harness) == []
    key = StorageKey(bot_id=BOT_ID, chat_id=RESIDENT, user_id=RESIDENT)
    assert await harness.storage.get_state(key) is None
    # Nothing left to check in today.
    assert await harness.send(RESIDENT, "/checkin") == [ZH("checkin-none")]


async def test_a_bad_temperature_is_re_asked_with_the_reason(harness: Harness) -> None:
    await followup(harness)
    await harness.send(RESIDENT, "/checkin")
    again = ZH("checkin-ask-temperature-again")
    assert await harness.send(RESIDENT, "hot") == [ZH("checkin-temperature-invalid") + "\n" + again]
    assert await harness.send(RESIDENT, "45") == [ZH("checkin-temperature-range") + "\n" + again]
    for text in ("<b>🔥</b>" * 500, "36.5.5", "\u202e37", "1e2", "３６．５度？"):
        assert await harness.send(RESIDENT, text) == [
            ZH("checkin-temperature-invalid") + "\n" + again
        ], text
    key = StorageKey(bot_id=BOT_ID, chat_id=RESIDENT, user_id=RESIDENT)
    assert await harness.storage.get_state(key) == CheckinDialog.temperature.state
    assert await checkins(harness) == []


async def test_symptoms_are_a_checklist_and_alert_on_done(harness: Harness) -> None:
    ob = await followup(harness)
    await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "36.8")
    harness.restart()  # the dialog survives a restart
    await harness.press(RESIDENT, symptom(ob, Symptom.DRY_COUGH.value))
    await harness.press(RESIDENT, symptom(ob, Symptom.FATIGUE.value))
    await harness.press(RESIDENT, symptom(ob, Symptom.FATIGUE.value))  # unticked again
    assert await harness.press(RESIDENT, symptom(ob, "done")) == [ALERTED]
    assert await checkins(harness) == [(36.8, ["dry_cough"])]
    # Liaison, tracker and the supervisors of the unit and up, privately.
    assert await alerts(harness) == [1001, 1002, LIAISON, TRACKER]


async def test_a_fever_alert_carries_the_number_and_the_case_buttons(harness: Harness) -> None:
    ob = await followup(harness, phone="+8613900139000")
    await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "38.2")
    await harness.press(RESIDENT, symptom(ob, "none"))
    await harness.press(RESIDENT, fever(ob, "confirm"))
    async with harness.database.session() as session:
        rows = await session.execute(
            select(OutboxRow.chat_id, OutboxRow.text, OutboxRow.reply_markup)
        )
        sent = {chat: (text, markup["inline_keyboard"]) for chat, text, markup in rows}
    view = CaseAct(declaration=1, action=CaseAction.VIEW).pack()
    phone = CaseAct(declaration=1, action=CaseAction.PHONE).pack()
    # The unit's liaison and tracker must call: the number in full, no "show number".
    for caller in (LIAISON, TRACKER):
        text, rows_ = sent[caller]
        assert ZH("checkin-alert-phone", phone="139 0013 9000") in text
        assert rows_[0] == [{"text": ZH("case-button-view"), "callback_data": view}]
        assert all(b["callback_data"] != phone for row in rows_ for b in row)
    # A supervisor (the county's, in Chinese) sees it masked, with "show number".
    text, rows_ = sent[1001]
    assert ZH("checkin-alert-phone", phone="139****9000") in text
    assert "139 0013 9000" not in text
    assert rows_[-1] == [{"text": ZH("case-button-phone"), "callback_data": phone}]


async def test_the_reminders_button_starts_the_same_flow(harness: Harness) -> None:
    ob = await followup(harness)
    at = DUE - timedelta(hours=2)
    await engine_at(harness, at).run_due()
    async with harness.database.session() as session:
        rows = list(await session.scalars(select(OutboxRow).where(OutboxRow.chat_id == RESIDENT)))
    [reminder] = rows
    assert reminder.reply_markup is not None
    [[button]] = reminder.reply_markup["inline_keyboard"]
    assert button["text"] == ZH("checkin-button-now")
    assert button["callback_data"] == CheckinStart(obligation_id=ob).pack()
    harness.clock.set(at)
    assert await harness.press(RESIDENT, button["callback_data"]) == [
        ZH("checkin-ask-temperature", name="胡军", day="2026-11-23")
    ]
    await harness.send(RESIDENT, "38.1")
    await harness.press(RESIDENT, symptom(ob, "none"))
    assert await harness.press(RESIDENT, fever(ob, "confirm")) == [ALERTED]
    assert await state(harness, ob) is ObligationState.MET


async def test_someone_elses_check_in_is_refused(harness: Harness) -> None:
    ob = await followup(harness)
    start = CheckinStart(obligation_id=ob).pack()
    assert await harness.press(OTHER, start) == []
    assert refusal(harness) == ZH("checkin-not-yours")
    assert await harness.press(STRANGER, start) == []  # a tracker of another unit
    assert refusal(harness) == ZH("checkin-not-yours")
    # A pressed symptom without the dialog, or with another obligation's id, does nothing.
    assert await harness.press(OTHER, symptom(ob, "none")) == []
    assert refusal(harness) == ZH("button-expired")
    assert await checkins(harness) == []
    assert await state(harness, ob) is ObligationState.OPEN


async def test_forged_and_stale_ids_are_refused(harness: Harness) -> None:
    checkin = await followup(harness)
    test = await followup(harness, kind=ObligationKind.TEST_DUE)
    assert await harness.press(RESIDENT, CheckinStart(obligation_id=999_999).pack()) == []
    assert refusal(harness) == ZH("checkin-unknown")
    # A test obligation's id in a check-in button, and the other way round.
    assert await harness.press(RESIDENT, CheckinStart(obligation_id=test).pack()) == []
    assert refusal(harness) == ZH("checkin-unknown")
    wrong = TestRecord(obligation_id=checkin, result=TestResult.POSITIVE).pack()
    assert await harness.press(RESIDENT, wrong) == []
    assert refusal(harness) == ZH("checkin-unknown")
    # Checked in already: the reminder's button is stale.
    await harness.press(RESIDENT, CheckinStart(obligation_id=checkin).pack())
    await harness.send(RESIDENT, "36.5")
    await harness.press(RESIDENT, symptom(checkin, "none"))
    assert await harness.press(RESIDENT, CheckinStart(obligation_id=checkin).pack()) == []
    assert refusal(harness) == ZH("checkin-already")


async def test_the_filer_chooses_among_proxy_check_ins(harness: Harness) -> None:
    # Two proxy declarations filed by the liaison: /checkin offers both.
    first = await followup(harness, resident=None, assignee=LIAISON, name="赵老汉")
    second = await followup(harness, resident=None, assignee=LIAISON, name="钱<奶奶>")
    assert await harness.send(LIAISON, "/checkin") == [ZH("checkin-choose")]
    assert harness.button("赵老汉") == CheckinStart(obligation_id=first).pack()
    assert harness.button("钱<奶奶>") == CheckinStart(obligation_id=second).pack()
    [ask] = await harness.press(LIAISON, harness.button("钱<奶奶>"))
    assert ask == ZH("checkin-ask-temperature", name="钱<奶奶>", day="2026-11-23")
    assert "钱&lt;奶奶&gt;" in ask


async def test_the_tracker_records_from_the_missed_check_in_notice(harness: Harness) -> None:
    ob = await followup(harness)
    at = DUE
    await engine_at(harness, at).run_due()
    async with harness.database.session() as session:
        rows = list(await session.scalars(select(OutboxRow).where(OutboxRow.chat_id == TRACKER)))
    [missed] = rows
    assert missed.reply_markup is not None
    [[button]] = missed.reply_markup["inline_keyboard"]
    harness.clock.set(at + timedelta(minutes=10))
    await harness.press(TRACKER, button["callback_data"])
    await harness.send(TRACKER, "36.4")
    assert await harness.press(TRACKER, symptom(ob, "none")) == [ZH("checkin-recorded")]
    assert await state(harness, ob) is ObligationState.MET_LATE


async def test_test_day_buttons_record_done_and_result(harness: Harness) -> None:
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)
    done = TestRecord(obligation_id=ob, result=TestResult.PENDING).pack()
    assert await harness.press(RESIDENT, done) == [ZH("checkin-test-recorded-pending")]
    assert await state(harness, ob) is ObligationState.MET
    positive = TestRecord(obligation_id=ob, result=TestResult.POSITIVE).pack()
    await harness.press(RESIDENT, positive)  # asks to confirm first (test_result_buttons.py)
    confirmed = TestConfirm(obligation_id=ob, back=False).pack()
    assert await harness.press(RESIDENT, confirmed) == [ZH("checkin-test-recorded-positive")]
    async with harness.database.session() as session:
        assert list(await session.scalars(select(TestRecordRow.result))) == ["positive"]
    assert await alerts(harness) == [1001, 1002, LIAISON, TRACKER]
    negative = TestRecord(obligation_id=ob, result=TestResult.NEGATIVE).pack()
    assert await harness.press(RESIDENT, negative) == []
    assert refusal(harness) == ZH("checkin-test-already")


async def test_the_temperature_and_the_symptoms_show_in_their_questions(
    harness: Harness,
) -> None:
    ob = await followup(harness)
    [temperature] = await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "37,9")
    [symptoms] = [
        m
        for m in harness.session.texts(RESIDENT)
        if m.startswith(ZH("checkin-ask-symptoms", temperature="37.9"))
    ]
    await harness.press(RESIDENT, symptom(ob, Symptom.SORE_THROAT.value))
    await harness.press(RESIDENT, symptom(ob, Symptom.DRY_COUGH.value))
    await harness.press(RESIDENT, symptom(ob, "done"))
    ticked = ZH("list-separator").join([ZH("symptom-dry_cough"), ZH("symptom-sore_throat")])
    assert harness.echoes(RESIDENT) == [
        temperature + "\n\n" + ZH("dialog-answered", answer="37,9"),
        symptoms + "\n\n" + ZH("dialog-answered", answer=ticked),
    ]
