"""The buttons under a test-day reminder: "done, result pending", negative, positive.

Pending and negative are recorded at one tap. Positive alerts the unit's staff and the
supervisors up the chain at once, so a slip of the finger must not do it: the message turns
into "Confirm positive?" in place, with confirm and back, and only the confirmation records it.
Every press is checked again by the service (callback data is whatever the client sends).
"""

from __future__ import annotations

import contextlib

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from domain.declarations import TestResult
from handlers.chat import drop_buttons, send_private
from services.checkin_service import CheckinService, Started
from services.refusal import Refused
from texts.checkin_keyboards import (
    TestConfirm,
    TestRecord,
    positive_confirm_keyboard,
    result_choices_keyboard,
)


async def result_pressed(
    query: CallbackQuery, callback_data: TestRecord, ctx: Context, checkin_service: CheckinService
) -> None:
    obligation_id, result = callback_data.obligation_id, callback_data.result
    if result is not TestResult.POSITIVE:
        recorded = await _record(query, ctx, checkin_service, obligation_id, result)
        if recorded and result is not TestResult.PENDING:
            # Answered: this message loses its buttons now, the other reminders through the
            # outbox. "Done" keeps them: the result is still to be given from them.
            await drop_buttons(query)
        return
    test = await _test_day(query, ctx, checkin_service, obligation_id)
    if test is not None:
        await query.answer()
        question = ctx.tr("result-confirm-positive", name=test.name, day=test.day.isoformat())
        text = f"{_heading(ctx, test)}\n\n{question}"
        await _show(query, ctx, text, positive_confirm_keyboard(ctx.tr, obligation_id))


async def confirm_pressed(
    query: CallbackQuery, callback_data: TestConfirm, ctx: Context, checkin_service: CheckinService
) -> None:
    obligation_id = callback_data.obligation_id
    test = await _test_day(query, ctx, checkin_service, obligation_id)
    if test is None:
        return
    if callback_data.back:
        await query.answer()
        await _show(query, ctx, _heading(ctx, test), result_choices_keyboard(ctx.tr, obligation_id))
        return
    if not await _record(query, ctx, checkin_service, obligation_id, TestResult.POSITIVE):
        return
    # The question asked in place becomes the answer given, without buttons.
    answer = ctx.tr("dialog-answered", answer=ctx.tr("checkin-test-button-positive"))
    await _show(query, ctx, f"{_heading(ctx, test)}\n\n{answer}", None)


async def _record(
    query: CallbackQuery,
    ctx: Context,
    service: CheckinService,
    obligation_id: int,
    result: TestResult,
) -> bool:
    """Record the result and tell the presser, after the commit; False if refused (said why)."""
    try:
        recorded = await service.record_test(ctx.repos, ctx.actor, obligation_id, result, ctx.now())
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return False
    await query.answer()  # its request commits the result (and its alerts) first
    await send_private(ctx, ctx.tr(recorded.key))
    return True


async def _test_day(
    query: CallbackQuery, ctx: Context, service: CheckinService, obligation_id: int
) -> Started | None:
    """Whose test the press is about; None (the presser told why) if its result may not be
    recorded."""
    try:
        return await service.test_day(ctx.repos, ctx.actor, obligation_id, ctx.now())
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return None


def _heading(ctx: Context, test: Started) -> str:
    return ctx.tr("result-test-day", name=test.name, day=test.day.isoformat())


async def _show(
    query: CallbackQuery, ctx: Context, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """In place of the message pressed on; as a new message when that one cannot be edited
    (too old, or no longer accessible)."""
    if isinstance(query.message, Message):
        with contextlib.suppress(TelegramBadRequest):
            await query.message.edit_text(text, reply_markup=markup)
            return
    await send_private(ctx, text, markup)


def create_router() -> Router:
    router = Router(name="result_buttons")
    router.callback_query.register(result_pressed, TestRecord.filter())
    router.callback_query.register(confirm_pressed, TestConfirm.filter())
    return router
