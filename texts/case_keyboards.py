"""Callback data of the buttons under a case alert and on the case card."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData

from texts.i18n import Translator
from texts.keyboards import RowId


class CaseAction(StrEnum):
    VIEW = "view"  # the declaration card
    CALLED = "called"  # record that the person was reached
    HANDLED = "handled"  # record what was done (asks for a note)
    PHONE = "phone"  # show the full number (asks for the reason; audited with it)
    RELEASE = "release"  # end the measure early (asks for the reason, then to confirm)
    RELEASE_YES = "rel_yes"  # confirm ending it early with the reason typed
    RELEASE_NO = "rel_no"  # keep the measure


# The release flow's actions (handlers/case_release.py), the number's (handlers/case_phone.py:
# it asks for a reason first); the others are handlers/cases.py's.
RELEASE_ACTIONS = frozenset({CaseAction.RELEASE, CaseAction.RELEASE_YES, CaseAction.RELEASE_NO})
PHONE_ACTIONS = frozenset({CaseAction.PHONE})


class CaseAct(CallbackData, prefix="v1case"):
    """An action on a declaration's case. Only an id: the handler loads the declaration and
    checks the presser's right to it again."""

    declaration: RowId
    action: CaseAction


def case_markup(tr: Translator, declaration_id: int, *, phone: bool) -> dict[str, Any]:
    """The buttons to work a case, as Bot API JSON for the outbox: see it, record a call or
    the handling, and (`phone`: for those who see it masked) show the number."""

    def button(key: str, action: CaseAction) -> dict[str, str]:
        data = CaseAct(declaration=declaration_id, action=action).pack()
        return {"text": tr(key), "callback_data": data}

    rows = [
        [button("case-button-view", CaseAction.VIEW)],
        [
            button("case-button-called", CaseAction.CALLED),
            button("case-button-handled", CaseAction.HANDLED),
        ],
    ]
    if phone:
        rows.append([button("case-button-phone", CaseAction.PHONE)])
    return {"inline_keyboard": rows}
