"""The buttons under a case alert and on the case card: open the card, record that the
person was reached or the case handled (with a note typed next)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.cases import CaseStep
from domain.org import Language
from handlers.chat import send_private
from handlers.dialogs import dialog_declaration, leave, start_dialog
from services import cases
from services.refusal import Refused
from texts.case_keyboards import PHONE_ACTIONS, RELEASE_ACTIONS, CaseAct, CaseAction
from texts.cases import CaseMarks, case_card, case_keyboard


class CaseNote(StatesGroup):
    writing = State()  # data: the declaration's id


class _Marked(TypedDict):
    now: datetime
    marks: CaseMarks
    default_language: Language


def _marked(ctx: Context) -> _Marked:
    """A record's time, and the texts that mark the case's alerts with it."""
    return _Marked(
        now=ctx.now(),
        marks=CaseMarks(ctx.settings.time.zone),
        default_language=ctx.settings.i18n.default_locale,
    )


async def case_pressed(
    query: CallbackQuery, callback_data: CaseAct, state: FSMContext, ctx: Context
) -> None:
    declaration_id, action, now = callback_data.declaration, callback_data.action, ctx.now()
    try:  # the id comes from a button: the presser's right is checked again
        if action is CaseAction.VIEW:
            threshold = ctx.settings.policy.fever_threshold
            today = now.astimezone(ctx.settings.time.zone).date()
            case = await cases.open_case(
                ctx.repos,
                ctx.actor,
                declaration_id,
                fever_threshold=threshold,
                today=today,
                now=now,
            )
        elif action is CaseAction.CALLED:
            stored = await cases.record(
                ctx.repos, ctx.actor, declaration_id, CaseStep.CALLED, None, **_marked(ctx)
            )
        else:
            await cases.check_access(ctx.repos, ctx.actor, declaration_id, now=now)
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    if action is CaseAction.VIEW:
        await query.answer()
        zone = ctx.settings.time.zone
        await send_private(ctx, case_card(ctx.tr, case, zone), case_keyboard(ctx.tr, case))
    elif action is CaseAction.CALLED:
        name = stored.declaration.name or "-"
        await query.answer(ctx.tr("case-called-done", name=name), show_alert=True)
    else:
        # What was done comes as the next message; the question survives a restart.
        await start_dialog(ctx, state, CaseNote.writing, {"declaration": declaration_id})
        await query.answer()
        await send_private(ctx, ctx.tr("case-handled-ask", id=declaration_id))


async def note_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    declaration_id = await dialog_declaration(ctx, state, message)
    if declaration_id is None:
        return
    note = (message.text or "").strip()
    if not note:
        await message.answer(ctx.tr("case-handled-ask", id=declaration_id))
        return
    await leave(ctx, state)
    try:
        stored = await cases.record(
            ctx.repos, ctx.actor, declaration_id, CaseStep.HANDLED, note, **_marked(ctx)
        )
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    await message.answer(ctx.tr("case-handled-done", id=stored.id))  # its current version


def create_router() -> Router:
    router = Router(name="cases")
    # Ending the measure early and showing the number (it asks for a reason) have routers of
    # their own (handlers/case_release.py, handlers/case_phone.py).
    others = RELEASE_ACTIONS | PHONE_ACTIONS
    router.callback_query.register(case_pressed, CaseAct.filter(~F.action.in_(others)))
    router.message.register(
        note_typed, CaseNote.writing, F.chat.type == "private", ~F.text.startswith("/")
    )
    return router
