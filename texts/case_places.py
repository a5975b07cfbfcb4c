"""Locating a declared place that matches no division (flagged by texts/place_flags.py): the
picker staff locate it with (likely matches first, else province → city → district), and what
they are told once it is located and screened again."""

from __future__ import annotations

from typing import Final

from aiogram.types import InlineKeyboardMarkup

from domain import regions
from domain.org import Language
from services.declarations.places import Located
from texts.declaration_keyboards import region_name
from texts.declarations import category_text
from texts.i18n import Translator
from texts.place_flags import PlaceAction, place_button

PAGE_SIZE: Final = 12  # divisions per page of the picker


def picker_text(tr: Translator, place: str, name: str, code: str = "") -> str:
    lines = [tr("case-place-ask", place=place, name=name or "-")]
    if code:
        lines.append(tr("declare-q-spick-at", region=region_name(tr, code, with_above=True)))
    return "\n".join(lines)


def likely_keyboard(
    tr: Translator, flag: tuple[int, int], candidates: list[str]
) -> InlineKeyboardMarkup:
    """The divisions the place as typed may be, then "choose step by step" and "in none"."""
    rows = [
        [place_button(region_name(tr, code, with_above=True), flag, PlaceAction.HERE, code)]
        for code in candidates
    ]
    rows.append([place_button(tr("case-place-browse"), flag, PlaceAction.BROWSE)])
    rows.append([place_button(tr("case-place-type"), flag, PlaceAction.TYPE)])
    rows.append([place_button(tr("case-place-none"), flag, PlaceAction.NONE)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def browse_keyboard(
    tr: Translator, flag: tuple[int, int], code: str, page: int
) -> InlineKeyboardMarkup:
    """The divisions below `code` (the provinces when empty), a page at a time."""
    below = regions.children(code) if code else regions.provinces()
    pages = max(1, -(-len(below) // PAGE_SIZE))
    page = min(page, pages - 1)
    shown = below[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    width = 2 if tr.language is Language.EN else 3
    buttons = [place_button(region_name(tr, r.code), flag, PlaceAction.PICK, r.code) for r in shown]
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    nav = []
    if page > 0:
        nav.append(
            place_button(tr("declare-button-prev"), flag, PlaceAction.BROWSE, code, page - 1)
        )
    if page < pages - 1:
        nav.append(
            place_button(tr("declare-button-next"), flag, PlaceAction.BROWSE, code, page + 1)
        )
    if nav:
        rows.append(nav)
    if code:
        above = regions.get(code)
        parent = above.parent if above and above.parent else ""
        rows.append(
            [
                place_button(tr("case-place-here"), flag, PlaceAction.HERE, code),
                place_button(tr("declare-button-pick-up"), flag, PlaceAction.BROWSE, parent),
            ]
        )
    rows.append([place_button(tr("case-place-type"), flag, PlaceAction.TYPE)])
    rows.append([place_button(tr("case-place-none"), flag, PlaceAction.NONE)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def none_keyboard(tr: Translator, flag: tuple[int, int]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [place_button(tr("case-place-none-yes"), flag, PlaceAction.NONE_YES)],
            [place_button(tr("case-place-none-back"), flag, PlaceAction.LIKELY)],
        ]
    )


def located_text(tr: Translator, located: Located) -> str:
    division = (
        region_name(tr, located.division, with_above=True)
        if located.division
        else tr("case-place-in-none")
    )
    lines = [tr("case-place-located", place=located.place, division=division)]
    changed = located.reclassified
    if changed is not None:
        lines.append(
            tr(
                "case-place-reclassified",
                previous=category_text(tr, changed.previous),
                category=category_text(tr, changed.category),
            )
        )
    else:
        lines.append(tr("case-place-unchanged"))
    return "\n".join(lines)
