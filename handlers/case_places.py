"""Locating a flagged place from its flag message: the likely divisions of the place as typed,
province → city → district buttons, or "in no division" after a confirmation. Every press is
checked again (the presser works the case, the place is still unlocated); the picker is
edited in place, and the result (with the re-screen's outcome) replaces it once committed."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from domain import regions
from domain.place_match import match_place
from handlers.chat import send_private, show_in_place
from handlers.dialogs import ON_CANCEL, dialog_declaration, leave, start_dialog
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
CANCELLED = "case-place-type-cancelled"


class CasePlaceTyping(StatesGroup):
    name = State()  # data: the declaration's id and the stay's position


async def place_pressed(
    query: CallbackQuery,
    callback_data: CasePlace,
    state: FSMContext,
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
    if data.action is PlaceAction.TYPE:
        flagged = {"declaration": data.declaration, "stay": data.stay}
        await start_dialog(ctx, state, CasePlaceTyping.name, {**flagged, ON_CANCEL: CANCELLED})
        await send_private(ctx, tr("case-place-type-ask", place=place))
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


async def place_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    """A place's name typed by staff: its likely divisions as the picker's buttons (the
    dialog ends), or, when none, asked again beside the step-by-step choice."""
    declaration_id = await dialog_declaration(ctx, state, message)
    if declaration_id is None:
        return
    stay = (await state.get_data()).get("stay")
    text = (message.text or "").strip()
    try:  # checked again: the place may have been located meanwhile, roles may have changed
        if not isinstance(stay, int):
            raise Refused("button-expired")
        place, name = await unlocated_place(
            ctx.repos, ctx.actor, declaration_id, stay, now=ctx.now()
        )
    except Refused as refused:
        await leave(ctx, state)
        await message.answer(ctx.tr(refused.key))
        return
    if not text:  # a photo or a sticker: the question again
        await message.answer(ctx.tr("case-place-type-ask", place=place))
        return
    flag = (declaration_id, stay)
    likely = [r.code for r in match_place(text, LIKELY)]
    if not likely:
        lines = (picker_text(ctx.tr, place, name), ctx.tr("case-place-type-none", text=text))
        await message.answer("\n".join(lines), reply_markup=browse_keyboard(ctx.tr, flag, "", 0))
        return
    await leave(ctx, state)
    lines = (picker_text(ctx.tr, place, name), ctx.tr("case-place-type-found", text=text))
    await message.answer("\n".join(lines), reply_markup=likely_keyboard(ctx.tr, flag, likely))


def create_router() -> Router:
    router = Router(name="case_places")
    router.callback_query.register(place_pressed, CasePlace.filter())
    # Commands are not place names: /cancel (common's router) ends the dialog.
    router.message.register(
        place_typed, CasePlaceTyping.name, F.chat.type == "private", ~F.text.startswith("/")
    )
    return router
