"""/away: away until a date or between two (the deputy covers), `/away off`, and who is away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.absence import AwayDates, holds_staff_role, read_away
from domain.dates import DATE_INVALID, looks_like_date
from domain.org import Person, Unit
from domain.permissions import Capability, manageable_units
from handlers.unit_picker import Again, answer_typed_names, browse, picked, unit_named
from services import absence
from services.absence import Cover
from services.onboarding import log_refusal
from texts.i18n import Translator
from texts.keyboards import AwayPick
from texts.messaging import answer_long
from texts.rendering import role_name

OFF_WORDS = frozenset({"off", "back", "取消", "结束"})


async def away(message: Message, command: CommandObject, state: FSMContext, ctx: Context) -> None:
    now, tr = ctx.now(), ctx.tr
    if not holds_staff_role(ctx.actor.assignments):
        await log_refusal(ctx.repos, ctx.actor, "away", "", "away-no-role", now)
        await message.answer(tr("away-no-role"))
        return
    today = now.astimezone(ctx.settings.time.zone).date()
    arg = (command.args or "").strip()
    supervisor = Capability.SUPERVISOR in ctx.actor.capabilities()
    if not arg:
        await answer_long(message, await _status(ctx, today))
    elif arg.lower() in OFF_WORDS:
        await _back(message, ctx, today)
    elif supervisor and not any(looks_like_date(word) for word in arg.split()):
        await _away_in_unit(message, state, ctx, arg)
    else:
        await _set_away(message, ctx, read_away(arg, today), today)


async def away_typed_again(
    message: Message, state: FSMContext, ctx: Context, args: str, data: dict[str, Any]
) -> None:
    await _away_in_unit(message, state, ctx, args)


async def _away_in_unit(message: Message, state: FSMContext, ctx: Context, name: str) -> None:
    """A supervisor naming a unit: who is away there, or set to be."""
    units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
    unit = await unit_named(message, ctx, name, units, _picker, again=Again(state, "away"))
    if unit is None:
        return
    if unit not in units:
        await log_refusal(ctx.repos, ctx.actor, "away", unit.code, "perm-denied", ctx.now())
        await message.answer(ctx.tr("perm-denied"))
        return
    today = ctx.now().astimezone(ctx.settings.time.zone).date()
    await answer_long(message, "\n".join(await _away_in(ctx, today, unit)))


async def _back(message: Message, ctx: Context, today: date) -> None:
    """`/away off`: back at work, or an absence set in advance called off."""
    tr, now, me = ctx.tr, ctx.now(), ctx.actor.telegram_id
    coming = await absence.coming_absence(ctx.repos, me, today)
    if coming is None:
        await message.answer(tr("away-not-set"))
        return
    starts, until = coming
    covers = await absence.covers_for(ctx.repos, me, ctx.actor.assignments, starts)
    await absence.clear_away(ctx.repos, ctx.actor, now=now)
    planned = starts > today
    cover_key = "away-cancelled-cover" if planned else "away-back-cover"
    # The covers' messages are queued before the answer: its request commits them together.
    await absence.tell_covers(
        ctx.repos,
        ctx.actor,
        covers,
        _cover_notice(cover_key, starts, until, today),
        occasion=f"back:{now.isoformat()}",
        now=now,
    )
    if planned:
        await message.answer(_away_line(tr, "away-cancelled-planned", starts, until, today))
    else:
        await message.answer(tr("away-cleared"))


async def _set_away(message: Message, ctx: Context, dates: AwayDates, today: date) -> None:
    tr, now = ctx.tr, ctx.now()
    if dates.starts is None or dates.until is None:
        await message.answer(
            tr(dates.refusal or DATE_INVALID, **dates.params) + "\n" + tr("away-usage")
        )
        return
    starts, until = dates.starts, dates.until
    changed = await absence.set_away(ctx.repos, ctx.actor, starts, until, now=now)
    # Who stands in is worked out for the first day away: roles may change before a later one.
    covers = await absence.covers_for(
        ctx.repos, ctx.actor.telegram_id, ctx.actor.assignments, starts
    )
    if changed:
        # Whoever stands in learns it now, from the bot, rather than from a first escalation;
        # queued before the answer, whose request commits both.
        await absence.tell_covers(
            ctx.repos,
            ctx.actor,
            covers,
            _cover_notice("away-you-cover", starts, until, today),
            occasion=f"set:{now.isoformat()}",
            now=now,
        )
    lines = [_away_line(tr, "away-set", starts, until, today), *_cover_lines(tr, covers)]
    await answer_long(message, "\n".join(lines))


def _cover_notice(
    key: str, starts: date, until: date, today: date
) -> Callable[[Person, Cover, str], str]:
    """What a cover is told (`key`), in the cover's language, with the absence's days."""

    def render(person: Person, cover: Cover, name: str) -> str:
        tr = Translator(person.language)
        return tr(key, name=name, unit=cover.unit_name, days=_days(tr, starts, until, today))

    return render


def _days(tr: Translator, starts: date, until: date, today: date) -> str:
    """ "until 2026-12-10" for an absence running from today, else "2026-12-08 to 2026-12-10"."""
    if starts <= today:
        return tr("away-days-until", until=until.isoformat())
    return tr("away-days-range", first=starts.isoformat(), last=until.isoformat())


def _away_line(tr: Translator, key: str, starts: date, until: date, today: date) -> str:
    return tr(key, days=_days(tr, starts, until, today))


async def _status(ctx: Context, today: date) -> str:
    tr, me = ctx.tr, ctx.actor.telegram_id
    coming = await absence.coming_absence(ctx.repos, me, today)
    if coming is None:
        lines = [tr("away-status-none")]
    else:
        starts, until = coming
        covers = await absence.covers_for(ctx.repos, me, ctx.actor.assignments, starts)
        lines = [_away_line(tr, "away-status", starts, until, today), *_cover_lines(tr, covers)]
    if Capability.SUPERVISOR in ctx.actor.capabilities():
        lines += ["", *await _away_in(ctx, today, None)]
    return "\n".join(lines)


async def _away_in(ctx: Context, today: date, unit: Unit | None) -> list[str]:
    """Who is away in the caller's subtree (or in `unit`'s part of it), and who covers."""
    tr = ctx.tr
    within = None if unit is None else unit.code
    others = await absence.away_in_subtree(ctx.repos, ctx.actor, today, within)
    if unit is None:
        lines = [tr("away-subtree-title") if others else tr("away-subtree-none")]
    else:
        key = "away-unit-title" if others else "away-unit-none"
        lines = [tr(key, unit=unit.name)]
    for other in others:
        lines.append(tr("away-subtree-item", name=other.person.name, until=other.until))
        lines += ["  " + line for line in _cover_lines(tr, other.covers, own=False)]
    planned = await absence.planned_in_subtree(ctx.repos, ctx.actor, today, within)
    if planned:
        lines.append(tr("away-planned-title"))
    for coming in planned:
        days = _days(tr, coming.starts, coming.until, today)
        lines.append(tr("away-planned-item", name=coming.person.name, days=days))
    return lines


def _picker(code: str, browse: bool) -> AwayPick:
    return AwayPick(unit=code, browse=browse)


async def away_unit_pressed(query: CallbackQuery, callback_data: AwayPick, ctx: Context) -> None:
    """A unit chosen, or a level opened, from the choices `/away NAME` offered."""
    tree = await ctx.repos.org.load_tree()
    units = manageable_units(ctx.actor, tree)
    if callback_data.browse:
        await browse(query, ctx, units, callback_data.unit, _picker)
        return
    unit = next((u for u in units if u.code == callback_data.unit), None)
    if unit is None:
        await query.answer(ctx.tr("perm-denied"), show_alert=True)
        return
    await picked(query)
    today = ctx.now().astimezone(ctx.settings.time.zone).date()
    if isinstance(query.message, Message):
        await answer_long(query.message, "\n".join(await _away_in(ctx, today, unit)))


def _cover_lines(
    tr: Translator, covers: list[Cover] | tuple[Cover, ...], *, own: bool = True
) -> list[str]:
    """Who stands in, role by role; `own`: for the away person themselves (who is asked to
    see to it when nobody does), else for their supervisor."""
    lines = []
    for cover in covers:
        where = {"unit": cover.unit_name, "role": role_name(tr, cover.role)}
        if cover.covers:
            names = tr("list-separator").join(p.name for p in cover.covers)
            lines.append(tr("away-cover-by", names=names, **where))
        elif cover.passes_up:
            lines.append(tr("away-cover-up", **where))
        elif cover.cases:
            # Residents' cases still reach the unit's trackers (or liaison); the rest nobody.
            names = tr("list-separator").join(p.name for p in cover.cases)
            key = "away-cover-cases" if own else "away-cover-cases-other"
            lines.append(tr(key, names=names, **where))
        else:
            lines.append(tr("away-cover-nobody" if own else "away-cover-nobody-other", **where))
    return lines


def create_router() -> Router:
    router = Router(name="absence")
    router.message.register(away, Command("away"), F.chat.type == "private")
    router.callback_query.register(away_unit_pressed, AwayPick.filter())
    answer_typed_names("away", away_typed_again)
    return router
