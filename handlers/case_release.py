"""Ending a measure early (解除) from the case card: the button asks for the reason (the next
message, in a small dialog that survives a restart), the reason is shown back with "end it" and
"cancel", and only that confirmation ends the measure. Every step checks the presser's right
again: the buttons carry only the declaration's id, and the reason is never read from them."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from handlers.chat import send_private
from handlers.dialogs import (
    answered,
    ask,
    dialog_declaration,
    leave,
    pressed_label,
    refuse_stale,
    start_dialog,
)
from services import cases
from services.refusal import Refused
from storage.repos.declarations import StoredDeclaration
from texts.case_keyboards import RELEASE_ACTIONS, CaseAct, CaseAction
from texts.cases import release_confirm_keyboard
from texts.declarations import category_text
from texts.measure_end import MEASURE_TEXTS


class CaseRelease(StatesGroup):
    reason = State()  # data: the declaration's id
    confirming = State()  # data: the declaration's id and the reason typed


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.settings.time.zone).date()


async def release_pressed(
    query: CallbackQuery, callback_data: CaseAct, state: FSMContext, ctx: Context
) -> None:
    declaration_id, action = callback_data.declaration, callback_data.action
    if action is CaseAction.RELEASE:
        try:
            stored = await cases.check_release(
                ctx.repos, ctx.actor, declaration_id, today=_today(ctx), now=ctx.now()
            )
        except Refused as refused:
            await query.answer(ctx.tr(refused.key), show_alert=True)
            return
        await start_dialog(ctx, state, CaseRelease.reason, {"declaration": declaration_id})
        await query.answer()
        name = stored.declaration.name or "-"
        await send_private(ctx, ctx.tr("case-release-ask", id=declaration_id, name=name))
        return
    try:  # someone outside the case is told so, not that the button is old
        await cases.check_access(ctx.repos, ctx.actor, declaration_id, now=ctx.now())
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    data = await state.get_data()
    reason = data.get("reason")
    if (
        await state.get_state() != CaseRelease.confirming.state
        or data.get("declaration") != declaration_id
        or not isinstance(reason, str)
    ):  # an old confirmation, or one for another declaration
        await refuse_stale(ctx, query)
        return
    if action is CaseAction.RELEASE_NO:
        await leave(ctx, state, pressed_label(query))
        await query.answer()
        await send_private(ctx, ctx.tr("case-release-cancelled"))
        return
    await _release(query, state, ctx, declaration_id, reason)


async def _release(
    query: CallbackQuery, state: FSMContext, ctx: Context, declaration_id: int, reason: str
) -> None:
    try:
        stored = await cases.release(
            ctx.repos,
            ctx.actor,
            declaration_id,
            reason,
            texts=MEASURE_TEXTS,
            default_language=ctx.settings.i18n.default_locale,
            today=_today(ctx),
            now=ctx.now(),
        )
    except Refused as refused:
        await leave(ctx, state)
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    # The question's edit is the first request: it commits the release before anyone is told.
    await leave(ctx, state, pressed_label(query))
    await query.answer()
    name = stored.declaration.name or "-"
    await send_private(ctx, ctx.tr("case-release-done", id=declaration_id, name=name))


async def reason_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    declaration_id = await dialog_declaration(ctx, state, message)
    if declaration_id is None:
        return
    reason = (message.text or "").strip()[: cases.MAX_NOTE]
    try:  # checked again: the case may have changed while the reason was typed
        stored = await cases.check_release(
            ctx.repos, ctx.actor, declaration_id, today=_today(ctx), now=ctx.now()
        )
    except Refused as refused:
        await leave(ctx, state)
        await message.answer(ctx.tr(refused.key))
        return
    if not reason:
        name = stored.declaration.name or "-"
        await message.answer(ctx.tr("case-release-ask", id=declaration_id, name=name))
        return
    await answered(ctx, state, None)  # a corrected reason: the earlier confirmation goes dead
    await state.set_state(CaseRelease.confirming)
    await state.update_data(reason=reason)
    await ask(
        ctx, state, _confirm_text(ctx, stored, reason), release_confirm_keyboard(ctx.tr, stored.id)
    )


def _confirm_text(ctx: Context, stored: StoredDeclaration, reason: str) -> str:
    return ctx.tr(
        "case-release-confirm",
        id=stored.id,
        name=stored.declaration.name or "-",
        category=category_text(ctx.tr, stored.classification.category),
        reason=reason,
    )


def create_router() -> Router:
    router = Router(name="case_release")
    router.callback_query.register(release_pressed, CaseAct.filter(F.action.in_(RELEASE_ACTIONS)))
    # A new message while confirming is a corrected reason, confirmed again.
    router.message.register(
        reason_typed,
        F.chat.type == "private",
        ~F.text.startswith("/"),
        CaseRelease.reason,
    )
    router.message.register(
        reason_typed,
        F.chat.type == "private",
        ~F.text.startswith("/"),
        CaseRelease.confirming,
    )
    return router
