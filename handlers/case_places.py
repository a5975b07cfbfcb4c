"""Locating a flagged place from its flag message: the likely divisions of the place as typed,
province → city → district buttons, or "in no division" after a confirmation. Every press is
checked again (the presser works the case, the place is still unlocated); the picker is
edited in place, and the result (with the re-screen's outcome) replaces it once committed."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup

from bot.context import Context
from domain import regions
from domain.place_match import match_place
from handlers.chat import send_private, show_in_place
from services.declarations import DeclarationService
from services.declarations.places import unlocated_place
from services.refusal import Refused
from texts.case_places import (
    browse_keyboard,
    likely_keyboard,
    located_text,
    none_keyboard,
    picker_text,
)
from texts.place_flags import CasePlace, PlaceAction

LIKELY = 6  # divisions offered for the place as typed


async def place_pressed(
    query: CallbackQuery,
    callback_data: CasePlace,
    ctx: Context,
    declaration_service: DeclarationService,
) -> None:
    data, now, tr = callback_data, ctx.now(), ctx.tr
    flag = (data.declaration, data.stay)
    code = data.code if regions.get(data.code) is not None else ""
    if data.code and not code:  # not a division: a forged or outdated button
        await query.answer(tr("button-expired"), show_alert=True)
        return
    try:  # the ids come from a button: the presser's right and the place's state again
        place, name = await unlocated_place(
            ctx.repos,
            ctx.actor,
            data.declaration,
            data.stay,
            now=now,
            opened=data.action is PlaceAction.OPEN,
        )
        # Settled: in no division (confirmed), in this one as a whole, or in one with none
        # below it; otherwise the picker moves.
        settle = data.action is PlaceAction.NONE_YES or (
            bool(code)
            and (
                data.action is PlaceAction.HERE
                or (data.action is PlaceAction.PICK and not regions.children(code))
            )
        )
        if settle:
            division = None if data.action is PlaceAction.NONE_YES else code
            located = await declaration_service.locate_place(
                ctx.repos, ctx.actor, data.declaration, data.stay, division, now
            )
    except Refused as refused:
        await query.answer(tr(refused.key), show_alert=True)
        return
    await query.answer()
    if settle:
        await show_in_place(query, ctx, located_text(tr, located), None)
        return
    keyboard: InlineKeyboardMarkup
    if data.action in (PlaceAction.OPEN, PlaceAction.LIKELY):
        likely = [r.code for r in match_place(place, LIKELY)]
        keyboard = likely_keyboard(tr, flag, likely) if likely else browse_keyboard(tr, flag, "", 0)
    elif data.action is PlaceAction.NONE:
        keyboard = none_keyboard(tr, flag)
    else:  # BROWSE below a division, or PICK of one that has divisions below it
        keyboard = browse_keyboard(tr, flag, code, data.page)
    text = picker_text(tr, place, name, code if data.action is not PlaceAction.NONE else "")
    if data.action is PlaceAction.NONE:
        text = "\n".join((text, tr("case-place-none-ask")))
    if data.action is PlaceAction.OPEN:  # from the flag, which stays: a picker of its own
        await send_private(ctx, text, keyboard)
    else:
        await show_in_place(query, ctx, text, keyboard)


def create_router() -> Router:
    router = Router(name="case_places")
    router.callback_query.register(place_pressed, CasePlace.filter())
    return router
