"""Callback data of the buttons under a case alert and on the case card."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from texts.keyboards import RowId


class CaseAction(StrEnum):
    VIEW = "view"  # the declaration card
    CALLED = "called"  # record that the person was reached
    HANDLED = "handled"  # record what was done (asks for a note)
    PHONE = "phone"  # show the full number (audited)


class CaseAct(CallbackData, prefix="v1case"):
    """An action on a declaration's case. Only an id: the handler loads the declaration and
    checks the presser's right to it again."""

    declaration: RowId
    action: CaseAction
