"""The declaration dialog's steps: typed answers, button presses, /cancel and submitting."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain import declaration_dialog as dialog
from domain.declaration_build import build as build_declaration
from domain.declaration_dialog import Action as DeclAction
from handlers.chat import send_private
from handlers.declarations.draft import (
    DeclarationDialog,
    Stored,
    end_dialog,
    expired_restarted,
    load_stored,
    local_today,
    save_draft,
    show_question,
    with_draft,
)
from handlers.dialogs import (
    StoredDialogError,
    answered,
    leave,
    pressed_label,
    redraw,
    refuse_stale,
)
from services.declarations import DeclarationRefused, DeclarationService
from texts import declarations as declaration_texts
from texts.declaration_keyboards import (
    DeclStep,
    pressed_answer,
    question_keyboard,
    question_text,
)


async def answer_given(message: Message, state: FSMContext, ctx: Context) -> None:
    try:
        stored = await load_stored(ctx, state)
    except StoredDialogError:
        await end_dialog(ctx, state, "declare-restart")
        return
    if await expired_restarted(ctx, state, stored):
        return
    # The question is asked again below: the old one shows what was sent, without buttons.
    await answered(ctx, state, message.text)
    if message.text is None:
        await show_question(ctx, state, stored, "declare-text-only")
        return
    outcome = dialog.answer(
        stored.draft,
        message.text,
        today=local_today(ctx).date(),
        lookback_days=ctx.settings.policy.lookback_days,
    )
    if outcome.refusal is None:
        await save_draft(ctx, state, outcome.draft)
    await show_question(
        ctx, state, with_draft(stored, outcome.draft), outcome.refusal, outcome.params
    )


async def step_pressed(
    query: CallbackQuery,
    callback_data: DeclStep,
    state: FSMContext,
    ctx: Context,
    declaration_service: DeclarationService,
) -> None:
    if await state.get_state() != DeclarationDialog.filling.state:
        await refuse_stale(ctx, query)
        return
    try:
        stored = await load_stored(ctx, state)
    except StoredDialogError:
        await query.answer()
        await end_dialog(ctx, state, "declare-restart")
        return
    if callback_data.dialog != stored.dialog_id or callback_data.step != stored.draft.step:
        await refuse_stale(ctx, query, "declare-stale")
        return
    if await expired_restarted(ctx, state, stored):
        await query.answer()
        return
    if callback_data.action is DeclAction.CANCEL:
        await query.answer()
        await end_dialog(ctx, state, "declare-cancelled")
        return
    outcome = dialog.press(
        stored.draft,
        callback_data.step,
        callback_data.action,
        callback_data.value,
        today=local_today(ctx).date(),
    )
    if outcome.refusal == dialog.STALE:
        await refuse_stale(ctx, query, "declare-stale")
        return
    await query.answer()
    draft = outcome.draft
    if outcome.refusal is None and not outcome.submit and draft.step == stored.draft.step:
        # A checklist tick or another page: redraw the same message rather than add one.
        await save_draft(ctx, state, draft)
        text = question_text(ctx.tr, draft)
        if await redraw(ctx, state, text, question_keyboard(ctx.tr, draft, stored.dialog_id)):
            return
    # A choice or a skip is an answer, shown in its question; back, edit and paging are not.
    given = None
    if callback_data.action in (DeclAction.PICK, DeclAction.SKIP) and outcome.refusal is None:
        step = stored.draft.step
        given = pressed_answer(ctx.tr, step, draft.answers, pressed_label(query))
    if outcome.submit:  # shown once the declaration has been submitted
        await _submit(ctx, state, declaration_service, with_draft(stored, draft), given)
        return
    await answered(ctx, state, given)
    if outcome.refusal is None:
        await save_draft(ctx, state, outcome.draft)
    await show_question(
        ctx, state, with_draft(stored, outcome.draft), outcome.refusal, outcome.params
    )


async def cancel_command(message: Message, state: FSMContext, ctx: Context) -> None:
    """/cancel during a declaration: also forget the lease, so no expiry notice follows."""
    await end_dialog(ctx, state, "declare-cancelled")


async def _submit(
    ctx: Context,
    state: FSMContext,
    service: DeclarationService,
    stored: Stored,
    given: str | None,
) -> None:
    try:
        declaration = build_declaration(stored.draft)
    except ValueError:  # cannot happen through the dialog
        await end_dialog(ctx, state, "declare-restart")
        return
    try:
        submitted = await service.submit(
            ctx.repos,
            declaration,
            unit_code=stored.unit,
            filed_by=ctx.actor.telegram_id,
            resident_id=None if stored.proxy else ctx.actor.telegram_id,
            now=ctx.now(),
        )
    except DeclarationRefused as refused:
        await leave(ctx, state)
        await send_private(ctx, ctx.tr(refused.key, **refused.params))
        return
    # The request of this edit commits the declaration first.
    await answered(ctx, state, given)
    await leave(ctx, state)
    await send_private(ctx, declaration_texts.resident_result(ctx.tr, submitted))
