"""Daily reports: /report (the guided form), /zero, /status, and the buttons on reminders.

The form dialog keeps its place in FSM storage (the unit, the reporting day and the
`forms.Draft`), so it survives restarts; nothing stored or sent back by a button is trusted:
a draft that no longer fits the form restarts politely, a button from an earlier question is
refused, and filing goes through `services.reports.ReportService` (built once with the policy,
given as `report_service`), which checks the filer's role and every answer again, puts the
work group's line in the outbox and refuses with `Refused` (a message key and its values).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from domain import forms
from domain.forms import Draft, Refusal
from domain.obligations import ObligationState
from domain.org import OrgTree, Role, Unit
from domain.permissions import Capability, can_manage_unit
from domain.reports import FiledReport, ReportPolicy, ReportSchedule, UnitStatus, status_of
from services import reports
from services.onboarding import log_refusal
from services.refusal import Refused
from services.reports import Filed, Owed, ReportService
from texts import reports as texts
from texts.keyboards import (
    ReminderReport,
    ReportStep,
    ReportUnitChoice,
    ZeroConfirm,
    report_question_keyboard,
    report_summary_keyboard,
    report_unit_keyboard,
    zero_confirm_keyboard,
)
from texts.messaging import split_html
from texts.reports import HISTORY_DAYS, ReportTexts

logger = logging.getLogger(__name__)

ACTION = reports.ACTION  # "report.file": refusals to start a report are audited alongside
STATUS_ACTION = "report.status"
# How far back /status reads: a year of reports, and never a future day (nothing is owed
# yet; a date near date.min or date.max would overflow going back through the history).
STATUS_DAYS_BACK = 366


class ReportDialog(StatesGroup):
    filling = State()  # a question of the form, or its summary


class _Restart(Exception):
    """The stored dialog cannot be used any more."""


async def _send(ctx: Context, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Into the caller's private chat, split if long; the keyboard on the last part."""
    parts = split_html(text)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await ctx.bot.send_message(
            ctx.actor.telegram_id, part, reply_markup=markup if last else None
        )


async def _drop_buttons(query: CallbackQuery) -> None:
    """Take the keyboard off the message a button was pressed on (best effort)."""
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        with contextlib.suppress(TelegramBadRequest):  # too old, or already changed
            await query.message.edit_reply_markup(reply_markup=None)


def _facts(unit: Unit | None, day: date) -> dict[str, str]:
    return {"unit": unit.name if unit is not None else "", "day": day.isoformat()}


# --- Which unit ------------------------------------------------------------------------------


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
        await _begin(ctx, state, report_service, unit, report_service.today(ctx.now()))


async def zero_command(message: Message, ctx: Context, report_service: ReportService) -> None:
    unit = await _choose_unit(message, ctx, report_service, zero=True)
    if unit is not None:
        await _ask_zero(ctx, report_service, unit, report_service.today(ctx.now()))


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
    await _drop_buttons(query)
    today = report_service.today(ctx.now())
    if callback_data.zero:
        await _ask_zero(ctx, report_service, unit, today)
    else:
        await _begin(ctx, state, report_service, unit, today)


async def _owed(ctx: Context, service: ReportService, unit: Unit, day: date) -> Owed | None:
    """What the unit owes for `day` if it may file now; otherwise the caller has been told
    why (and it is audited)."""
    try:
        return await service.owed(ctx.repos, ctx.actor, unit, day, ctx.now())
    except Refused as refused:
        await _send(ctx, ctx.tr(refused.key, **refused.params))
        return None


# --- The form dialog -------------------------------------------------------------------------


