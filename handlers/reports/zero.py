"""The zero report: one question with a confirmation, filed by the confirm button."""

from __future__ import annotations

from datetime import date

from aiogram.types import CallbackQuery

from bot.context import Context
from domain.org import Unit
from handlers.chat import drop_buttons, send_private
from handlers.reports.common import facts
from handlers.reports.dialog import confirm_filed, owed_or_told
from services import reports
from services.refusal import Refused
from services.reports import Owed, ReportService
from texts import reports as report_texts
from texts.keyboards import (
    ZeroConfirm,
    zero_confirm_keyboard,
)


async def ask_zero(ctx: Context, service: ReportService, unit: Unit, day: date) -> None:
    owed = await owed_or_told(ctx, service, unit, day)
    if owed is not None:
        await zero_question(ctx, owed)


async def zero_question(ctx: Context, owed: Owed) -> None:
    unit, day, schedule, previous = owed.unit, owed.day, owed.schedule, owed.previous
    tr = ctx.tr
    lines = []
    if previous:
        lines += [
            tr(
                "report-correction-start",
                version=previous[-1].version,
                next=previous[-1].version + 1,
                **facts(unit, day),
            ),
            "",
        ]
    lines.append(
        tr(
            "report-zero-confirm",
            cutoff=report_texts.cutoff_text(tr, schedule.cutoff),
            **facts(unit, day),
        )
    )
    keyboard = zero_confirm_keyboard(tr, unit.code, day.isoformat(), len(previous))
    await send_private(ctx, "\n".join(lines), keyboard)


async def zero_pressed(
    query: CallbackQuery, callback_data: ZeroConfirm, ctx: Context, report_service: ReportService
) -> None:
    if not callback_data.ok:
        await query.answer()
        await drop_buttons(query)
        await send_private(ctx, ctx.tr("report-zero-cancelled"))
        return
    try:
        day = date.fromisoformat(callback_data.day)
    except ValueError:
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    try:
        # The caller's own units only: a forged button learns nothing of another unit.
        unit = await report_service.unit_for(
            ctx.repos, ctx.actor, callback_data.unit, ctx.now(), day
        )
        # The confirmation was asked with `base` versions on file: a second tap, or a report
        # filed from elsewhere since, files nothing unseen (checked under the lock).
        filed = await report_service.file(
            ctx.repos,
            ctx.actor,
            unit,
            day,
            None,
            now=ctx.now(),
            expected_versions=callback_data.base,
        )
    except Refused as refused:
        key = "button-expired" if refused.key == reports.FILED_MEANWHILE else refused.key
        await query.answer(ctx.tr(key, **refused.params), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    await confirm_filed(ctx, filed)
