"""/stats [UNIT] [FROM TO]: a subtree's statistics over a period, as a short text and charts.

For supervisors (their subtrees) and admins (everything), in a private chat only: the figures
name units one by one. Without a unit the caller picks one (by browsing, or their only
subtree is taken); without dates a period is picked with buttons or typed. Every command,
press and typed period checks the caller's rights again; the charts render in a worker thread.
"""

from __future__ import annotations

import asyncio
from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.context import Context
from domain.dates import looks_like_date
from domain.org import OrgTree, Unit
from domain.periods import Period, preset, read_period
from domain.permissions import manageable_units
from domain.unit_names import top_units
from handlers.chat import drop_buttons
from handlers.unit_picker import browse, checked_pick, unit_named, units_keyboard
from services import stats as stats_service
from services.onboarding import log_refusal
from texts import charts
from texts.i18n import Html
from texts.messaging import split_html
from texts.period_keyboards import period_keyboard, period_label, period_prompt, period_refusal
from texts.stats import StatsPeriod, StatsUnit, summary_text

STATS_ACTION = "stats.view"


class StatsQuestion(StatesGroup):
    period = State()  # data: the unit's code; typed dates answer it


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.settings.time.zone).date()


def _max_days(ctx: Context) -> int:
    return ctx.settings.views.max_period_days


async def _allowed(ctx: Context, tree: OrgTree, target: str = "") -> list[Unit] | None:
    """The units the caller may see statistics of; None (and the refusal logged) if none."""
    units = manageable_units(ctx.actor, tree)
    if not units:
        await log_refusal(ctx.repos, ctx.actor, STATS_ACTION, target, "stats-no-role", ctx.now())
    return units or None


def _make_unit(code: str, browse: bool) -> StatsUnit:
    return StatsUnit(unit=code, browse=browse)


async def stats_command(
    message: Message, command: CommandObject, state: FSMContext, ctx: Context
) -> None:
    if message.chat.type != "private":
        await message.answer(ctx.tr("stats-private-only"))
        return
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree)
    if allowed is None:
        await message.answer(ctx.tr("stats-no-role"))
        return
    words = (command.args or "").split()
    dates = " ".join(word for word in words if looks_like_date(word))
    name = " ".join(word for word in words if not looks_like_date(word))
    unit: Unit | None = None
    if name:
        unit = await unit_named(message, ctx, name, allowed, _make_unit)
        if unit is None:
            return
        if unit not in allowed:
            await _refuse_unit(message, ctx, unit)
            return
    else:
        tops = top_units(tree, [u.code for u in allowed])
        if len(tops) == 1:
            unit = tops[0]
    if unit is None:
        markup = await units_keyboard(ctx, allowed, _make_unit)
        await message.answer(ctx.tr("stats-pick-unit"), reply_markup=markup)
        return
    if not dates:
        await _ask_period(message, state, ctx, unit)
        return
    await _typed_period(message, state, ctx, unit, dates)


async def _refuse_unit(message: Message, ctx: Context, unit: Unit) -> None:
    await log_refusal(ctx.repos, ctx.actor, STATS_ACTION, unit.code, "perm-denied", ctx.now())
    await message.answer(ctx.tr("perm-denied"))


async def _ask_period(message: Message, state: FSMContext, ctx: Context, unit: Unit) -> None:
    await state.set_state(StatsQuestion.period)
    await state.set_data({"unit": unit.code})
    prompt = period_prompt(ctx.tr, _today(ctx), _max_days(ctx))
    markup = period_keyboard(ctx.tr, lambda choice: StatsPeriod(unit=unit.code, preset=choice))
    await message.answer(
        ctx.tr("stats-pick-period", unit=unit.name, prompt=Html(prompt)), reply_markup=markup
    )


async def _typed_period(
    message: Message, state: FSMContext, ctx: Context, unit: Unit, text: str
) -> None:
    today, most = _today(ctx), _max_days(ctx)
    found = read_period(text, today, most)
    if found.value is None:
        refusal = period_refusal(ctx.tr, found.refusal or "", today, most)
        await message.answer(refusal)
        return
    await state.clear()
    await show_stats(ctx, unit, found.value)


async def period_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    """Dates typed after the period question: the unit is checked again (roles may change)."""
    code = str((await state.get_data()).get("unit", ""))
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree, code)
    unit = tree.get(code) if code in tree else None
    if allowed is None or unit is None or unit not in allowed:
        await state.clear()
        await message.answer(ctx.tr("perm-denied" if allowed else "stats-no-role"))
        return
    await _typed_period(message, state, ctx, unit, message.text or "")


async def unit_pressed(
    query: CallbackQuery, callback_data: StatsUnit, state: FSMContext, ctx: Context
) -> None:
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree, callback_data.unit)
    if allowed is None:
        await query.answer(ctx.tr("stats-no-role"), show_alert=True)
        return
    if callback_data.browse:
        await browse(query, ctx, allowed, callback_data.unit, _make_unit)
        return
    unit = await checked_pick(query, ctx, tree, allowed, callback_data.unit, STATS_ACTION)
    if unit is None:
        return
    if isinstance(query.message, Message):
        await _ask_period(query.message, state, ctx, unit)


async def period_pressed(
    query: CallbackQuery, callback_data: StatsPeriod, state: FSMContext, ctx: Context
) -> None:
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree, callback_data.unit)
    unit = tree.get(callback_data.unit) if callback_data.unit in tree else None
    if allowed is None or unit is None or unit not in allowed:
        reason = "perm-denied" if allowed else "stats-no-role"
        if allowed:
            await log_refusal(
                ctx.repos, ctx.actor, STATS_ACTION, callback_data.unit, reason, ctx.now()
            )
        await query.answer(ctx.tr(reason), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    await state.clear()
    await show_stats(ctx, unit, preset(callback_data.preset, _today(ctx)))


async def show_stats(ctx: Context, unit: Unit, period: Period) -> None:
    """The summary, then the charts, into the caller's private chat."""
    tr, chat = ctx.tr, ctx.actor.telegram_id
    await ctx.bot.send_message(
        chat, tr("stats-working", unit=unit.name, period=period_label(tr, period))
    )
    figures = await stats_service.statistics(
        ctx.repos, unit.code, period, now=ctx.now(), zone=ctx.settings.time.zone
    )
    for part in split_html(summary_text(tr, figures)):
        await ctx.bot.send_message(chat, part)
    # matplotlib blocks for a fraction of a second per chart: never on the event loop.
    images = await asyncio.to_thread(charts.render, tr, figures)
    for number, image in enumerate(images, start=1):
        name = f"stats-{unit.code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}-{number}.png"
        await ctx.bot.send_photo(chat, BufferedInputFile(image, name))


def create_router() -> Router:
    router = Router(name="stats")
    router.message.register(stats_command, Command("stats"))
    router.message.register(period_typed, StatsQuestion.period, F.chat.type == "private", F.text)
    router.callback_query.register(unit_pressed, StatsUnit.filter())
    router.callback_query.register(period_pressed, StatsPeriod.filter())
    return router
