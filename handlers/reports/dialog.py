"""The report form as a dialog: the question or the summary, typed answers and buttons, and
filing. The draft lives in FSM storage, so it survives restarts; a draft that no longer fits
the form restarts politely, a button from an earlier question is refused. Questions are asked
and answered through handlers.dialogs, so each answer shows in its question."""

from __future__ import annotations

import logging
import secrets
from datetime import date
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain import form_buttons, forms
from domain.form_buttons import FormAction
from domain.forms import Draft, FormSpec, Outcome, Refusal, Value
from domain.org import Unit
from domain.reports import ReportSchedule
from handlers.chat import send_private
from handlers.dialogs import (
    StoredDialogError,
    answered,
    answered_by_button,
    ask,
    leave,
    pressed_label,
    redraw,
    refuse_stale,
    start_dialog,
)
from handlers.reports.common import facts
from services import reports
from services.refusal import Refused
from services.reports import Filed, Owed, ReportService
from texts import report_figures as figure_texts
from texts import reports as report_texts
from texts.keyboards import (
    ReportStep,
    report_question_keyboard,
    report_summary_keyboard,
)

logger = logging.getLogger(__name__)


class ReportDialog(StatesGroup):
    filling = State()  # a question of the form, or its summary


async def owed_or_told(ctx: Context, service: ReportService, unit: Unit, day: date) -> Owed | None:
    """What the unit owes for `day` if it may file now; otherwise the caller has been told
    why (and it is audited)."""
    try:
        return await service.owed(ctx.repos, ctx.actor, unit, day, ctx.now())
    except Refused as refused:
        await send_private(ctx, ctx.tr(refused.key, **refused.params))
        return None


async def begin(
    ctx: Context, state: FSMContext, service: ReportService, unit: Unit, day: date
) -> None:
    owed = await owed_or_told(ctx, service, unit, day)
    if owed is None:
        return
    schedule, previous = owed.schedule, owed.previous
    draft = forms.start(schedule.form)
    dialog = secrets.token_hex(4)
    records = await service.records(ctx.repos, schedule, unit, day, ctx.now())
    # The values the keep / use-records buttons answer with: held here, never in a button.
    kept = dict(previous[-1].answers) if previous else None
    counts = dict(records.counts) if records.any else None
    # Another dialog's question keeps no live buttons.
    await start_dialog(
        ctx,
        state,
        ReportDialog.filling,
        {
            "unit": unit.code,
            "day": day.isoformat(),
            "draft": draft.to_data(),
            # How many versions the filer knows of: one filed meanwhile is not overwritten.
            "base": len(previous),
            "dialog": dialog,
            "kept": kept,
            "records": counts,
        },
    )
    parts = []
    if previous:
        parts.append(
            ctx.tr(
                "report-correction-start",
                version=previous[-1].version,
                next=previous[-1].version + 1,
                **facts(unit, day),
            )
        )
        parts.append(ctx.tr("report-correction-prefilled"))
    if counts is not None:
        zone = ctx.settings.time.zone
        parts.append(figure_texts.records_block(ctx.tr, schedule.form, records, zone))
        parts.append(ctx.tr("report-records-hint"))
    await _show(ctx, state, schedule, unit, day, draft, intro="\n\n".join(parts) or None)


async def _show(
    ctx: Context,
    state: FSMContext,
    schedule: ReportSchedule,
    unit: Unit,
    day: date,
    draft: Draft,
    *,
    refusal: Refusal | None = None,
    intro: str | None = None,
    in_place: CallbackQuery | None = None,
) -> None:
    """The current question, or the summary with a button per field (carrying the dialog's
    id, so they act on this dialog only); `in_place` (the button pressed on the asked
    question) edits that question into it where it can be edited."""
    tr, spec = ctx.tr, schedule.form
    dialog = await _dialog(state)
    kept, records = await held_values(state)
    item = forms.current(spec, draft)
    where: dict[str, Any] = {"unit": unit.name, "day": day, "cutoff": schedule.cutoff}
    if item is None:
        text = report_texts.summary(
            tr, spec, draft.answers, refusal=refusal, records=records, **where
        )
        fields = [
            (f.key, report_texts.button_label(tr, spec, f))
            for f in forms.visible(spec, draft.answers)
        ]
        markup = report_summary_keyboard(tr, draft.position, fields, dialog=dialog)
    else:
        text = report_texts.question(
            tr, spec, item, draft.answers, refusal=refusal, prefilled=kept, **where
        )
        has_filed = kept is not None and item.key in kept
        record = records.get(item.key) if records is not None else None
        hints = figure_texts.question_hints(
            tr, filed=kept.get(item.key) if kept else None, has_filed=has_filed, record=record
        )
        text = "\n".join([text, *hints])
        held: list[tuple[FormAction, str]] = []
        if kept is not None and has_filed and kept[item.key] is not None:
            held.append((FormAction.KEEP, figure_texts.keep_label(tr, kept[item.key])))
        if record is not None and not (has_filed and kept is not None and kept[item.key] == record):
            held.append((FormAction.RECORDS, figure_texts.records_label(tr, record)))
        markup = report_question_keyboard(
            tr,
            draft.position,
            dialog=dialog,
            back=forms.back(spec, draft).position != draft.position,
            skip=item.optional,
            choices=item.choices,
            held=held,
        )
    if intro:
        text = intro + "\n\n" + text
    if in_place is not None:
        if await redraw(ctx, state, text, markup, in_place):
            return
        await answered(ctx, state, None)  # too old to edit: asked anew below it
    await ask(ctx, state, text, markup)


