"""The zero report: one question with a confirmation, filed by the confirm button. When the
bot's records show something for the unit in the period, the question shows them, and the
confirmation asks for the reason (typed; asked again until given) before filing."""

from __future__ import annotations

from datetime import date

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.org import Unit
from domain.report_records import UnitRecords
from domain.reports import ReportSchedule
from handlers.chat import drop_buttons, send_private
from handlers.dialogs import leave, start_dialog
from handlers.reports.common import facts
from handlers.reports.dialog import confirm_filed, owed_or_told
from services import reports
from services.refusal import Refused
from services.reports import Filed, Owed, ReportService
from texts import report_figures as figure_texts
from texts import reports as report_texts
from texts.keyboards import (
    ZeroConfirm,
    zero_confirm_keyboard,
)


async def ask_zero(ctx: Context, service: ReportService, unit: Unit, day: date) -> None:
    owed = await owed_or_told(ctx, service, unit, day)
    if owed is not None:
        await zero_question(ctx, service, owed)


async def zero_question(ctx: Context, service: ReportService, owed: Owed) -> None:
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
    records = await service.records(ctx.repos, schedule, unit, day, ctx.now())
    if records.any:
        zone = ctx.settings.time.zone
        lines += ["", figure_texts.records_block(tr, schedule.form, records, zone)]
        lines.append(tr("report-zero-records"))
    keyboard = zero_confirm_keyboard(tr, unit.code, day.isoformat(), len(previous))
    await send_private(ctx, "\n".join(lines), keyboard)


async def zero_pressed(
    query: CallbackQuery,
    callback_data: ZeroConfirm,
    state: FSMContext,
    ctx: Context,
    report_service: ReportService,
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
        schedule = report_service.policy.schedule_for(unit)
        records = None
        if schedule is not None:
            records = await report_service.records(ctx.repos, schedule, unit, day, ctx.now())
        if schedule is not None and records is not None and records.any:
            await query.answer()
            await drop_buttons(query)
            await _ask_reason(ctx, state, unit, day, callback_data.base, schedule, records)
            return
        filed = await _file(ctx, report_service, unit, day, callback_data.base, records=records)
    except Refused as refused:
        key = "button-expired" if refused.key == reports.FILED_MEANWHILE else refused.key
        await query.answer(ctx.tr(key, **refused.params), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    await confirm_filed(ctx, filed)


class ZeroReason(StatesGroup):
    waiting = State()  # the reason for a zero report against the records


async def _ask_reason(
    ctx: Context,
    state: FSMContext,
    unit: Unit,
    day: date,
    base: int,
    schedule: ReportSchedule,
    records: UnitRecords,
    *,
    again: bool = False,
) -> None:
    await start_dialog(
        ctx, state, ZeroReason.waiting, {"unit": unit.code, "day": day.isoformat(), "base": base}
    )
    text = figure_texts.zero_reason_question(
        ctx.tr,
        schedule.form,
        records,
        unit=unit.name,
        zone=ctx.settings.time.zone,
        limit=reports.ZERO_REASON_LENGTH,
    )
    if again:
        text = ctx.tr("report-zero-reason-empty") + "\n\n" + text
    await send_private(ctx, text)


async def reason_given(
    message: Message, state: FSMContext, ctx: Context, report_service: ReportService
) -> None:
    """The reason typed for a zero report against the records: filed with it, or asked
    again when empty (a photo, blank text)."""
    data = await state.get_data()
    code, day_text, base = data.get("unit"), data.get("day"), data.get("base")
    try:
        if not isinstance(code, str) or not isinstance(day_text, str) or type(base) is not int:
            raise ValueError("stored zero reason: no unit, day or base")
        day = date.fromisoformat(day_text)
        unit = await report_service.unit_for(ctx.repos, ctx.actor, code, ctx.now(), day)
    except (ValueError, Refused):
        await leave(ctx, state)
        await send_private(ctx, ctx.tr("report-restart"))
        return
    reason = (message.text or "").strip()
    schedule = report_service.policy.schedule_for(unit)
    if not reason and schedule is not None:
        records = await report_service.records(ctx.repos, schedule, unit, day, ctx.now())
        await _ask_reason(ctx, state, unit, day, base, schedule, records, again=True)
        return
    try:
        filed = await _file(ctx, report_service, unit, day, base, reason=reason)
    except Refused as refused:
        if refused.key == reports.FILED_MEANWHILE:
            # The dialog stays, now knowing of the version filed meanwhile: the reason sent
            # again files the zero report over it, knowingly; /cancel stops.
            await state.update_data(base=len(await ctx.repos.reports.versions(unit.code, day)))
            await send_private(ctx, ctx.tr("report-zero-reason-meanwhile", **refused.params))
            return
        # Nothing typing again could change (the role gone, the corrections closed).
        await leave(ctx, state)
        await send_private(ctx, ctx.tr(refused.key, **refused.params))
        return
    # Left only once filed; the next request commits the report with the dialog's end.
    await leave(ctx, state)
    await confirm_filed(ctx, filed)


async def _file(
    ctx: Context,
    service: ReportService,
    unit: Unit,
    day: date,
    base: int,
    *,
    records: UnitRecords | None = None,
    reason: str | None = None,
) -> Filed:
    """File the zero report. The confirmation was asked with `base` versions on file: a
    second tap, or a report filed from elsewhere since, files nothing unseen (checked under
    the lock)."""
    return await service.file(
        ctx.repos,
        ctx.actor,
        unit,
        day,
        None,
        now=ctx.now(),
        expected_versions=base,
        records=records,
        zero_reason=reason,
    )
