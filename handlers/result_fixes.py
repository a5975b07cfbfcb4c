"""Correcting a recorded test result: `/results` (the latest results of the residents one
answers for, positives first) and "Correct result" under a positive's alert, a correction's
notice or a line of that list.

The menu comes as a message of its own: the result on file, who recorded it and when, a button
per result it can be corrected to, and "Cancel". The button names the change, so it is its own
confirmation; the menu then says what was done and who was told. Every press is checked again
by the service: who may correct, and that the result is still the one the menu showed.
"""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from handlers.chat import drop_buttons, send_private
from services.refusal import Refused
from services.result_fixes import ResultService
from texts.result_fixes import fix_menu_text, fixed_text, recent_text
from texts.result_keyboards import ResultFix, ResultOpen, fix_menu_keyboard, recent_keyboard


async def results_command(message: Message, ctx: Context, result_service: ResultService) -> None:
    try:
        recent = await result_service.recent(ctx.repos, ctx.actor, ctx.now())
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    markup = recent_keyboard(ctx.tr, recent.views) if recent.views else None
    await message.answer(recent_text(ctx.tr, recent), reply_markup=markup)


async def open_pressed(
    query: CallbackQuery, callback_data: ResultOpen, ctx: Context, result_service: ResultService
) -> None:
    if callback_data.close:  # the presser's own menu: nothing to check
        await query.answer(ctx.tr("result-fix-cancelled"))
        await drop_buttons(query)
        return
    try:
        view = await result_service.view(ctx.repos, ctx.actor, callback_data.record, ctx.now())
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await query.answer()
    text = fix_menu_text(ctx.tr, view, ctx.settings.time.zone)
    await send_private(ctx, text, fix_menu_keyboard(ctx.tr, view))


async def fix_pressed(
    query: CallbackQuery, callback_data: ResultFix, ctx: Context, result_service: ResultService
) -> None:
    data = callback_data
    try:
        corrected = await result_service.correct(
            ctx.repos, ctx.actor, data.record, data.was, data.to, ctx.now()
        )
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await query.answer()  # its request commits the correction and its notices first
    text = fixed_text(ctx.tr, corrected)
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # too old to edit: said anew below
            await query.message.edit_text(text, reply_markup=None)
            return
    await send_private(ctx, text)


def create_router() -> Router:
    router = Router(name="result_fixes")
    router.message.register(results_command, Command("results"), F.chat.type == "private")
    router.callback_query.register(open_pressed, ResultOpen.filter())
    router.callback_query.register(fix_pressed, ResultFix.filter())
    return router
