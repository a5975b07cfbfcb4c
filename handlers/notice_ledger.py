"""/notices: the ledger of the author's notices (and a supervisor's subtree's), each with its
confirmation rate; a notice opens its status card or exports its confirmations as .xlsx; the
author's repeats can be stopped. Every press checks again that the presser may see it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from domain.notices import NoticeState
from services import notice_ledger as ledger
from services.notices.status import pending_names
from texts.notice_ledger import (
    LedgerAct,
    NoticeLedger,
    NoticeLedgerPage,
    confirmations_workbook,
    ledger_keyboard,
    ledger_text,
)
from texts.notice_render import render_card, render_pending


async def _allowed(ctx: Context) -> bool:
    tree = await ctx.repos.org.load_tree()
    return ctx.actor.is_admin or bool(ledger.subtree(ctx.actor, tree))


async def _page(ctx: Context, offset: int) -> tuple[str, InlineKeyboardMarkup | None]:
    tree = await ctx.repos.org.load_tree()
    page = await ledger.ledger_page(ctx.repos, ctx.actor, tree, offset)
    zone = ctx.settings.time.zone
    text = ledger_text(ctx.tr, page, zone, ctx.settings.notices.texts())
    return text, ledger_keyboard(ctx.tr, page, offset)


async def notices_command(message: Message, ctx: Context) -> None:
    if not await _allowed(ctx):
        await message.answer(ctx.tr("ncp-not-allowed"))
        return
    text, markup = await _page(ctx, 0)
    await message.answer(text, reply_markup=markup)


async def ledger_pressed(query: CallbackQuery, callback_data: NoticeLedger, ctx: Context) -> None:
    if not await _allowed(ctx):
        await query.answer(ctx.tr("ncp-not-allowed"), show_alert=True)
        return
    act, id_ = callback_data.act, callback_data.id
    if act is LedgerAct.STOP:
        await _stop_repeat(query, ctx, id_)
        return
    if act is LedgerAct.CANCEL:
        await _cancel_notice(query, ctx, id_)
        return
    tree = await ctx.repos.org.load_tree()
    notice = await ctx.repos.notices.get(id_)
    if notice is None or not ledger.may_see(ctx.actor, tree, notice):
        await query.answer(ctx.tr("ncp-forged"), show_alert=True)
        return
    await query.answer()
    zone = ctx.settings.time.zone
    seen = ledger.part(ctx.actor, tree, notice)
    if act is LedgerAct.OPEN:
        card = render_card(
            ctx.tr,
            id_,
            notice.content,
            await ledger.card_counts(ctx.repos, notice, seen),
            ack_required=notice.ack_required,
            ack_by=notice.ack_by,
            last_reminded_at=notice.last_reminded_at,
            zone=zone,
            cancelled=notice.state is NoticeState.CANCELLED,
            templates=ctx.settings.notices.texts(),
        )
        if seen is None:
            markup = (
                InlineKeyboardMarkup.model_validate(card.reply_markup)
                if card.reply_markup
                else None
            )
            await ctx.bot.send_message(ctx.actor.telegram_id, card.text, reply_markup=markup)
            return
        # Another's notice seen for one's own units: its state there, without the author's
        # buttons (reminding and answering stay the author's), and who there has not confirmed.
        text = card.text + "\n" + ctx.tr("ncl-card-part")
        await ctx.bot.send_message(ctx.actor.telegram_id, text)
        if notice.ack_required and notice.state is not NoticeState.CANCELLED:
            pending = await pending_names(ctx.repos, id_, within=seen)
            await ctx.bot.send_message(ctx.actor.telegram_id, render_pending(ctx.tr, id_, pending))
        return
    rows = await ledger.confirmation_rows(ctx.repos, tree, notice, seen)
    await ledger.record_export(ctx.repos, ctx.actor, notice, len(rows), ctx.now())
    data = confirmations_workbook(ctx.tr, id_, rows, zone)
    name = f"notice-{id_}-{ctx.now().astimezone(zone):%Y%m%d-%H%M}.xlsx"
    await ctx.bot.send_document(
        ctx.actor.telegram_id,
        BufferedInputFile(data, filename=name),
        caption=ctx.tr("ncl-export-caption", id=id_, rows=len(rows)),
    )


async def page_pressed(query: CallbackQuery, callback_data: NoticeLedgerPage, ctx: Context) -> None:
    if not await _allowed(ctx):
        await query.answer(ctx.tr("ncp-not-allowed"), show_alert=True)
        return
    text, markup = await _page(ctx, callback_data.offset)
    await query.answer()
    await ctx.bot.send_message(ctx.actor.telegram_id, text, reply_markup=markup)


async def _stop_repeat(query: CallbackQuery, ctx: Context, repeat_id: int) -> None:
    rule = await ctx.repos.notices.repeat(repeat_id)
    if rule is None or not ledger.may_cancel(ctx.actor, rule):
        await query.answer(ctx.tr("ncp-forged"), show_alert=True)
        return
    stopped = await ctx.repos.notices.cancel_repeat(
        repeat_id, by=ctx.actor.telegram_id, at=ctx.now()
    )
    await query.answer()
    key = "ncl-repeat-stopped" if stopped else "ncl-repeat-already"
    await ctx.bot.send_message(ctx.actor.telegram_id, ctx.tr(key, id=repeat_id))


async def _cancel_notice(query: CallbackQuery, ctx: Context, notice_id: int) -> None:
    notice = await ctx.repos.notices.get(notice_id)
    if notice is None or not (ctx.actor.is_admin or notice.author_id == ctx.actor.telegram_id):
        await query.answer(ctx.tr("ncp-forged"), show_alert=True)
        return
    cancelled = await ledger.cancel_scheduled(ctx.repos, ctx.actor, notice_id, ctx.now())
    await query.answer()
    key = "ncl-notice-cancelled" if cancelled else "ncl-notice-not-cancellable"
    await ctx.bot.send_message(ctx.actor.telegram_id, ctx.tr(key, id=notice_id))


def create_router() -> Router:
    router = Router(name="notice-ledger")
    router.message.register(notices_command, Command("notices"), F.chat.type == "private")
    router.callback_query.register(ledger_pressed, NoticeLedger.filter())
    router.callback_query.register(page_pressed, NoticeLedgerPage.filter())
    return router
