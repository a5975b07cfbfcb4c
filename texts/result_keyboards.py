"""Callback data and keyboards of test-result corrections.

Only ids and results: the handler loads the record and checks the presser's right to it again.
A correction carries the result the menu showed, so that two people correcting at once cannot
overwrite each other unseen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.declarations import TestResult
from services.result_fixes import ResultView
from texts.i18n import Html, Translator
from texts.keyboards import RowId


class ResultOpen(CallbackData, prefix="v1tfo"):
    """ "Correct result" (under an alert, or a line of /results): the record's correction
    menu; `close`: the menu's "Cancel"."""

    record: RowId
    close: bool


class ResultFix(CallbackData, prefix="v1tfx"):
    """A correction chosen in the menu: from the result it showed to another."""

    record: RowId
    was: TestResult
    to: TestResult


def result_name(tr: Translator, result: TestResult) -> str:
    return tr(f"result-name-{result.value}")


def fix_markup(tr: Translator, record_id: int) -> dict[str, Any]:
    """As Bot API JSON for the outbox (alerts and correction notices)."""
    data = ResultOpen(record=record_id, close=False).pack()
    return {"inline_keyboard": [[{"text": tr("result-fix-button"), "callback_data": data}]]}


def fix_menu_keyboard(tr: Translator, view: ResultView) -> InlineKeyboardMarkup:
    was = view.record.result
    rows = [
        [
            InlineKeyboardButton(
                text=tr("result-fix-to", result=result_name(tr, to)),
                callback_data=ResultFix(record=view.record.id, was=was, to=to).pack(),
            )
        ]
        for to in view.choices
    ]
    cancel = ResultOpen(record=view.record.id, close=True).pack()
    rows.append([InlineKeyboardButton(text=tr("result-fix-cancel"), callback_data=cancel)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def recent_keyboard(tr: Translator, views: Sequence[ResultView]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                # Button labels are plain text: the name is not escaped.
                text=tr(
                    "result-recent-entry",
                    name=Html(view.name),
                    day=view.record.day.strftime("%m-%d"),
                    result=result_name(tr, view.record.result),
                ),
                callback_data=ResultOpen(record=view.record.id, close=False).pack(),
            )
        ]
        for view in views
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
