"""/bulletin [UNIT] [WEEK]: the weekly bulletin (通报) on demand, as the Monday job sends it.

For supervisors (their subtrees) and admins (everything), in a private chat only. WEEK is an
ISO week (2026-W48) or any day in it; without it the last full week. Without a unit the
caller's only subtree is taken, or a unit is picked by browsing. Every command and press
checks the caller's rights again; the week in a button's data is read again, never trusted.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.context import Context
from domain.answers import Parsed
from domain.bulletin import (
    WEEK_INVALID,
    chart_filename,
    last_full_week,
    looks_like_week,
    read_week,
    week_label,
)
from domain.org import OrgTree, Unit
from domain.periods import Period, week_of
from domain.permissions import manageable_units
from domain.unit_names import top_units
from handlers.unit_picker import browse, checked_pick, unit_named, units_keyboard
from services import bulletin as bulletin_service
from services.onboarding import log_refusal
from texts.bulletin import BulletinTexts, BulletinUnit
from texts.period_keyboards import period_label
from texts.unit_keyboards import MakeData

BULLETIN_ACTION = "bulletin.view"
_TEXTS = BulletinTexts()


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.settings.time.zone).date()


async def _allowed(ctx: Context, tree: OrgTree, target: str = "") -> list[Unit] | None:
    units = manageable_units(ctx.actor, tree)
    if not units:
        await log_refusal(
            ctx.repos, ctx.actor, BULLETIN_ACTION, target, "bulletin-no-role", ctx.now()
        )
    return units or None


def _week_refusal(ctx: Context, refusal: str, text: str, today: date) -> str:
    last = last_full_week(today)
    return ctx.tr(
        refusal,
        text=text,
        week=text,
        example=(today - timedelta(days=7)).isoformat(),
        last=week_label(last),
    )


def _maker(week: Period) -> MakeData:
    def make(code: str, browse: bool) -> BulletinUnit:
        return BulletinUnit(unit=code, browse=browse, week=week.first.isoformat())

    return make


async def bulletin_command(message: Message, command: CommandObject, ctx: Context) -> None:
    if message.chat.type != "private":
        await message.answer(ctx.tr("bulletin-private-only"))
        return
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree)
    if allowed is None:
        await message.answer(ctx.tr("bulletin-no-role"))
        return
    words = (command.args or "").split()
    weeks = [word for word in words if looks_like_week(word)]
    name = " ".join(word for word in words if word not in weeks)
    today = _today(ctx)
    found: Parsed[Period] = Parsed(value=last_full_week(today))
    if len(weeks) > 1:
        found = Parsed(refusal=WEEK_INVALID)
    elif weeks:
        found = read_week(weeks[0], today)
    if found.value is None:
        await message.answer(_week_refusal(ctx, found.refusal or "", " ".join(weeks), today))
        return
    week = found.value
    make = _maker(week)
    unit: Unit | None = None
    if name:
        unit = await unit_named(message, ctx, name, allowed, make)
        if unit is None:
            return
        if unit not in allowed:
            await log_refusal(
                ctx.repos, ctx.actor, BULLETIN_ACTION, unit.code, "perm-denied", ctx.now()
            )
            await message.answer(ctx.tr("perm-denied"))
            return
    else:
        tops = top_units(tree, [u.code for u in allowed])
        unit = tops[0] if len(tops) == 1 else None
    if unit is None:
        markup = await units_keyboard(ctx, allowed, make)
        await message.answer(ctx.tr("bulletin-pick-unit"), reply_markup=markup)
        return
    await show_bulletin(ctx, unit, week, tree)


async def unit_pressed(query: CallbackQuery, callback_data: BulletinUnit, ctx: Context) -> None:
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree, callback_data.unit)
    if allowed is None:
        await query.answer(ctx.tr("bulletin-no-role"), show_alert=True)
        return
    found = read_week(callback_data.week, _today(ctx))
    if found.value is None:
        await query.answer(ctx.tr("bulletin-usage"), show_alert=True)
        return
    make = _maker(week_of(found.value.first))
    if callback_data.browse:
        await browse(query, ctx, allowed, callback_data.unit, make)
        return
    unit = await checked_pick(query, ctx, tree, allowed, callback_data.unit, BULLETIN_ACTION)
    if unit is None:
        return
    await show_bulletin(ctx, unit, found.value, tree)


async def show_bulletin(ctx: Context, unit: Unit, week: Period, tree: OrgTree) -> None:
    """The bulletin's text, then its chart, into the caller's private chat."""
    chat, language = ctx.actor.telegram_id, ctx.tr.language
    bulletin = await bulletin_service.weekly(
        ctx.repos, unit.code, week, now=ctx.now(), zone=ctx.settings.time.zone, tree=tree
    )
    if bulletin.empty:
        label = period_label(ctx.tr, week)
        await ctx.bot.send_message(
            chat, ctx.tr("bulletin-empty", unit=unit.name, week=week_label(week), period=label)
        )
        return
    for part in _TEXTS.bulletin(bulletin, language):
        await ctx.bot.send_message(chat, part)
    # matplotlib blocks for a fraction of a second: never on the event loop.
    image = await asyncio.to_thread(_TEXTS.chart, bulletin, language)
    await ctx.bot.send_photo(
        chat,
        BufferedInputFile(image, chart_filename(unit.code, week)),
        caption=_TEXTS.caption(bulletin, language),
    )


def create_router() -> Router:
    router = Router(name="bulletin")
    router.message.register(bulletin_command, Command("bulletin"))
    router.callback_query.register(unit_pressed, BulletinUnit.filter())
    return router
