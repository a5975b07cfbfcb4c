"""Health check-ins: `/checkin`, the reminders' button and the short dialog (the test days'
buttons are handlers.result_buttons').

The dialog: the temperature (typed, re-asked with the reason when invalid), then the symptoms
checklist (multi-select; "none" answers at once, "done" submits the selection). Its state is
in FSM storage, so it survives a restart. Every press is checked again by the service.
"""

from __future__ import annotations

import contextlib

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
from handlers.chat import send_private
from handlers.dialogs import answered, ask, leave
from services.checkin_service import CheckinService
from services.refusal import Refused
from texts.checkin_keyboards import (
    DONE_CHOICE,
    CheckinStart,
    CheckinSymptom,
    choose_keyboard,
    symptoms_answer,
    symptoms_keyboard,
)


class CheckinDialog(StatesGroup):
    temperature = State()
    symptoms = State()


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


async def symptom_pressed(
    query: CallbackQuery,
    callback_data: CheckinSymptom,
    state: FSMContext,
    ctx: Context,
    checkin_service: CheckinService,
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
        await query.answer()  # its request commits the tick
        if isinstance(query.message, Message):
            markup = symptoms_keyboard(ctx.tr, callback_data.obligation_id, selected)
            with contextlib.suppress(TelegramBadRequest):  # too old to edit: ticks still count
                await query.message.edit_reply_markup(reply_markup=markup)
        return
    if callback_data.choice == NONE_CHOICE:
        selected = frozenset()
    await query.answer()
    try:
        recorded = await checkin_service.record_checkin(
            ctx.repos,
            ctx.actor,
            callback_data.obligation_id,
            CheckinAnswer(float(temperature), selected),
            ctx.now(),
        )
    except Refused as refused:
        await leave(ctx, state)
        await send_private(ctx, ctx.tr(refused.key))
        return
    # The request of this edit commits the check-in first, with the dialog's end.
    await leave(ctx, state, symptoms_answer(ctx.tr, selected))
    await send_private(ctx, ctx.tr(recorded.key))


def create_router() -> Router:
    router = Router(name="checkin")
    private = F.chat.type == "private"
    router.message.register(checkin_command, Command("checkin"), private)
    router.callback_query.register(start_pressed, CheckinStart.filter())
    router.callback_query.register(symptom_pressed, CheckinSymptom.filter())
    router.message.register(
        temperature_given, CheckinDialog.temperature, private, ~F.text.startswith("/")
    )
    return router
