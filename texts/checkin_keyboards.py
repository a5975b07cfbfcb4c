"""Callback data and keyboards of check-ins and test days.

Versioned prefixes, so buttons of an older layout fail cleanly. The data carries only the
obligation id (and the choice): the handler loads the obligation and checks the presser again.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.checkins import NONE_CHOICE
from domain.declarations import Symptom, TestResult
from texts.i18n import Translator
from texts.keyboards import TICKED, RowId

DONE_CHOICE = "done"


class CheckinStart(CallbackData, prefix="v1chk"):
    """ "Check in now" under a reminder, or a choice among the caller's open check-ins."""

    obligation_id: RowId


class CheckinSymptom(CallbackData, prefix="v1chs"):
    """A press on the symptoms checklist: a symptom's value, "none" or "done"."""

    obligation_id: RowId
    choice: str


class CheckinFever(CallbackData, prefix="v1chf"):
    """Under "a fever and no symptoms?": keep both, type the temperature again, or tick the
    symptoms again (the declaration dialog's FEVER_CHECK, mirrored)."""

    obligation_id: RowId
    choice: str  # one of FEVER_CHOICES


FEVER_CHOICES = ("confirm", "temp", "symptoms")


def fever_check_keyboard(tr: Translator, obligation_id: int) -> InlineKeyboardMarkup:
    """The declaration dialog's labels: the same question, the same three ways on."""
    builder = InlineKeyboardBuilder()
    for choice in FEVER_CHOICES:
        builder.button(
            text=tr(f"declare-opt-tempok-{choice}"),
            callback_data=CheckinFever(obligation_id=obligation_id, choice=choice),
        )
    builder.adjust(1)
    return builder.as_markup()


class TestRecord(CallbackData, prefix="v1tst"):
    """ "Done" (a pending result) or a result under a test-day reminder."""

    __test__ = False  # not a pytest class

    obligation_id: RowId
    result: TestResult


class TestConfirm(CallbackData, prefix="v1tcf"):
    """Under "Confirm positive?": record the positive result, or go back to the choices."""

    __test__ = False  # not a pytest class

    obligation_id: RowId
    back: bool


def checkin_reminder_markup(tr: Translator, obligation_id: int) -> dict[str, Any]:
    """As Bot API JSON for the outbox, like texts.keyboards.excuse_markup."""
    button = {
        "text": tr("checkin-button-now"),
        "callback_data": CheckinStart(obligation_id=obligation_id).pack(),
    }
    return {"inline_keyboard": [[button]]}


def test_reminder_markup(tr: Translator, obligation_id: int) -> dict[str, Any]:
    rows = [
        [_test_button(tr, obligation_id, TestResult.PENDING)],
        [
            _test_button(tr, obligation_id, TestResult.NEGATIVE),
            _test_button(tr, obligation_id, TestResult.POSITIVE),
        ],
    ]
    return {"inline_keyboard": rows}


test_reminder_markup.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def result_choices_keyboard(tr: Translator, obligation_id: int) -> InlineKeyboardMarkup:
    """The reminder's choices again, after "back" from the confirmation."""
    return InlineKeyboardMarkup.model_validate(test_reminder_markup(tr, obligation_id))


def positive_confirm_keyboard(tr: Translator, obligation_id: int) -> InlineKeyboardMarkup:
    yes = TestConfirm(obligation_id=obligation_id, back=False).pack()
    back = TestConfirm(obligation_id=obligation_id, back=True).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=tr("result-confirm-yes"), callback_data=yes),
                InlineKeyboardButton(text=tr("result-confirm-back"), callback_data=back),
            ]
        ]
    )


def _test_button(tr: Translator, obligation_id: int, result: TestResult) -> dict[str, str]:
    data = TestRecord(obligation_id=obligation_id, result=result).pack()
    return {"text": tr(f"checkin-test-button-{result.value}"), "callback_data": data}


def choose_keyboard(choices: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """(obligation id, label) per open check-in."""
    builder = InlineKeyboardBuilder()
    for obligation_id, label in choices:
        builder.button(text=label, callback_data=CheckinStart(obligation_id=obligation_id))
    builder.adjust(1)
    return builder.as_markup()


def symptoms_keyboard(
    tr: Translator, obligation_id: int, selected: frozenset[Symptom]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for symptom in Symptom:
        mark = TICKED if symptom in selected else ""
        builder.button(
            text=mark + tr(f"symptom-{symptom.value}"),
            callback_data=CheckinSymptom(obligation_id=obligation_id, choice=symptom.value),
        )
    builder.adjust(2)
    none = CheckinSymptom(obligation_id=obligation_id, choice=NONE_CHOICE).pack()
    done = CheckinSymptom(obligation_id=obligation_id, choice=DONE_CHOICE).pack()
    builder.row(
        InlineKeyboardButton(text=tr("checkin-button-none"), callback_data=none),
        InlineKeyboardButton(text=tr("checkin-button-done"), callback_data=done),
    )
    return builder.as_markup()


def symptoms_answer(tr: Translator, selected: frozenset[Symptom]) -> str:
    """The checklist's answer as its question shows it once submitted."""
    if not selected:
        return tr("checkin-button-none")
    return tr("list-separator").join(
        tr(f"symptom-{symptom.value}") for symptom in Symptom if symptom in selected
    )
