"""Buttons of prevention notices: a recipient's (received / undo / question / forward to the
residents group) and the author's status card's (who has not confirmed / re-remind / answer a
question). Callback data is versioned and never trusted: every press is checked again against
the stored recipient or notice and the presser."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData

from texts.i18n import Translator
from texts.keyboards import RowId


class RecipientAction(StrEnum):
    ACK = "ack"
    UNDO = "undo"
    ASK = "ask"
    FORWARD = "fwd"


class NoticePress(CallbackData, prefix="v1ntc"):
    """A recipient's button: only the recipient (or, for a unit, a liaison of it) may press."""

    action: RecipientAction
    recipient: RowId


class CardAction(StrEnum):
    PENDING = "pend"  # list who has not confirmed
    REMIND = "rem"  # 再次提醒未确认
    QUESTIONS = "qs"  # list the questions, each with an answer button


class CardPress(CallbackData, prefix="v1ntk"):
    """A button of the author's status card: only the author (or a supervisor over the
    notice's whole scope) may press."""

    action: CardAction
    notice: RowId


class AnswerPress(CallbackData, prefix="v1nta"):
    """ "Answer" under a recipient's question: the author types the answer next."""

    recipient: RowId


def _button(text: str, data: CallbackData | str) -> dict[str, Any]:
    return {"text": text, "callback_data": data if isinstance(data, str) else data.pack()}


def _press(action: RecipientAction, recipient_id: int) -> str:
    """`NoticePress(action=..., recipient=...).pack()`, written out: a notice to thousands of
    liaisons renders thousands of keyboards, and pydantic's packing is most of their cost.
    tests/unit/test_notices.py checks the two agree."""
    return f"{NoticePress.__prefix__}:{action.value}:{int(recipient_id)}"


def recipient_markup(
    tr: Translator,
    recipient_id: int,
    *,
    ack_required: bool,
    acknowledged: bool,
    can_forward: bool,
) -> dict[str, Any] | None:
    """Bot API JSON for the outbox: before confirming "已阅并落实" and "有疑问"; after it
    "撤销" (refused after five minutes when pressed); a liaison's forward button throughout."""
    rows: list[list[dict[str, Any]]] = []
    if ack_required and not acknowledged:
        rows.append(
            [
                _button(
                    tr("ntc-button-ack"),
                    _press(RecipientAction.ACK, recipient_id),
                ),
                _button(
                    tr("ntc-button-ask"),
                    _press(RecipientAction.ASK, recipient_id),
                ),
            ]
        )
    elif ack_required:
        rows.append(
            [
                _button(
                    tr("ntc-button-undo"),
                    _press(RecipientAction.UNDO, recipient_id),
                )
            ]
        )
    else:
        rows.append(
            [
                _button(
                    tr("ntc-button-ask"),
                    _press(RecipientAction.ASK, recipient_id),
                )
            ]
        )
    if can_forward:
        rows.append(
            [
                _button(
                    tr("ntc-button-forward"),
                    _press(RecipientAction.FORWARD, recipient_id),
                )
            ]
        )
    return {"inline_keyboard": rows}


def card_markup(
    tr: Translator, notice_id: int, *, ack_required: bool, questions: int
) -> dict[str, Any]:
    rows: list[list[dict[str, Any]]] = []
    if ack_required:
        rows.append(
            [
                _button(
                    tr("ntc-button-pending"), CardPress(action=CardAction.PENDING, notice=notice_id)
                ),
                _button(
                    tr("ntc-button-remind"), CardPress(action=CardAction.REMIND, notice=notice_id)
                ),
            ]
        )
    if questions:
        rows.append(
            [
                _button(
                    tr("ntc-button-questions", n=questions),
                    CardPress(action=CardAction.QUESTIONS, notice=notice_id),
                )
            ]
        )
    return {"inline_keyboard": rows}


def answer_markup(tr: Translator, recipient_id: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [[_button(tr("ntc-button-answer"), AnswerPress(recipient=recipient_id))]]
    }
