"""/export's buttons: which ledger, then the unit (texts.unit_keyboards), then the period
(texts.period_keyboards). Every press is checked again by handlers/exports.py: the data says
what was asked, never that it is allowed."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.exports import ExportKind
from domain.periods import Preset
from texts.i18n import Translator
from texts.keyboards import two_a_row


class ExportWhat(CallbackData, prefix="v1exk"):
    """A ledger kind chosen (the value is checked: a forged one is refused), for `unit` when
    it was named with the command ("" otherwise)."""

    kind: str
    unit: str = ""


class ExportUnit(CallbackData, prefix="v1exu"):
    """A unit chosen (or a level opened) for the ledger `kind` ("" when not chosen yet)."""

    kind: str
    unit: str  # "" with browse: the top level
    browse: bool


class ExportPeriod(CallbackData, prefix="v1exp"):
    """A period button for the ledger `kind` of `unit`."""

    kind: str
    unit: str
    preset: Preset


def kind_keyboard(tr: Translator, unit: str = "") -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=tr(f"export-kind-button-{kind.value}"),
            callback_data=ExportWhat(kind=kind.value, unit=unit).pack(),
        )
        for kind in ExportKind
    ]
    return InlineKeyboardMarkup(inline_keyboard=two_a_row(buttons))


def kind_name(tr: Translator, kind: ExportKind) -> str:
    return tr(f"export-title-{kind.value}")
