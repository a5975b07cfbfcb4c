"""A check-in with a fever or a symptom is answered with the declaration's fever-clinic advice;
a fever with "no symptoms" is confirmed first, as the declaration dialog does (keep both,
type the temperature again, tick the symptoms again; anything typed asks again)."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import StorageKey

from domain.declarations import Symptom
from domain.obligations import ObligationState
from handlers.checkin import CheckinDialog
from tests.handlers.conftest import BOT_ID, EN, ZH, Harness
from tests.handlers.followups import RESIDENT, followup, load_more_org, state
from tests.handlers.test_checkin import ALERTED, alerts, checkins, fever, symptom


@pytest.fixture(autouse=True)
async def org(harness: Harness) -> None:
    await load_more_org(harness)


def _question(tr: type[ZH] | type[EN], temperature: str) -> str:
    return tr("declare-q-tempok", temperature=f"{temperature} °C")


async def _dialog_state(harness: Harness) -> str | None:
    key = StorageKey(bot_id=BOT_ID, chat_id=RESIDENT, user_id=RESIDENT)
    return await harness.storage.get_state(key)


async def test_a_fever_with_no_symptoms_is_confirmed_then_advised(harness: Harness) -> None:
    ob = await followup(harness)
    await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "38.6")
    assert await harness.press(RESIDENT, symptom(ob, "none")) == [_question(ZH, "38.6")]
    assert harness.button(ZH("declare-opt-tempok-confirm")) == fever(ob, "confirm")
    assert harness.button(ZH("declare-opt-tempok-temp")) == fever(ob, "temp")
    assert harness.button(ZH("declare-opt-tempok-symptoms")) == fever(ob, "symptoms")
    assert await checkins(harness) == []  # nothing recorded yet
    # A typed answer is not one of the buttons: the question again.
    assert await harness.send(RESIDENT, "是的") == [_question(ZH, "38.6")]
    assert await _dialog_state(harness) == CheckinDialog.fever_check.state
    assert await harness.press(RESIDENT, fever(ob, "confirm")) == [ALERTED]
    assert await checkins(harness) == [(38.6, [])]
    assert await state(harness, ob) is ObligationState.MET
    assert await alerts(harness)
    assert await _dialog_state(harness) is None


async def test_the_temperature_typed_again_is_recorded_without_a_fever(harness: Harness) -> None:
    ob = await followup(harness)
    await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "38.6")
    await harness.press(RESIDENT, symptom(ob, "none"))
    assert await harness.press(RESIDENT, fever(ob, "temp")) == [ZH("checkin-ask-temperature-again")]
    assert await harness.send(RESIDENT, "36.6") == [ZH("checkin-ask-symptoms", temperature="36.6")]
    assert await harness.press(RESIDENT, symptom(ob, "none")) == [ZH("checkin-recorded")]
    assert await checkins(harness) == [(36.6, [])]
    assert await alerts(harness) == []


async def test_symptoms_ticked_again_alert_with_the_advice(harness: Harness) -> None:
    ob = await followup(harness)
    await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "38.6")
    await harness.press(RESIDENT, symptom(ob, "done"))  # nothing ticked: asked too
    assert await harness.press(RESIDENT, fever(ob, "symptoms")) == [
        ZH("checkin-ask-symptoms", temperature="38.6")
    ]
    await harness.press(RESIDENT, symptom(ob, Symptom.DRY_COUGH.value))
    assert await harness.press(RESIDENT, symptom(ob, "done")) == [ALERTED]
    assert await checkins(harness) == [(38.6, ["dry_cough"])]


async def test_a_stale_fever_button_is_refused(harness: Harness) -> None:
    ob = await followup(harness)
    assert await harness.press(RESIDENT, fever(ob, "confirm")) == []
    assert await checkins(harness) == []


async def test_in_english(harness: Harness) -> None:
    ob = await followup(harness)
    await harness.send(RESIDENT, "/lang")
    await harness.press(RESIDENT, "v1lang:en")
    await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "38.6")
    assert await harness.press(RESIDENT, symptom(ob, "none")) == [_question(EN, "38.6")]
    assert harness.button(EN("declare-opt-tempok-confirm")) == fever(ob, "confirm")
    assert await harness.press(RESIDENT, fever(ob, "confirm")) == [
        EN("checkin-recorded-alert") + "\n" + EN("followup-result-fever-clinic")
    ]
