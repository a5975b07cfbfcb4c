"""Excusing an obligation: the "Excuse…" button under an escalation, then the reason."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.obligations import Obligation
from services import excuse as excuses
from services.refusal import Refused
from texts.keyboards import ExcuseObligation
from texts.obligations import due_text, kind_name


class ExcuseDialog(StatesGroup):
    reason = State()


async def excuse_pressed(
    query: CallbackQuery, callback_data: ExcuseObligation, state: FSMContext, ctx: Context
) -> None:
    try:
        obligation = await excuses.may_excuse(
            ctx.repos, ctx.actor, callback_data.obligation_id, now=ctx.now()
        )
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await state.set_state(ExcuseDialog.reason)
    await state.update_data(obligation_id=callback_data.obligation_id)
    await query.answer()  # its request commits the dialog's start
    facts = await _facts(ctx, obligation)
    text = ctx.tr("excuse-ask-reason", limit=excuses.MAX_REASON_LENGTH, **facts)
    if isinstance(query.message, Message):
        await query.message.answer(text)
    else:  # the escalation is too old for Telegram to show it; the dialog is private anyway
        await ctx.bot.send_message(ctx.actor.telegram_id, text)


async def reason_given(message: Message, state: FSMContext, ctx: Context) -> None:
    reason = (message.text or "").strip()
    if not reason:
        await message.answer(ctx.tr("excuse-reason-text-only"))
        return
    if len(reason) > excuses.MAX_REASON_LENGTH:
        await message.answer(
            ctx.tr("excuse-reason-too-long", limit=excuses.MAX_REASON_LENGTH, length=len(reason))
        )
        return
    obligation_id = (await state.get_data()).get("obligation_id")
    await state.clear()
    if not isinstance(obligation_id, int):  # a draft from an older version, or tampered with
        await message.answer(ctx.tr(excuses.UNKNOWN))
        return
    try:
        excused = await excuses.excuse(ctx.repos, ctx.actor, obligation_id, reason, now=ctx.now())
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    facts = await _facts(ctx, excused)
    await message.answer(ctx.tr("excuse-done", reason=reason, **facts))


async def _facts(ctx: Context, obligation: Obligation) -> dict[str, str]:
    tree = await ctx.repos.org.load_tree()
    unit = tree.get(obligation.unit_code).name if obligation.unit_code in tree else ""
    due = due_text(obligation.due_at.astimezone(ctx.settings.time.zone))
    return {"unit": unit, "kind": kind_name(ctx.tr, obligation.kind), "due": due}


def create_router() -> Router:
    router = Router(name="excuse")
    router.callback_query.register(excuse_pressed, ExcuseObligation.filter())
    router.message.register(
        reason_given,
        ExcuseDialog.reason,
        F.chat.type == "private",
        ~F.text.startswith("/"),
    )
    return router