async def _begin(
    ctx: Context, state: FSMContext, service: ReportService, unit: Unit, day: date
) -> None:
    owed = await _owed(ctx, service, unit, day)
    if owed is None:
        return
    schedule, previous = owed.schedule, owed.previous
    draft = forms.start(schedule.form)
    dialog = secrets.token_hex(4)
    await state.set_state(ReportDialog.filling)
    await state.set_data(
        {
            "unit": unit.code,
            "day": day.isoformat(),
            "draft": draft.to_data(),
            # How many versions the filer knows of: one filed meanwhile is not overwritten.
            "base": len(previous),
            "dialog": dialog,
        }
    )
    intro = None
    if previous:
        intro = ctx.tr(
            "report-correction-start",
            version=previous[-1].version,
            next=previous[-1].version + 1,
            **_facts(unit, day),
        )
    await _show(ctx, state, schedule, unit, day, draft, intro=intro)


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
) -> None:
    """The current question, or the summary with a button per field (carrying the dialog's
    id, so they act on this dialog only)."""
    tr, spec = ctx.tr, schedule.form
    dialog = await _dialog(state)
    item = forms.current(spec, draft)
    where: dict[str, Any] = {"unit": unit.name, "day": day, "cutoff": schedule.cutoff}
    if item is None:
        text = texts.summary(tr, spec, draft.answers, refusal=refusal, **where)
        fields = [
            (f.key, texts.field_label(tr, spec, f)) for f in forms.visible(spec, draft.answers)
        ]
        markup = report_summary_keyboard(tr, draft.position, fields, dialog=dialog)
    else:
        text = texts.question(tr, spec, item, draft.answers, refusal=refusal, **where)
        markup = report_question_keyboard(
            tr,
            draft.position,
            dialog=dialog,
            back=forms.back(spec, draft).position != draft.position,
            skip=item.optional,
            choices=item.choices,
        )
    if intro:
        text = intro + "\n\n" + text
    await _send(ctx, text, markup)


async def _base(state: FSMContext) -> int | None:
    base = (await state.get_data()).get("base")
    return base if isinstance(base, int) and not isinstance(base, bool) else None


async def _dialog(state: FSMContext) -> str:
    dialog = (await state.get_data()).get("dialog")
    return dialog if isinstance(dialog, str) else ""


async def _load(
    ctx: Context, state: FSMContext, service: ReportService
) -> tuple[Unit, date, ReportSchedule, Draft]:
    """The dialog as stored, checked against today's organisation and form; _Restart if not."""
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
        raise _Restart from error
    return unit, day, schedule, draft


async def _restart(ctx: Context, state: FSMContext) -> None:
    await state.clear()
    await _send(ctx, ctx.tr("report-restart"))


async def _save(state: FSMContext, draft: Draft) -> None:
    await state.update_data(draft=draft.to_data())


async def answer_given(
    message: Message, state: FSMContext, ctx: Context, report_service: ReportService
) -> None:
    try:
        unit, day, schedule, draft = await _load(ctx, state, report_service)
    except _Restart:
        await _restart(ctx, state)
        return
    spec = schedule.form
    if forms.current(spec, draft) is None:
        await _show(
            ctx,
            state,
            schedule,
            unit,
            day,
            draft,
            intro=ctx.tr("report-use-buttons"),
        )
        return
    if message.text is None:
        await _show(
            ctx,
            state,
            schedule,
            unit,
            day,
            draft,
            intro=ctx.tr("report-text-only"),
        )
        return
    outcome = forms.answer(spec, draft, message.text)
    if outcome.refusal is None:
        await _save(state, outcome.draft)
    await _show(
        ctx,
        state,
        schedule,
        unit,
        day,
        outcome.draft,
        refusal=outcome.refusal,
    )


async def step_pressed(
    query: CallbackQuery,
    callback_data: ReportStep,
    state: FSMContext,
    ctx: Context,
    report_service: ReportService,
) -> None:
    if await state.get_state() != ReportDialog.filling.state:
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    try:
        unit, day, schedule, draft = await _load(ctx, state, report_service)
    except _Restart:
        await query.answer()
        await _restart(ctx, state)
        return
    spec, action = schedule.form, callback_data.action
    # A button of an earlier question, or of another dialog (another unit, another day).
    if callback_data.position != draft.position or callback_data.dialog != await _dialog(state):
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    at_summary = draft.position == len(spec.fields)
    refusal: Refusal | None = None
    if action == "cancel":
        await query.answer()
        await _drop_buttons(query)
        await state.clear()
        await _send(ctx, ctx.tr("report-cancelled"))
        return
    if action == "submit" and at_summary:
        await query.answer()
        await _drop_buttons(query)
        await _submit(ctx, state, report_service, unit, day, schedule, draft)
        return
    if action == "back":
        draft = forms.back(spec, draft)
    elif action == "skip" and not at_summary:
        outcome = forms.skip(spec, draft)
        draft, refusal = outcome.draft, outcome.refusal
    elif action == "choose" and not at_summary:
        item = forms.current(spec, draft)
        choices = item.choices if item is not None else ()
        # ASCII only: "²".isdigit() holds, and int() refuses it.
        key = callback_data.key
        index = int(key) if key.isascii() and key.isdigit() else -1
        value = choices[index] if 0 <= index < len(choices) else ""
        outcome = forms.choose(spec, draft, value)
        draft, refusal = outcome.draft, outcome.refusal
    elif action == "edit" and at_summary:
        try:
            draft = forms.edit(spec, draft, callback_data.key)
        except ValueError:
            await query.answer(ctx.tr("button-expired"), show_alert=True)
            return
    else:
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    await query.answer()
    await _drop_buttons(query)
    await _save(state, draft)
    await _show(ctx, state, schedule, unit, day, draft, refusal=refusal)