async def held_values(
    state: FSMContext,
) -> tuple[dict[str, Value] | None, dict[str, int] | None]:
    """The filed answers a correction keeps and the records' counts, as `begin` stored them
    (FSM storage: checked, a wrong shape counts as none)."""
    data = await state.get_data()
    kept, records = data.get("kept"), data.get("records")
    kept_ok = isinstance(kept, dict) and all(
        isinstance(k, str) and (v is None or isinstance(v, str) or type(v) is int)
        for k, v in kept.items()
    )
    records_ok = isinstance(records, dict) and all(
        isinstance(k, str) and type(v) is int for k, v in records.items()
    )
    return (kept if kept_ok else None), (records if records_ok else None)


async def _base(state: FSMContext) -> int | None:
    base = (await state.get_data()).get("base")
    return base if isinstance(base, int) and not isinstance(base, bool) else None


async def _dialog(state: FSMContext) -> str:
    dialog = (await state.get_data()).get("dialog")
    return dialog if isinstance(dialog, str) else ""


async def _load(
    ctx: Context, state: FSMContext, service: ReportService
) -> tuple[Unit, date, ReportSchedule, Draft]:
    """The dialog as stored, checked against today's organisation and form."""
    data = await state.get_data()
    try:
        code, day_text, stored = data.get("unit"), data.get("day"), data.get("draft")
        if not isinstance(code, str) or not isinstance(day_text, str):
            raise ValueError("stored report dialog: no unit or day")
        if not isinstance(stored, dict):
            raise ValueError("stored report dialog: no draft")
        day = date.fromisoformat(day_text)
        draft = Draft.from_data(stored)
        unit = await ctx.repos.org.get_unit(code)
        schedule = service.policy.schedule_for(unit) if unit is not None else None
        if unit is None or schedule is None:
            raise ValueError("stored report dialog: the unit no longer reports")
        forms.check_draft(schedule.form, draft)
    except ValueError as error:
        logger.info("report dialog of %s restarted: %s", ctx.actor.telegram_id, error)
        raise StoredDialogError(str(error)) from error
    return unit, day, schedule, draft


async def _restart(ctx: Context, state: FSMContext) -> None:
    await leave(ctx, state)
    await send_private(ctx, ctx.tr("report-restart"))


async def _save(state: FSMContext, draft: Draft) -> None:
    await state.update_data(draft=draft.to_data())


async def answer_given(
    message: Message, state: FSMContext, ctx: Context, report_service: ReportService
) -> None:
    try:
        unit, day, schedule, draft = await _load(ctx, state, report_service)
    except StoredDialogError:
        await _restart(ctx, state)
        return
    spec = schedule.form
    asked = forms.current(spec, draft)
    at_question = asked is not None
    if not at_question or message.text is None:
        if asked is None:
            why = "report-use-buttons"  # the summary
        elif asked.kind is forms.FieldKind.CHOICE:
            why = "form-not-a-choice"
        else:
            why = "report-text-only"
        await answered(ctx, state, message.text if at_question else None)
        await _show(ctx, state, schedule, unit, day, draft, intro=ctx.tr(why))
        return
    outcome = forms.answer(spec, draft, message.text)
    if outcome.refusal is None:
        await _save(state, outcome.draft)
    # The question is asked again below (the next one, or this one after a wrong answer):
    # the old one loses its buttons and shows what was typed. Its request commits the draft.
    await answered(ctx, state, message.text)
    await _show(ctx, state, schedule, unit, day, outcome.draft, refusal=outcome.refusal)


