""" "Show number" under a case alert or on the case card: the full number only for a reason.

The button asks why (the next message, in a small dialog that survives a restart); the reason
typed is the reader's purpose and goes into the audit entry with the unmasking. Nothing is
shown without one: an empty message asks again, /cancel ends the dialog. The presser's right is
checked at the button and again at the reason: the button carries only the declaration's id."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from handlers.chat import send_private
from handlers.dialogs import ON_CANCEL, dialog_declaration, leave, start_dialog
from services import cases
from services.refusal import Refused
from texts.case_keyboards import PHONE_ACTIONS, CaseAct
from texts.rendering import phone_display


class CasePhone(StatesGroup):
    reason = State()  # data: the declaration's id


async def phone_pressed(
    query: CallbackQuery, callback_data: CaseAct, state: FSMContext, ctx: Context
) -> None:
    declaration_id = callback_data.declaration
    try:
        stored = await cases.check_unmask(ctx.repos, ctx.actor, declaration_id, now=ctx.now())
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    data = {"declaration": declaration_id, ON_CANCEL: "case-phone-cancelled"}
    await start_dialog(ctx, state, CasePhone.reason, data)
    await query.answer()
    name = stored.declaration.name or "-"
    await send_private(ctx, ctx.tr("case-phone-ask", id=declaration_id, name=name))


async def reason_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    declaration_id = await dialog_declaration(ctx, state, message)
    if declaration_id is None:
        return
    reason = (message.text or "").strip()
    if not reason:  # no reason, no number
        await message.answer(ctx.tr("case-phone-ask", id=declaration_id, name="-"))
        return
    await leave(ctx, state)
    try:  # checked again: roles may have changed while the reason was typed
        phone = await cases.reveal_phone(
            ctx.repos, ctx.actor, declaration_id, reason, now=ctx.now()
        )
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    shown = phone_display(phone) if phone else ctx.tr("followup-alert-no-phone")
    await message.answer(ctx.tr("case-phone", id=declaration_id, phone=shown))


def create_router() -> Router:
    router = Router(name="case_phone")
    router.callback_query.register(phone_pressed, CaseAct.filter(F.action.in_(PHONE_ACTIONS)))
    # Commands are not reasons: /cancel (common's router) ends the dialog and shows nothing.
    router.message.register(
        reason_typed, CasePhone.reason, F.chat.type == "private", ~F.text.startswith("/")
    )
    return router