async def _submit(
    ctx: Context,
    state: FSMContext,
    service: ReportService,
    unit: Unit,
    day: date,
    schedule: ReportSchedule,
    draft: Draft,
) -> None:
    found = forms.problems(schedule.form, draft.answers)
    if found:  # cannot happen through the dialog; a draft from an older form, say
        key, refusal = found[0]
        try:
            draft = forms.edit(schedule.form, draft, key)
        except ValueError:  # not a question that can be asked again
            await _restart(ctx, state)
            return
        await _save(state, draft)
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
            await _show(ctx, state, schedule, unit, day, draft, intro=ctx.tr(refused.key))
            return
        await state.clear()
        await _send(ctx, ctx.tr(refused.key, **refused.params))
        return
    await state.clear()
    await _confirm(ctx, filed)


async def _confirm(ctx: Context, filed: Filed) -> None:
    """The filer's confirmation, once the report has committed (the next request commits)."""
    zone = ctx.settings.time.zone
    due = filed.schedule.due_at(filed.report.day, zone)
    text = texts.filed_confirmation(ctx.tr, filed.report, unit=filed.unit.name, due=due, zone=zone)
    await _send(ctx, text)


# --- Zero reports ----------------------------------------------------------------------------


async def _ask_zero(ctx: Context, service: ReportService, unit: Unit, day: date) -> None:
    owed = await _owed(ctx, service, unit, day)
    if owed is not None:
        await _zero_question(ctx, owed)


async def _zero_question(ctx: Context, owed: Owed) -> None:
    unit, day, schedule, previous = owed.unit, owed.day, owed.schedule, owed.previous
    tr = ctx.tr
    lines = []
    if previous:
        lines += [
            tr(
                "report-correction-start",
                version=previous[-1].version,
                next=previous[-1].version + 1,
                **_facts(unit, day),
            ),
            "",
        ]
    lines.append(
        tr(
            "report-zero-confirm",
            cutoff=texts.cutoff_text(tr, schedule.cutoff),
            **_facts(unit, day),
        )
    )
    keyboard = zero_confirm_keyboard(tr, unit.code, day.isoformat(), len(previous))
    await _send(ctx, "\n".join(lines), keyboard)


async def zero_pressed(
    query: CallbackQuery, callback_data: ZeroConfirm, ctx: Context, report_service: ReportService
) -> None:
    if not callback_data.ok:
        await query.answer()
        await _drop_buttons(query)
        await _send(ctx, ctx.tr("report-zero-cancelled"))
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
    await _drop_buttons(query)
    await _confirm(ctx, filed)


# --- Buttons on reminders --------------------------------------------------------------------


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
        await _zero_question(ctx, owed)
    else:
        await _begin(ctx, state, report_service, owed.unit, owed.day)


# --- /status ---------------------------------------------------------------------------------


def parse_day(arg: str, today: date) -> date | None:
    """Empty: today; YYYY-MM-DD; or MM-DD of this year (a status looks back). None otherwise."""
    arg = arg.strip()
    if not arg:
        return today
    parts = arg.split("-")
    if not all(part.isdigit() for part in parts):
        return None
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(parts) == 2 and all(len(part) <= 2 for part in parts):
            day = date(today.year, int(parts[0]), int(parts[1]))
            # A status looks back: in early January, 12-31 is last year's.
            return day if day <= today else date(today.year - 1, day.month, day.day)
    except ValueError:
        return None
    return None


def _top_units(ctx: Context, tree: OrgTree) -> list[str]:
    """The supervised units not below another supervised one; every root for an admin."""
    if ctx.actor.is_admin:
        return [unit.code for unit in tree.roots()]
    codes = [code for code in ctx.actor.units_with(Role.SUPERVISOR) if code in tree]
    return [c for c in codes if not any(a.code in codes for a in tree.ancestors(c))]