async def step_pressed(
    query: CallbackQuery,
    callback_data: ReportStep,
    state: FSMContext,
    ctx: Context,
    report_service: ReportService,
) -> None:
    if await state.get_state() != ReportDialog.filling.state:
        await refuse_stale(ctx, query)
        return
    try:
        unit, day, schedule, draft = await _load(ctx, state, report_service)
    except StoredDialogError:
        await query.answer()
        await _restart(ctx, state)
        return
    spec, action = schedule.form, callback_data.action
    # A button of an earlier question, or of another dialog (another unit, another day).
    if callback_data.position != draft.position or callback_data.dialog != await _dialog(state):
        await refuse_stale(ctx, query)
        return
    if action is FormAction.CANCEL:
        await query.answer()
        await leave(ctx, state)
        await send_private(ctx, ctx.tr("report-cancelled"))
        return
    if action is FormAction.SUBMIT and draft.position == len(spec.fields):
        await query.answer()
        await _submit(ctx, state, report_service, (unit, day, schedule, draft), query)
        return
    if action in form_buttons.HELD:
        outcome = await _held_answer(state, spec, draft, action)
    else:
        outcome = form_buttons.press(spec, draft, action, callback_data.key)
    if outcome is None:
        await refuse_stale(ctx, query)
        return
    await _save(state, outcome.draft)
    await query.answer()  # its request commits the draft
    if action in form_buttons.ANSWERS:  # shown in its question, and the next one asked
        await answered_by_button(ctx, state, query)
        await _show(ctx, state, schedule, unit, day, outcome.draft, refusal=outcome.refusal)
        return
    # Back, or a field to change: navigation, not an answer; the question changes in place.
    await _show(
        ctx, state, schedule, unit, day, outcome.draft, refusal=outcome.refusal, in_place=query
    )


async def _held_answer(
    state: FSMContext, spec: FormSpec, draft: Draft, action: FormAction
) -> Outcome | None:
    """The current question answered with the value the dialog holds for the button; None
    when it holds none (a stale or forged button)."""
    item = forms.current(spec, draft)
    kept, records = await held_values(state)
    held: dict[str, Value] | None = (
        dict(records) if action is FormAction.RECORDS and records else None
    )
    if action is FormAction.KEEP:
        held = kept
    if item is None or held is None or item.key not in held:
        return None
    return form_buttons.use_value(spec, draft, held[item.key])


async def _submit(
    ctx: Context,
    state: FSMContext,
    service: ReportService,
    loaded: tuple[Unit, date, ReportSchedule, Draft],
    query: CallbackQuery,
) -> None:
    """File the report; the summary shows "submit" only once it has been filed."""
    unit, day, schedule, draft = loaded
    found = forms.problems(schedule.form, draft.answers)
    if found:  # cannot happen through the dialog; a draft from an older form, say
        key, refusal = found[0]
        try:
            draft = forms.edit(schedule.form, draft, key)
        except ValueError:  # not a question that can be asked again
            await _restart(ctx, state)
            return
        await _save(state, draft)
        await answered(ctx, state, None)
        await _show(ctx, state, schedule, unit, day, draft, refusal=refusal)
        return
    try:
        filed = await service.file(
            ctx.repos,
            ctx.actor,
            unit,
            day,
            dict(draft.answers),
            now=ctx.now(),
            expected_versions=await _base(state),
        )
    except Refused as refused:
        if refused.key == reports.INVALID:
            await answered(ctx, state, None)
            await _show(ctx, state, schedule, unit, day, draft, intro=ctx.tr(refused.key))
            return
        await leave(ctx, state)
        await send_private(ctx, ctx.tr(refused.key, **refused.params))
        return
    # The request of this edit commits the report first, with the dialog's end.
    await leave(ctx, state, pressed_label(query))
    await confirm_filed(ctx, filed)


async def confirm_filed(ctx: Context, filed: Filed) -> None:
    """The filer's confirmation, once the report has committed (the next request commits)."""
    zone = ctx.settings.time.zone
    due = filed.schedule.due_at(filed.report.day, zone)
    text = report_texts.filed_confirmation(
        ctx.tr, filed.report, unit=filed.unit.name, due=due, zone=zone
    )
    await send_private(ctx, text)
