"""Health check-ins and test days: `/checkin`, the reminders' buttons and the short dialog.

The dialog: the temperature (typed, re-asked with the reason when invalid), then the symptoms
checklist (multi-select; "none" answers at once, "done" submits the selection). Its state is
in FSM storage, so it survives a restart. Every press is checked again by services.checkins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.checkins import (
    NONE_CHOICE,
    AlertReason,
    CheckinAnswer,
    parse_symptoms,
    read_temperature,
    toggle,
)
from domain.obligations import ObligationKind
from domain.org import Person
from handlers.dialogs import answered, ask
from services import checkins
from texts.checkin_keyboards import (
    DONE_CHOICE,
    CheckinStart,
    CheckinSymptom,
    TestRecord,
    choose_keyboard,
    symptoms_answer,
    symptoms_keyboard,
)
from texts.i18n import Translator


class CheckinDialog(StatesGroup):
    temperature = State()
    symptoms = State()


def render_alert(person: Person, alert: checkins.Alert) -> str:
    """An alert or flag in the recipient's language: the resident's name, never a phone or ID."""
    tr = Translator(person.language)
    day = alert.day.isoformat()
    if not alert.reasons:
        return tr(
            "checkin-flag-identical",
            name=alert.name,
            unit=alert.unit_name,
            days=alert.identical_days,
            temperature=f"{alert.temperature:.1f}",
            day=day,
        )
    lines = [tr("checkin-alert-title", name=alert.name, unit=alert.unit_name, day=day)]
    if AlertReason.FEVER in alert.reasons or (
        AlertReason.SYMPTOMS in alert.reasons and alert.temperature is not None
    ):
        lines.append(tr("checkin-alert-temperature", temperature=f"{alert.temperature:.1f}"))
    if AlertReason.SYMPTOMS in alert.reasons:
        names = tr("list-separator").join(tr(f"checkin-symptom-{s.value}") for s in alert.symptoms)
        lines.append(tr("checkin-alert-symptoms", symptoms=names))
    if AlertReason.POSITIVE in alert.reasons:
        lines.append(tr("checkin-alert-positive"))
    lines.append(tr("checkin-alert-action"))
    return "\n".join(lines)


Send = Callable[[str], Awaitable[object]]


async def _private(ctx: Context, text: str) -> None:
    # Always the presser's private chat: health questions and answers never go to a group,
    # whatever chat a (forwarded, forged) button was pressed in.
    await ctx.bot.send_message(ctx.actor.telegram_id, text)


async def checkin_command(message: Message, state: FSMContext, ctx: Context) -> None:
    today = ctx.now().astimezone(ctx.settings.time.zone).date()
    open_ = await checkins.open_checkins(ctx.repos, ctx.actor, today)
    if not open_:
        await message.answer(ctx.tr("checkin-none"))
        return
    if len(open_) == 1 and open_[0].id is not None:
        await _start(ctx, state, open_[0].id, message.answer)
        return
    choices = []
    for ob in open_:
        allowed = await checkins.access(
            ctx.repos, ctx.actor, ob.id or 0, ObligationKind.HEALTH_CHECKIN, now=ctx.now()
        )
        if allowed.ok and allowed.monitored is not None and ob.id is not None:
            choices.append((ob.id, await checkins.resident_name(ctx.repos, allowed.monitored)))
    await message.answer(ctx.tr("checkin-choose"), reply_markup=choose_keyboard(choices))


async def start_pressed(
    query: CallbackQuery, callback_data: CheckinStart, state: FSMContext, ctx: Context
) -> None:
    async def send(text: str) -> None:
        await _private(ctx, text)

    if await _start(ctx, state, callback_data.obligation_id, send, query=query):
        await query.answer()


async def _start(
    ctx: Context,
    state: FSMContext,
    obligation_id: int,
    send: Send,
    *,
    query: CallbackQuery | None = None,
) -> bool:
    allowed = await checkins.access(
        ctx.repos, ctx.actor, obligation_id, ObligationKind.HEALTH_CHECKIN, now=ctx.now()
    )
    if not allowed.ok or allowed.monitored is None:
        if query is not None:
            await query.answer(ctx.tr(allowed.key), show_alert=True)
        else:
            await send(ctx.tr(allowed.key))
        return False
    await answered(ctx, state, None)  # another dialog's question keeps no live buttons
    await state.set_state(CheckinDialog.temperature)
    await state.set_data({"obligation_id": obligation_id})
    name = await checkins.resident_name(ctx.repos, allowed.monitored)
    await ask(ctx, state, ctx.tr("checkin-ask-temperature", name=name, day=allowed.day.isoformat()))
    return True


async def temperature_given(message: Message, state: FSMContext, ctx: Context) -> None:
    parsed = read_temperature(message.text or "")
    await answered(ctx, state, message.text)
    if not parsed.ok or parsed.value is None:
        reason = ctx.tr(f"checkin-{(parsed.refusal or '').removeprefix('answer-')}")
        await ask(ctx, state, reason + "\n" + ctx.tr("checkin-ask-temperature-again"))
        return
    data = await state.get_data()
    obligation_id = data.get("obligation_id")
    if not isinstance(obligation_id, int):  # tampered with, or from an older version
        await state.clear()
        await message.answer(ctx.tr("checkin-unknown"))
        return
    await state.update_data(temperature=parsed.value, symptoms=[])
    await state.set_state(CheckinDialog.symptoms)
    await ask(
        ctx,
        state,
        ctx.tr("checkin-ask-symptoms", temperature=f"{parsed.value:.1f}"),
        symptoms_keyboard(ctx.tr, obligation_id, frozenset()),
    )


async def symptom_pressed(
    query: CallbackQuery, callback_data: CheckinSymptom, state: FSMContext, ctx: Context
) -> None:
    data = await state.get_data()
    temperature = data.get("temperature")
    if (
        await state.get_state() != CheckinDialog.symptoms.state
        or data.get("obligation_id") != callback_data.obligation_id
        or not isinstance(temperature, int | float)
    ):
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    raw = data.get("symptoms")
    selected = parse_symptoms(raw if isinstance(raw, list) else [])
    if callback_data.choice not in (NONE_CHOICE, DONE_CHOICE):
        selected = toggle(selected, callback_data.choice)
        await state.update_data(symptoms=sorted(s.value for s in selected))
        await query.answer()
        if isinstance(query.message, Message):
            markup = symptoms_keyboard(ctx.tr, callback_data.obligation_id, selected)
            await query.message.edit_reply_markup(reply_markup=markup)
        return
    if callback_data.choice == NONE_CHOICE:
        selected = frozenset()
    await query.answer()
    await answered(ctx, state, symptoms_answer(ctx.tr, selected))
    await state.clear()
    recorded = await checkins.record_checkin(
        ctx.repos,
        ctx.actor,
        callback_data.obligation_id,
        CheckinAnswer(float(temperature), selected),
        fever_threshold=ctx.settings.policy.fever_threshold,
        render=render_alert,
        now=ctx.now(),
    )
    await _private(ctx, ctx.tr(recorded.key))


async def test_pressed(query: CallbackQuery, callback_data: TestRecord, ctx: Context) -> None:
    recorded = await checkins.record_test(
        ctx.repos,
        ctx.actor,
        callback_data.obligation_id,
        callback_data.result,
        render=render_alert,
        now=ctx.now(),
    )
    if not recorded.ok:
        await query.answer(ctx.tr(recorded.key), show_alert=True)
        return
    await query.answer()
    await _private(ctx, ctx.tr(recorded.key))


def create_router() -> Router:
    router = Router(name="checkin")
    private = F.chat.type == "private"
    router.message.register(checkin_command, Command("checkin"), private)
    router.callback_query.register(start_pressed, CheckinStart.filter())
    router.callback_query.register(symptom_pressed, CheckinSymptom.filter())
    router.callback_query.register(test_pressed, TestRecord.filter())
    router.message.register(
        temperature_given, CheckinDialog.temperature, private, ~F.text.startswith("/")
    )
    return router
