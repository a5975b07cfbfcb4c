"""`/cases [name]`: liaisons, deputies and trackers get the residents under a measure in
their units (paged, searchable by name, each a button to the case card); supervisors and
admins the counts per unit below with drill-down. Every press is checked again."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from handlers.chat import show_in_place
from services import case_list
from services.refusal import Refused
from texts.case_list import (
    CaseCountsOpen,
    CaseListPage,
    case_counts_keyboard,
    case_counts_text,
    case_page_keyboard,
    case_page_text,
)


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.settings.time.zone).date()


async def cases_command(message: Message, command: CommandObject, ctx: Context) -> None:
    query = (command.args or "").strip()
    actor, today, now = ctx.actor, _today(ctx), ctx.now()
    try:
        if case_list.caller_units(actor) or not case_list.sees_counts(actor):
            page = await case_list.case_page(
                ctx.repos, actor, unit="", query=query, page=0, today=today, now=now
            )
            text, markup = case_page_text(ctx.tr, page), case_page_keyboard(ctx.tr, page)
        else:
            counts = await case_list.case_counts(ctx.repos, actor, unit="", today=today, now=now)
            text, markup = case_counts_text(ctx.tr, counts), case_counts_keyboard(ctx.tr, counts)
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    await message.answer(text, reply_markup=markup)


async def _show(
    query: CallbackQuery, ctx: Context, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    await query.answer()
    await show_in_place(query, ctx, text, markup)


async def page_pressed(query: CallbackQuery, callback_data: CaseListPage, ctx: Context) -> None:
    data = callback_data
    try:  # the unit comes from a button: the presser's right is checked again
        page = await case_list.case_page(
            ctx.repos,
            ctx.actor,
            unit=data.unit,
            query=data.query,
            page=data.page,
            today=_today(ctx),
            now=ctx.now(),
        )
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await _show(query, ctx, case_page_text(ctx.tr, page), case_page_keyboard(ctx.tr, page))


async def counts_pressed(query: CallbackQuery, callback_data: CaseCountsOpen, ctx: Context) -> None:
    try:
        counts = await case_list.case_counts(
            ctx.repos, ctx.actor, unit=callback_data.unit, today=_today(ctx), now=ctx.now()
        )
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await _show(query, ctx, case_counts_text(ctx.tr, counts), case_counts_keyboard(ctx.tr, counts))


def create_router() -> Router:
    router = Router(name="case_list")
    router.message.register(cases_command, Command("cases"), F.chat.type == "private")
    router.callback_query.register(page_pressed, CaseListPage.filter())
    router.callback_query.register(counts_pressed, CaseCountsOpen.filter())
    return router
