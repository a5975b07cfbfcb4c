"""The declaration dialog's steps: typed answers, button presses, /cancel and submitting."""

from __future__ import annotations

from dataclasses import replace

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain import declaration_dialog as dialog
from domain.declaration_build import build as build_declaration
from domain.declaration_dialog import Action as DeclAction
from handlers.chat import send_private
from handlers.declarations import notice
from handlers.declarations.draft import (
    DeclarationDialog,
    Stored,
    end_dialog,
    expired_restarted,
    lease_started,
    load_stored,
    local_today,
    open_questions,
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
from texts.privacy_notice import DeclNotice


async def answer_given(message: Message, state: FSMContext, ctx: Context) -> None:
    try:
        stored = await load_stored(ctx, state)
    except StoredDialogError:
        await end_dialog(ctx, state, "declare-restart")
        return
    if await expired_restarted(ctx, state, stored):
        return
    if stored.notice is None:
        await _notice_again(ctx, state, stored)
        return
    if message.text is None:
        await answered(ctx, state, None)
        await show_question(ctx, state, stored, dialog.not_text_refusal(stored.draft))
        return
    outcome = dialog.answer(
        stored.draft,
        message.text,
        today=local_today(ctx).date(),
        lookback_days=ctx.settings.policy.lookback_days,
        fever_threshold=ctx.settings.policy.fever_threshold,
    )
    if outcome.refusal is None:
        await save_draft(ctx, state, stored, outcome.draft)
    # The question is asked again below: the old one shows what was sent, without buttons.
    # Its request commits the draft.
    await answered(ctx, state, message.text)
    await show_question(
        ctx, state, with_draft(stored, outcome.draft), outcome.refusal, outcome.params
    )


async def _pressed_in_dialog(
    ctx: Context, state: FSMContext, query: CallbackQuery
) -> Stored | None:
    """The dialog a button of the declaration was pressed in; None (the press answered) when
    there is none, or its stored state no longer reads and it starts over."""
    if await state.get_state() != DeclarationDialog.filling.state:
        await refuse_stale(ctx, query)
        return None
    try:
        return await load_stored(ctx, state)
    except StoredDialogError:
        await query.answer()
        await end_dialog(ctx, state, "declare-restart")
        return None


async def step_pressed(
    query: CallbackQuery,
    callback_data: DeclStep,
    state: FSMContext,
    ctx: Context,
    declaration_service: DeclarationService,
) -> None:
    stored = await _pressed_in_dialog(ctx, state, query)
    if stored is None:
        return
    if (
        callback_data.dialog != stored.dialog_id
        or callback_data.step != stored.draft.step
        or stored.notice is None
    ):
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
        fever_threshold=ctx.settings.policy.fever_threshold,
    )
    if outcome.refusal == dialog.STALE:
        await refuse_stale(ctx, query, "declare-stale")
        return
    draft = outcome.draft
    if outcome.submit:  # shown once the declaration has been submitted
        await query.answer()
        given = _given(ctx, callback_data, stored, draft, query)
        await _submit(ctx, state, declaration_service, with_draft(stored, draft), given)
        return
    if outcome.refusal is None:
        await save_draft(ctx, state, stored, draft)
    await query.answer()  # its request commits the draft
    answering = callback_data.action in (DeclAction.PICK, DeclAction.SKIP)
    if answering and outcome.refusal is None and draft.step != stored.draft.step:
        # Answered: shown in its question, and the next one asked.
        await answered(ctx, state, _given(ctx, callback_data, stored, draft, query))
        await show_question(ctx, state, with_draft(stored, draft))
        return
    # A checklist tick, another page, back or a change from the summary, or a refusal: the
    # question changes in place.
    text = question_text(
        ctx.tr, draft, outcome.refusal, outcome.params, today=local_today(ctx).date()
    )
    markup = question_keyboard(ctx.tr, draft, stored.dialog_id)
    if await redraw(ctx, state, text, markup, query):
        return
    await answered(ctx, state, None)  # too old to edit: asked anew below it
    await show_question(ctx, state, with_draft(stored, draft), outcome.refusal, outcome.params)


def _given(
    ctx: Context,
    callback_data: DeclStep,
    stored: Stored,
    draft: dialog.Draft,
    query: CallbackQuery,
) -> str | None:
    """The answer a pick or a skip gave, as the question shows it."""
    if callback_data.action not in (DeclAction.PICK, DeclAction.SKIP):
        return None
    return pressed_answer(ctx.tr, stored.draft.step, draft.answers, pressed_label(query))


async def notice_pressed(
    query: CallbackQuery, callback_data: DeclNotice, state: FSMContext, ctx: Context
) -> None:
    """The privacy notice accepted (the questions follow) or declined (nothing kept)."""
    stored = await _pressed_in_dialog(ctx, state, query)
    if stored is None:
        return
    if callback_data.dialog != stored.dialog_id or stored.notice is not None:
        await refuse_stale(ctx, query, "declare-stale")
        return
    await query.answer()
    if await expired_restarted(ctx, state, stored):
        return
    if not callback_data.accept:
        await leave(ctx, state, pressed_label(query))
        await send_private(ctx, ctx.tr("notice-declined"))
        return
    unit = await ctx.repos.org.get_unit(stored.unit)
    if unit is None:
        await end_dialog(ctx, state, "declare-restart")
        return
    acceptance = await notice.accept(ctx, proxy=stored.proxy)
    await lease_started(ctx)
    now = ctx.now().isoformat()
    await state.update_data(notice=notice.notice_to_data(acceptance), renewed=now, touched=now)
    await answered(ctx, state, pressed_label(query))  # its request commits the acceptance
    await open_questions(ctx, state, replace(stored, notice=acceptance), unit.name)


async def _notice_again(ctx: Context, state: FSMContext, stored: Stored) -> None:
    """Anything but the notice's buttons before it is accepted: the notice again, below."""
    unit = await ctx.repos.org.get_unit(stored.unit)
    if unit is None:
        await end_dialog(ctx, state, "declare-restart")
        return
    await answered(ctx, state, None)
    await notice.show_notice(
        ctx,
        state,
        unit_name=unit.name,
        dialog_id=stored.dialog_id,
        proxy=stored.proxy,
        again=True,
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
            replaces=stored.replaces,
            notice=stored.notice,
        )
    except DeclarationRefused as refused:
        await leave(ctx, state)
        await send_private(ctx, ctx.tr(refused.key, **refused.params))
        return
    # The request of this edit commits the declaration first, with the dialog's end.
    await leave(ctx, state, given)
    await send_private(ctx, declaration_texts.resident_result(ctx.tr, submitted))
