"""Callback data and keyboard of the question asked before loading a drastic risk-area list."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from texts.i18n import Translator


class RiskConfirm(CallbackData, prefix="v1riskc"):
    """Replace the list (ok) or cancel. `pending` is the fingerprint of the list the question
    was asked for: a button of an earlier upload does not match the pending list and loads
    nothing. The handler checks it against the dialog's state, the service the rights."""

    ok: bool
    pending: str


def confirm_keyboard(tr: Translator, pending: str) -> InlineKeyboardMarkup:
    confirm = RiskConfirm(ok=True, pending=pending).pack()
    cancel = RiskConfirm(ok=False, pending=pending).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=tr("risk-confirm-button"), callback_data=confirm),
                InlineKeyboardButton(text=tr("risk-confirm-cancel-button"), callback_data=cancel),
            ]
        ]
    )
