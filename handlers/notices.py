"""A notice's buttons: the recipient's (received, undo, question, forward to the residents
group) and the author's status card's (who has not confirmed, re-remind, questions, answer).

Thin: every rule and check is in services/notices; the presser is checked there against the
stored recipient or notice, never against the callback data's word.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from domain.permissions import supervises
from services.notices import NoticeService, Outcome, responses
from services.notices import status as notice_status
from texts.notice_keyboards import (
    AnswerPress,
    CardAction,
    CardPress,
    NoticePress,
    RecipientAction,
    answer_markup,
)
from texts.notice_render import render_pending

# Questions and answers longer than this are refused (a Telegram message has room for it).
MAX_TEXT = 1000


class NoticeDialog(StatesGroup):
    question = State()
    answer = State()


def _say(ctx: Context, outcome: Outcome) -> str:
    return ctx.tr(outcome.key, **dict(outcome.values))


async def recipient_pressed(
    query: CallbackQuery,
    callback_data: NoticePress,
    state: FSMContext,
    ctx: Context,
    notice_service: NoticeService,
) -> None:
    presser = ctx.actor.telegram_id
    rid = callback_data.recipient
    message_id = query.message.message_id if isinstance(query.message, Message) else None
    now = ctx.now()
    match callback_data.action:
        case RecipientAction.ACK:
            outcome = await notice_service.acknowledge(
                ctx.repos, rid, presser=presser, message_id=message_id, now=now
            )
        case RecipientAction.UNDO:
            outcome = await notice_service.undo(
                ctx.repos, rid, presser=presser, message_id=message_id, now=now
            )
        case RecipientAction.FORWARD:
            outcome = await notice_service.forward(ctx.repos, rid, presser=presser, now=now)
        case RecipientAction.ASK:
            refusal = await responses.may_ask(ctx.repos, rid, presser=presser)
            if refusal is not None:
                await query.answer(_say(ctx, refusal), show_alert=True)
                return
            await state.set_state(NoticeDialog.question)
            await state.update_data(notice_recipient=rid)
            await query.answer()
            await ctx.bot.send_message(presser, ctx.tr("ntc-ask-prompt"))
            return
    await query.answer(_say(ctx, outcome), show_alert=outcome.refused)


async def _typed_reply(
    message: Message, state: FSMContext, ctx: Context, empty_key: str
) -> tuple[int, str] | None:
    """The recipient the dialog is about and the text typed for it (cut to MAX_TEXT); None,
    with the user told why, when the text is empty or the dialog has lost its recipient."""
    text = (message.text or "").strip()
    if not text:
        await message.answer(ctx.tr(empty_key))
        return None
    rid = (await state.get_data()).get("notice_recipient")
    await state.clear()
    if not isinstance(rid, int):
        await message.answer(ctx.tr("ntc-refused-unknown"))
        return None
    return rid, text[:MAX_TEXT]


async def question_given(
    message: Message, state: FSMContext, ctx: Context, notice_service: NoticeService
) -> None:
    reply = await _typed_reply(message, state, ctx, "ntc-ask-empty")
    if reply is None:
        return
    rid, text = reply
    outcome = await notice_service.ask(
        ctx.repos, rid, text, presser=ctx.actor.telegram_id, now=ctx.now()
    )
    await message.answer(_say(ctx, outcome))


async def answer_pressed(
    query: CallbackQuery, callback_data: AnswerPress, state: FSMContext, ctx: Context
) -> None:
    refusal, name = await responses.may_answer(
        ctx.repos, callback_data.recipient, presser=ctx.actor.telegram_id
    )
    if refusal is not None:
        await query.answer(_say(ctx, refusal), show_alert=True)
        return
    await state.set_state(NoticeDialog.answer)
    await state.update_data(notice_recipient=callback_data.recipient)
    await query.answer()
    await ctx.bot.send_message(ctx.actor.telegram_id, ctx.tr("ntc-answer-prompt", name=name))


async def answer_given(
    message: Message, state: FSMContext, ctx: Context, notice_service: NoticeService
) -> None:
    reply = await _typed_reply(message, state, ctx, "ntc-answer-empty")
    if reply is None:
        return
    rid, text = reply
    outcome = await notice_service.answer(
        ctx.repos, rid, text, presser=ctx.actor.telegram_id, now=ctx.now()
    )
    await message.answer(_say(ctx, outcome))


async def card_pressed(
    query: CallbackQuery, callback_data: CardPress, ctx: Context, notice_service: NoticeService
) -> None:
    notice = await ctx.repos.notices.get(callback_data.notice)
    if notice is None:
        await query.answer(ctx.tr("ntc-refused-unknown"), show_alert=True)
        return
    tree = await ctx.repos.org.load_tree()
    supervised = {code for code in notice.unit_codes if supervises(ctx.actor, code, tree)}
    if not notice_status.may_manage(
        notice, ctx.actor.telegram_id, supervised, admin=ctx.actor.is_admin
    ):
        await query.answer(ctx.tr("ntc-refused-not-yours"), show_alert=True)
        return
    match callback_data.action:
        case CardAction.REMIND:
            outcome = await notice_service.remind(
                ctx.repos, notice.id, presser=ctx.actor.telegram_id, now=ctx.now()
            )
            await query.answer(_say(ctx, outcome), show_alert=outcome.refused)
        case CardAction.PENDING:
            names = await notice_status.pending_names(ctx.repos, notice.id)
            await query.answer()
            await ctx.bot.send_message(
                ctx.actor.telegram_id, render_pending(ctx.tr, notice.id, names)
            )
        case CardAction.QUESTIONS:
            await query.answer()
            for recipient in await ctx.repos.notices.recipients(notice.id):
                if recipient.question is None:
                    continue
                person = (
                    await ctx.repos.people.get(recipient.person_id) if recipient.person_id else None
                )
                await ctx.bot.send_message(
                    ctx.actor.telegram_id,
                    ctx.tr(
                        "ntc-question-to-author",
                        id=notice.id,
                        unit=recipient.unit_code,
                        name=person.name if person else "",
                        question=recipient.question,
                    ),
                    reply_markup=InlineKeyboardMarkup.model_validate(
                        answer_markup(ctx.tr, recipient.id)
                    ),
                )


def create_router() -> Router:
    router = Router(name="notices")
    router.callback_query.register(recipient_pressed, NoticePress.filter())
    router.callback_query.register(answer_pressed, AnswerPress.filter())
    router.callback_query.register(card_pressed, CardPress.filter())
    private = F.chat.type == "private"
    router.message.register(question_given, NoticeDialog.question, private, ~F.text.startswith("/"))
    router.message.register(answer_given, NoticeDialog.answer, private, ~F.text.startswith("/"))
    return router