async def status_command(
    message: Message, command: CommandObject, ctx: Context, report_service: ReportService
) -> None:
    tr, now = ctx.tr, ctx.now()
    zone = ctx.settings.time.zone
    today = reports.reporting_day(zone, now)
    words = (command.args or "").split()
    tree = await ctx.repos.org.load_tree()
    # A unit code among the arguments asks for that unit's detail: who filed, and when.
    asked = [word for word in words if word in tree]
    dates = [word for word in words if word not in tree]
    day = parse_day(dates[0] if dates else "", today)
    if day is None or len(dates) > 1 or len(asked) > 1:
        await message.answer(tr("status-bad-date"))
        return
    policy = report_service.policy
    units = await report_service.units_for(ctx.repos, ctx.actor)
    supervisor = Capability.SUPERVISOR in ctx.actor.capabilities()
    # Who may ask comes before which day: someone without the role hears that, not the range.
    refusal = _status_refusal(ctx, tree, units, asked[0] if asked else None, supervisor)
    if refusal is not None:
        key, target = refusal
        await log_refusal(ctx.repos, ctx.actor, STATUS_ACTION, target, key, now)
        await message.answer(tr(key))
        return
    first = today - timedelta(days=STATUS_DAYS_BACK)
    if not first <= day <= today:
        last = today.isoformat()
        await message.answer(
            tr("status-date-range", first=first.isoformat(), last=last, days=STATUS_DAYS_BACK)
        )
        return
    parts: list[str] = []
    if asked:
        # A supervisor of the unit (or its liaison or deputy, or an admin) sees who filed it
        # and when, with every version.
        parts += split_html(await _unit_status(ctx, policy, tree.get(asked[0]), day))
        units = []
    elif supervisor:
        tops = _top_units(ctx, tree)
        rollups = await reports.day_rollups(ctx.repos, policy, tops, day)
        for code in tops:
            rollup = rollups.get(code)
            if rollup is None:
                continue
            if not rollup.tally.expected:
                parts.append(tr("status-none-owed", unit=rollup.root.name, day=day.isoformat()))
                continue
            form = policy.rollup_form(tree.subtree(code))
            parts += ReportTexts().rollup(rollup, tr.language, form)
    for unit in units:
        parts += split_html(await _unit_status(ctx, policy, unit, day))
    for part in parts:
        await message.answer(part)


def _status_refusal(
    ctx: Context, tree: OrgTree, units: Sequence[Unit], asked: str | None, supervisor: bool
) -> tuple[str, str] | None:
    """Why the caller may not see what they asked for (message key, audited target), if so."""
    if asked is not None:
        own = {unit.code for unit in units}
        if asked not in own and not can_manage_unit(ctx.actor, asked, tree):
            return "perm-denied", asked
        return None
    if not units and not supervisor:
        return "status-no-role", ""
    return None


async def _unit_status(ctx: Context, policy: ReportPolicy, unit: Unit, day: date) -> str:
    zone = ctx.settings.time.zone
    obligation = await ctx.repos.obligations.get(reports.report_key(unit.code, day))
    versions = await ctx.repos.reports.versions(unit.code, day)
    excused = obligation is not None and obligation.state is ObligationState.EXCUSED
    status = status_of(versions[0] if versions else None, excused)
    history: list[FiledReport] = []
    for back in range(HISTORY_DAYS):
        history += reversed(await ctx.repos.reports.versions(unit.code, day - timedelta(back)))
    people = await ctx.repos.people.many(r.filed_by for r in [*versions, *history])
    return texts.unit_status_text(
        ctx.tr,
        unit=unit.name,
        day=day,
        owed=obligation is not None,
        status=status if obligation is not None or versions else UnitStatus.MISSING,
        due=obligation.due_at if obligation is not None else None,
        versions=versions,
        history=history,
        names={telegram_id: person.name for telegram_id, person in people.items()},
        zone=zone,
    )


def create_router() -> Router:
    router = Router(name="reports")
    private = F.chat.type == "private"
    router.message.register(report_command, Command("report"), private)
    router.message.register(zero_command, Command("zero"), private)
    router.message.register(status_command, Command("status"), private)
    router.callback_query.register(unit_chosen, ReportUnitChoice.filter())
    router.callback_query.register(step_pressed, ReportStep.filter())
    router.callback_query.register(zero_pressed, ZeroConfirm.filter())
    router.callback_query.register(reminder_pressed, ReminderReport.filter())
    router.message.register(answer_given, ReportDialog.filling, private, ~F.text.startswith("/"))
    return router
