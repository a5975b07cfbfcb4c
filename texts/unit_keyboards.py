"""Keyboards that let a person pick a unit by name or by browsing the tree; each feature
brings its own callback data (`MakeData`), so a press lands in that feature's handler, which
checks the presser's rights again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.org import OrgTree, Unit
from texts.i18n import Html, Translator
from texts.keyboards import MOST_UNIT_BUTTONS, two_a_row

MakeData = Callable[[str, bool], CallbackData]
"""(unit code, browse) -> the feature's callback data: browse opens the unit's level, otherwise
the unit is chosen. The code "" with browse is the top level."""


def _labels(tree: OrgTree, units: Sequence[Unit]) -> list[str]:
    """Names, with the parent's name where two units of the list share a name."""
    counts = Counter(unit.name for unit in units)
    labels = []
    for unit in units:
        parent = unit.parent_code
        if counts[unit.name] > 1 and parent is not None and parent in tree:
            labels.append(f"{unit.name}（{tree.get(parent).name}）")
        else:
            labels.append(unit.name)
    return labels


def candidates_keyboard(
    tree: OrgTree, units: Sequence[Unit], make: MakeData
) -> InlineKeyboardMarkup:
    shown = list(units[:MOST_UNIT_BUTTONS])
    buttons = [
        InlineKeyboardButton(text=label, callback_data=make(unit.code, False).pack())
        for unit, label in zip(shown, _labels(tree, shown), strict=True)
    ]
    return InlineKeyboardMarkup(inline_keyboard=two_a_row(buttons))


def browse_keyboard(
    tr: Translator,
    tree: OrgTree,
    here: Unit | None,
    below: Sequence[Unit],
    make: MakeData,
    *,
    up: str | None,
) -> InlineKeyboardMarkup:
    """`here` to choose (if it may be), the units below it (those with units below them open
    their level), and a way back `up` (a unit code, "" for the top, None for none). Past
    MOST_UNIT_BUTTONS units at one level, the person types part of the name instead."""
    rows: list[list[InlineKeyboardButton]] = []
    if here is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    text=tr("unit-pick-this", unit=Html(here.name)),  # not HTML: no escaping
                    callback_data=make(here.code, False).pack(),
                )
            ]
        )
    shown = list(below[:MOST_UNIT_BUTTONS])
    buttons = []
    for unit, label in zip(shown, _labels(tree, shown), strict=True):
        opens = bool(tree.children(unit.code))
        buttons.append(
            InlineKeyboardButton(
                text=tr("unit-open", unit=Html(label)) if opens else label,
                callback_data=make(unit.code, opens).pack(),
            )
        )
    rows += two_a_row(buttons)
    if up is not None:
        rows.append([InlineKeyboardButton(text=tr("unit-up"), callback_data=make(up, True).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)
