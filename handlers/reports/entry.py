"""Where a report begins: /report and /zero (with a choice of unit when the person files for
several), and the buttons on a unit's reminder."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.org import Unit
from handlers.chat import drop_buttons
from handlers.reports.common import ACTION
from handlers.reports.dialog import begin
from handlers.reports.zero import ask_zero, zero_question
from services.onboarding import log_refusal
from services.refusal import Refused
from services.reports import ReportService
from texts.keyboards import (
    ReminderReport,
    ReportUnitChoice,
    report_unit_keyboard,
)


async def _choose_unit(
    message: Message, ctx: Context, service: ReportService, *, zero: bool
) -> Unit | None:
    """The caller's single reporting unit; else a keyboard (None) or a refusal (None)."""
    units = await service.units_for(ctx.repos, ctx.actor)
    if not units:
        await log_refusal(ctx.repos, ctx.actor, ACTION, "", "report-no-unit", ctx.now())
        await message.answer(ctx.tr("report-no-unit"))
        return None
    if len(units) == 1:
        return units[0]
    keyboard = report_unit_keyboard(units, zero=zero)
    if keyboard is None:
        await message.answer(ctx.tr("report-too-many-units"))
        return None
    key = "report-choose-unit-zero" if zero else "report-choose-unit"
    await message.answer(ctx.tr(key), reply_markup=keyboard)
    return None


async def report_command(
    message: Message, state: FSMContext, ctx: Context, report_service: ReportService
) -> None:
    unit = await _choose_unit(message, ctx, report_service, zero=False)
    if unit is not None:
        await begin(ctx, state, report_service, unit, report_service.today(ctx.now()))


async def zero_command(message: Message, ctx: Context, report_service: ReportService) -> None:
    unit = await _choose_unit(message, ctx, report_service, zero=True)
    if unit is not None:
        await ask_zero(ctx, report_service, unit, report_service.today(ctx.now()))


async def unit_chosen(
    query: CallbackQuery,
    callback_data: ReportUnitChoice,
    state: FSMContext,
    ctx: Context,
    report_service: ReportService,
) -> None:
    try:
        unit = await report_service.unit_for(ctx.repos, ctx.actor, callback_data.unit, ctx.now())
    except Refused as refused:
        await query.answer(ctx.tr(refused.key, **refused.params), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    today = report_service.today(ctx.now())
    if callback_data.zero:
        await ask_zero(ctx, report_service, unit, today)
    else:
        await begin(ctx, state, report_service, unit, today)


async def reminder_pressed(
    query: CallbackQuery,
    callback_data: ReminderReport,
    state: FSMContext,
    ctx: Context,
    report_service: ReportService,
) -> None:
    try:
        owed = await report_service.from_reminder(
            ctx.repos, ctx.actor, callback_data.obligation_id, ctx.now()
        )
    except Refused as refused:
        await query.answer(ctx.tr(refused.key, **refused.params), show_alert=True)
        return
    await query.answer()
    if callback_data.zero:
        await zero_question(ctx, report_service, owed)
    else:
        await begin(ctx, state, report_service, owed.unit, owed.day)
