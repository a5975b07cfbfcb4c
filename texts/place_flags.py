"""Declared places that match no division, as staff are told of them: the flag message with a
"locate" button per place (the outbox carries it), and the callback data of the picker they
locate it with (texts/case_places.py).

The buttons carry only the declaration's id, the stay's position and a division code: the
handler checks the presser's right and the stay's state again on every press.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from services.declarations import PlaceFlag
from texts.case_keyboards import CaseAct, CaseAction
from texts.i18n import Html, Translator
from texts.keyboards import RowId, SmallNumber

BUTTON_PLACE = 24  # characters of a place on its button


class PlaceAction(StrEnum):
    OPEN = "open"  # from the flag: a picker of its own, with the likely divisions first
    LIKELY = "likely"  # back to the likely divisions of the place as typed
    BROWSE = "browse"  # the divisions below `code` (the provinces without one)
    PICK = "pick"  # this division: down a level when it has any, else located here
    HERE = "here"  # located in `code` as a whole
    NONE = "none"  # in no division: asks to confirm
    NONE_YES = "none_yes"
    TYPE = "type"  # type the place's name (handlers/case_places.py): its likely divisions


class CasePlace(CallbackData, prefix="v1cpl"):
    declaration: RowId
    stay: SmallNumber
    action: PlaceAction
    code: str = ""
    page: SmallNumber = 0


def place_button(
    text: str, flag: tuple[int, int], action: PlaceAction, code: str = "", page: int = 0
) -> InlineKeyboardButton:
    declaration, stay = flag
    data = CasePlace(declaration=declaration, stay=stay, action=action, code=code, page=page)
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def short_place(place: str) -> str:
    return place if len(place) <= BUTTON_PLACE else place[: BUTTON_PLACE - 1] + "…"


def place_flag(tr: Translator, flag: PlaceFlag) -> str:
    lines = [
        tr("case-place-flag-title", id=flag.declaration_id),
        tr("case-place-flag-who", name=flag.resident_name or "-", unit=flag.unit_name),
    ]
    lines += [tr("case-place-flag-line", place=place) for _, place in flag.places]
    lines.append(tr("case-place-flag-action"))
    return "\n".join(lines)


def place_flag_markup(tr: Translator, flag: PlaceFlag) -> dict[str, Any]:
    """A "locate" button per place, and the case card (Bot API JSON for the outbox)."""
    rows = [
        # A button's text is not HTML: the place goes in as typed (Html: not escaped).
        [place_button(label, (flag.declaration_id, position), PlaceAction.OPEN)]
        for position, place in flag.places
        for label in (tr("case-place-button", place=Html(short_place(place))),)
    ]
    view = CaseAct(declaration=flag.declaration_id, action=CaseAction.VIEW).pack()
    rows.append([InlineKeyboardButton(text=tr("case-button-view"), callback_data=view)])
    return InlineKeyboardMarkup(inline_keyboard=rows).model_dump(exclude_none=True)
