"""Health check-ins: `/checkin`, the reminders' button and the short dialog (the test days'
buttons are handlers.result_buttons').

The dialog: the temperature (typed, re-asked with the reason when invalid), then the symptoms
checklist (multi-select; "none" answers at once, "done" submits the selection). A fever with
no symptoms ticked is asked about first, as the declaration dialog does (keep both, type the
temperature again, or tick the symptoms again). Its state is in FSM storage, so it survives a
restart. Every press is checked again by the service.

A check-in with a fever or a symptom (the immediate-report condition a check-in can meet) is
answered with the declaration's fever-clinic advice.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.checkins import (
    NONE_CHOICE,
    CheckinAnswer,
    parse_symptoms,
    read_temperature,
    toggle,
)
from domain.declarations import Symptom
from handlers.chat import send_private
from handlers.dialogs import answered, ask, leave
from services.checkin_service import CheckinService
from services.refusal import Refused
from texts.checkin_keyboards import (
    DONE_CHOICE,
    FEVER_CHOICES,
    CheckinFever,
    CheckinStart,
    CheckinSymptom,
    choose_keyboard,
    fever_check_keyboard,
    symptoms_answer,
    symptoms_keyboard,
)


class CheckinDialog(StatesGroup):
    temperature = State()
    symptoms = State()
    fever_check = State()  # a fever and "no symptoms": confirmed before it is recorded


# The reply to a check-in that alerts (fever or symptoms): the declaration's advice follows.
ALERT_REPLY = "checkin-recorded-alert"
FEVER_CLINIC_ADVICE = "followup-result-fever-clinic"


async def checkin_command(
    message: Message, state: FSMContext, ctx: Context, checkin_service: CheckinService
) -> None:
    choices = await checkin_service.choices(ctx.repos, ctx.actor, ctx.now())
    if choices.only is not None:
        try:
            await _start(ctx, state, checkin_service, choices.only)
        except Refused as refused:
            await message.answer(ctx.tr(refused.key))
        return
    if not choices.named:
        await message.answer(ctx.tr("checkin-none"))
        return
    await message.answer(ctx.tr("checkin-choose"), reply_markup=choose_keyboard(choices.named))


async def start_pressed(
    query: CallbackQuery,
    callback_data: CheckinStart,
    state: FSMContext,
    ctx: Context,
    checkin_service: CheckinService,
) -> None:
    try:
        await _start(ctx, state, checkin_service, callback_data.obligation_id)
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await query.answer()


async def _start(
    ctx: Context, state: FSMContext, service: CheckinService, obligation_id: int
) -> None:
    """Ask the temperature; Refused (nothing sent) if the caller may not record it."""
    started = await service.begin(ctx.repos, ctx.actor, obligation_id, ctx.now())
    await state.set_state(CheckinDialog.temperature)
    await state.set_data({"obligation_id": obligation_id})
    await answered(ctx, state, None)  # another dialog's question keeps no live buttons
    text = ctx.tr("checkin-ask-temperature", name=started.name, day=started.day.isoformat())
    await ask(ctx, state, text)


async def temperature_given(message: Message, state: FSMContext, ctx: Context) -> None:
    parsed = read_temperature(message.text or "")
    if not parsed.ok or parsed.value is None:
        await answered(ctx, state, message.text)
        reason = ctx.tr(f"checkin-{(parsed.refusal or '').removeprefix('answer-')}")
        await ask(ctx, state, reason + "\n" + ctx.tr("checkin-ask-temperature-again"))
        return
    data = await state.get_data()
    obligation_id = data.get("obligation_id")
    if not isinstance(obligation_id, int):  # tampered with, or from an older version
        await leave(ctx, state, message.text)
        await message.answer(ctx.tr("checkin-unknown"))
        return
    await state.update_data(temperature=parsed.value, symptoms=[])
    await state.set_state(CheckinDialog.symptoms)
    await answered(ctx, state, message.text)  # its request commits the answer
    await ask(
        ctx,
        state,
        ctx.tr("checkin-ask-symptoms", temperature=f"{parsed.value:.1f}"),
        symptoms_keyboard(ctx.tr, obligation_id, frozenset()),
    )


async def _pressed_in(
    state: FSMContext, data: dict[str, Any], step: State, obligation_id: int
) -> float | None:
    """The temperature typed, when a button was pressed at `step` of the dialog about
    `obligation_id`; None for a button of another question or dialog (stale)."""
    temperature = data.get("temperature")
    if (
        await state.get_state() != step.state
        or data.get("obligation_id") != obligation_id
        or not isinstance(temperature, int | float)
    ):
        return None
    return float(temperature)


async def symptom_pressed(
    query: CallbackQuery,
    callback_data: CheckinSymptom,
    state: FSMContext,
    ctx: Context,
    checkin_service: CheckinService,
) -> None:
    data = await state.get_data()
    step, obligation_id = CheckinDialog.symptoms, callback_data.obligation_id
    temperature = await _pressed_in(state, data, step, obligation_id)
    if temperature is None:
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    raw = data.get("symptoms")
    selected = parse_symptoms(raw if isinstance(raw, list) else [])
    if callback_data.choice not in (NONE_CHOICE, DONE_CHOICE):
        selected = toggle(selected, callback_data.choice)
        await state.update_data(symptoms=sorted(s.value for s in selected))
        await query.answer()  # its request commits the tick
        if isinstance(query.message, Message):
            markup = symptoms_keyboard(ctx.tr, callback_data.obligation_id, selected)
            with contextlib.suppress(TelegramBadRequest):  # too old to edit: ticks still count
                await query.message.edit_reply_markup(reply_markup=markup)
        return
    if callback_data.choice == NONE_CHOICE:
        selected = frozenset()
    await query.answer()
    fever = temperature >= checkin_service.fever_threshold
    if not selected and fever:
        # A slip in one answer or a fever not noticed: asked about before it is recorded.
        await state.set_state(CheckinDialog.fever_check)
        await answered(ctx, state, symptoms_answer(ctx.tr, selected))
        await _ask_fever_check(ctx, state, callback_data.obligation_id, temperature)
        return
    await _record(ctx, state, checkin_service, callback_data.obligation_id, temperature, selected)


async def _ask_fever_check(
    ctx: Context, state: FSMContext, obligation_id: int, temperature: float
) -> None:
    text = ctx.tr("declare-q-tempok", temperature=f"{temperature:.1f} °C")
    await ask(ctx, state, text, fever_check_keyboard(ctx.tr, obligation_id))


async def fever_pressed(
    query: CallbackQuery,
    callback_data: CheckinFever,
    state: FSMContext,
    ctx: Context,
    checkin_service: CheckinService,
) -> None:
    data = await state.get_data()
    step, obligation_id = CheckinDialog.fever_check, callback_data.obligation_id
    temperature = await _pressed_in(state, data, step, obligation_id)
    if temperature is None or callback_data.choice not in FEVER_CHOICES:
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    await query.answer()
    label = ctx.tr(f"declare-opt-tempok-{callback_data.choice}")
    if callback_data.choice == "confirm":  # kept as given: recorded with no symptoms
        await _record(ctx, state, checkin_service, obligation_id, temperature, frozenset(), label)
        return
    if callback_data.choice == "temp":
        await state.set_state(CheckinDialog.temperature)
        await answered(ctx, state, label)
        await ask(ctx, state, ctx.tr("checkin-ask-temperature-again"))
        return
    await state.update_data(symptoms=[])
    await state.set_state(CheckinDialog.symptoms)
    await answered(ctx, state, label)
    await ask(
        ctx,
        state,
        ctx.tr("checkin-ask-symptoms", temperature=f"{temperature:.1f}"),
        symptoms_keyboard(ctx.tr, obligation_id, frozenset()),
    )


async def fever_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    """Text where a button is asked for: the question again (its buttons stay the answer)."""
    data = await state.get_data()
    obligation_id, temperature = data.get("obligation_id"), data.get("temperature")
    if not isinstance(obligation_id, int) or not isinstance(temperature, int | float):
        await leave(ctx, state, message.text)
        await message.answer(ctx.tr("checkin-unknown"))
        return
    await answered(ctx, state, message.text)
    await _ask_fever_check(ctx, state, obligation_id, float(temperature))


async def _record(
    ctx: Context,
    state: FSMContext,
    service: CheckinService,
    obligation_id: int,
    temperature: float,
    selected: frozenset[Symptom],
    echo: str | None = None,
) -> None:
    """Record the check-in, end the dialog (the question shows `echo`, by default the
    symptoms) and answer, with the fever-clinic advice when it alerted."""
    try:
        recorded = await service.record_checkin(
            ctx.repos,
            ctx.actor,
            obligation_id,
            CheckinAnswer(temperature, selected),
            ctx.now(),
        )
    except Refused as refused:
        await leave(ctx, state)
        await send_private(ctx, ctx.tr(refused.key))
        return
    # The request of this edit commits the check-in first, with the dialog's end.
    await leave(ctx, state, echo or symptoms_answer(ctx.tr, selected))
    reply = ctx.tr(recorded.key)
    if recorded.key == ALERT_REPLY:  # the immediate-report condition: the fever clinic
        reply += "\n" + ctx.tr(FEVER_CLINIC_ADVICE)
    await send_private(ctx, reply)


def create_router() -> Router:
    router = Router(name="checkin")
    private = F.chat.type == "private"
    router.message.register(checkin_command, Command("checkin"), private)
    router.callback_query.register(start_pressed, CheckinStart.filter())
    router.callback_query.register(symptom_pressed, CheckinSymptom.filter())
    router.callback_query.register(fever_pressed, CheckinFever.filter())
    router.message.register(
        fever_typed, CheckinDialog.fever_check, private, ~F.text.startswith("/")
    )
    router.message.register(
        temperature_given, CheckinDialog.temperature, private, ~F.text.startswith("/")
    )
    return router
