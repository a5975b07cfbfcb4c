"""`/mydata`: what is held about the caller (a message and a JSON file), and from there a
correction request (typed, sent to the unit's liaison, who accepts or refuses it with a
reason) and an erasure request (confirmed; refused with the measure while one runs).

Every press is checked again in the service: a correction's buttons carry only the request's
id, and the presser must be a liaison or deputy of its unit."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.context import Context
from domain.policy import Category
from handlers.chat import drop_buttons, send_private
from handlers.dialogs import leave, start_dialog
from services import mydata
from services.declarations.submission import DeclarationService
from services.refusal import Refused
from texts.declarations import category_text
from texts.mydata import (
    CORRECTION_TEXTS,
    CorrectionAct,
    CorrectionDecision,
    MyAction,
    MyDataAct,
    erase_confirm_keyboard,
    mydata_filename,
    mydata_json,
    mydata_keyboard,
    mydata_text,
)


class MyData(StatesGroup):
    correction = State()  # the resident types what is wrong
    reason = State()  # data: the request's id and whether it is accepted


def _refusal(ctx: Context, refused: Refused) -> str:
    params = dict(refused.params)
    if refused.key == "mydata-erase-running":
        params["category"] = category_text(ctx.tr, Category(str(params["category"])))
    return ctx.tr(refused.key, **params)


async def mydata_command(message: Message, ctx: Context) -> None:
    zone = ctx.settings.time.zone
    data = await mydata.collect(ctx.repos, ctx.actor, ctx.now())
    await send_private(ctx, mydata_text(ctx.tr, data, zone), mydata_keyboard(ctx.tr))
    document = BufferedInputFile(mydata_json(data, ctx.now()), mydata_filename(ctx.now(), zone))
    await ctx.bot.send_document(ctx.actor.telegram_id, document)


async def my_pressed(
    query: CallbackQuery,
    callback_data: MyDataAct,
    state: FSMContext,
    ctx: Context,
    declaration_service: DeclarationService,
) -> None:
    config = declaration_service.config
    action = callback_data.action
    if action is MyAction.CORRECT:
        await start_dialog(ctx, state, MyData.correction, {})
        await query.answer()
        await send_private(ctx, ctx.tr("mydata-correction-ask"))
        return
    if action is MyAction.ERASE_NO:
        await query.answer()
        await drop_buttons(query)
        await send_private(ctx, ctx.tr("mydata-erase-cancelled"))
        return
    try:
        if action is MyAction.ERASE:
            count = await mydata.check_erasure(ctx.repos, config, ctx.actor, ctx.now())
            await query.answer()
            markup = erase_confirm_keyboard(ctx.tr)
            await send_private(ctx, ctx.tr("mydata-erase-confirm", n=count), markup)
            return
        erased = await mydata.erase(ctx.repos, config, ctx.actor, ctx.now())
    except Refused as refused:
        await query.answer()
        await send_private(ctx, _refusal(ctx, refused))
        return
    await query.answer()
    await drop_buttons(query)
    await send_private(
        ctx, ctx.tr("mydata-erase-done", n=erased.declarations, checkins=erased.checkins)
    )


async def correction_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    text = (message.text or "").strip()
    if not text:
        await message.answer(ctx.tr("mydata-correction-ask"))
        return
    zone = ctx.settings.time.zone
    try:
        request = await mydata.request_correction(
            ctx.repos,
            ctx.actor,
            text,
            texts=CORRECTION_TEXTS,
            default_language=ctx.settings.i18n.default_locale,
            on=ctx.now().astimezone(zone).date(),
            now=ctx.now(),
        )
    except Refused as refused:
        await leave(ctx, state)
        await message.answer(_refusal(ctx, refused))
        return
    await leave(ctx, state)
    await message.answer(ctx.tr("mydata-correction-sent", id=request.id))


async def decision_pressed(
    query: CallbackQuery, callback_data: CorrectionAct, state: FSMContext, ctx: Context
) -> None:
    try:
        request = await mydata.check_decider(ctx.repos, ctx.actor, callback_data.request, ctx.now())
    except Refused as refused:
        await query.answer(_refusal(ctx, refused), show_alert=True)
        return
    accept = callback_data.decision is CorrectionDecision.ACCEPT
    await start_dialog(ctx, state, MyData.reason, {"request": request.id, "accept": accept})
    await query.answer()
    key = "mydata-reason-accept" if accept else "mydata-reason-refuse"
    await send_private(ctx, ctx.tr(key, id=request.id))


async def reason_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    data = await state.get_data()
    request_id, accept = data.get("request"), data.get("accept")
    reason = (message.text or "").strip()
    if not isinstance(request_id, int) or not isinstance(accept, bool):
        await leave(ctx, state)
        await message.answer(ctx.tr("button-expired"))
        return
    if not reason:
        await message.answer(ctx.tr("mydata-reason-accept" if accept else "mydata-reason-refuse"))
        return
    try:  # checked again: the role or the request may have changed meanwhile
        await mydata.decide(
            ctx.repos,
            ctx.actor,
            request_id,
            accept=accept,
            reason=reason,
            texts=CORRECTION_TEXTS,
            default_language=ctx.settings.i18n.default_locale,
            now=ctx.now(),
        )
    except Refused as refused:
        await leave(ctx, state)
        await message.answer(_refusal(ctx, refused))
        return
    await leave(ctx, state)
    key = "mydata-decided-accept" if accept else "mydata-decided-refuse"
    await message.answer(ctx.tr(key, id=request_id))


def create_router() -> Router:
    router = Router(name="mydata")
    private = F.chat.type == "private"
    router.message.register(mydata_command, Command("mydata"), private)
    router.callback_query.register(my_pressed, MyDataAct.filter())
    router.callback_query.register(decision_pressed, CorrectionAct.filter())
    typed = (private, ~F.text.startswith("/"))
    router.message.register(correction_typed, *typed, MyData.correction)
    router.message.register(reason_typed, *typed, MyData.reason)
    return router
