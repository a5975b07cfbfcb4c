"""/notice and the compose dialog's answers: typed text, a photo or file, and button presses.

Each update loads the stored draft and the author's rights afresh; a refusal keeps the draft
as it was and asks the same question again, with the reason above it."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain import notice_compose as compose
from domain.notice_compose import Outcome, Step
from domain.notice_presses import Act, press
from domain.notices import Attachment, AttachmentKind
from handlers.dialogs import (
    StoredDialogError,
    answered,
    answered_by_button,
    refuse_stale,
    start_dialog,
)
from handlers.notice_compose.dialog import (
    NoticeCompose,
    Scope,
    Stored,
    author_scope,
    end,
    load,
    new_dialog,
    save,
    show,
    show_in_place,
)
from handlers.notice_compose.send import CreatesNotices, send_draft
from texts.notice_compose import NoticeStep

# Ticking these redraws the question in place; every other press answers it.
_IN_PLACE = frozenset({Act.UNIT, Act.OPEN, Act.KIND, Act.AUDIENCE, Act.WEEKDAY, Act.URGENT})


async def notice_command(message: Message, state: FSMContext, ctx: Context) -> None:
    scope = await author_scope(ctx)
    if not scope.allowed:
        await message.answer(ctx.tr("ncp-not-allowed"))
        return
    await start_dialog(ctx, state, NoticeCompose.composing, new_dialog())
    await show(ctx, state, await load(state), scope)


async def _opened(ctx: Context, state: FSMContext) -> tuple[Stored, Scope] | None:
    """The stored dialog and the author's rights, or None once the dialog has been ended
    (a draft this version cannot read, or an author no longer allowed)."""
    try:
        stored = await load(state)
    except StoredDialogError:
        await end(ctx, state, "ncp-restart")
        return None
    scope = await author_scope(ctx)
    if not scope.allowed:
        await end(ctx, state, "ncp-not-allowed")
        return None
    return stored, scope


def _attachment(message: Message) -> Attachment | None:
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return Attachment(photo.file_id, AttachmentKind.PHOTO, None, photo.file_size)
    if message.document:
        document = message.document
        return Attachment(
            document.file_id, AttachmentKind.DOCUMENT, document.file_name, document.file_size
        )
    return None


def _typed(ctx: Context, draft: compose.Draft, message: Message) -> Outcome:
    attachment = _attachment(message)
    step = draft.step
    if attachment is not None and step in (Step.TEXT, Step.ATTACH):
        return compose.give_attachment(draft, attachment, message.caption)
    if step is Step.ATTACH:
        return compose.refused(draft, "ncp-file-kind")
    if step not in compose.TYPED_STEPS:
        return compose.refused(draft, "ncp-use-buttons")
    if message.text is None:
        return compose.refused(draft, "ncp-text-only")
    now, zone = ctx.now(), ctx.settings.time.zone
    if step is Step.TEXT:
        return compose.give_text(draft, message.text)
    if step in (Step.AT, Step.ACK_BY):
        return compose.give_moment(draft, message.text, now, zone)
    if step is Step.TIMES:
        return compose.give_times(draft, message.text)
    return compose.give_until(draft, message.text, now.astimezone(zone).date())


async def answer_given(message: Message, state: FSMContext, ctx: Context) -> None:
    opened = await _opened(ctx, state)
    if opened is None:
        return
    stored, scope = opened
    outcome = _typed(ctx, stored.draft, message)
    echo = None  # a refused answer is not shown as given: the question is asked again
    if outcome.refusal is None:
        stored = await save(state, stored, outcome.draft)
        echo = (
            message.text
            or message.caption
            or (message.document.file_name if message.document else None)
        )
    await answered(ctx, state, echo)
    await show(ctx, state, stored, scope, outcome.refusal, dict(outcome.params))


async def step_pressed(
    query: CallbackQuery,
    callback_data: NoticeStep,
    state: FSMContext,
    ctx: Context,
    notice_service: CreatesNotices,
) -> None:
    if await state.get_state() != NoticeCompose.composing.state:
        await refuse_stale(ctx, query)
        return
    opened = await _opened(ctx, state)
    if opened is None:
        await query.answer()
        return
    stored, scope = opened
    if callback_data.dialog != stored.dialog:
        await refuse_stale(ctx, query, "ncp-stale")
        return
    outcome = press(
        stored.draft, callback_data.step, callback_data.act, callback_data.value, scope.choices(ctx)
    )
    if outcome.refusal is not None:
        # A stale or forged button, or a checklist not yet complete: said in an alert, the
        # question stays as it is.
        await query.answer(ctx.tr(outcome.refusal), show_alert=True)
        return
    act = callback_data.act
    if act is Act.CANCEL:
        await query.answer()
        await answered_by_button(ctx, state, query)
        await end(ctx, state, "ncp-cancelled")
        return
    if act is Act.SEND:
        await query.answer()
        await send_draft(ctx, state, stored, scope, notice_service)
        return
    stored = await save(state, stored, outcome.draft)
    await query.answer()
    if act in _IN_PLACE and await show_in_place(ctx, state, stored, scope):
        return
    await answered_by_button(ctx, state, query)
    await show(ctx, state, stored, scope)
