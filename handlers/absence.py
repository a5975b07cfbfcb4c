"""/away: away until a date (the deputy covers), `/away off`, and who is away."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.context import Context
from domain.absence import MAX_AWAY_DAYS, holds_staff_role, parse_until
from domain.permissions import Capability
from services import absence
from services.absence import Cover
from services.onboarding import log_refusal
from texts.i18n import Translator
from texts.messaging import answer_long
from texts.rendering import role_name

OFF_WORDS = frozenset({"off", "back", "取消", "结束"})


async def away(message: Message, command: CommandObject, ctx: Context) -> None:
    now, tr = ctx.now(), ctx.tr
    if not holds_staff_role(ctx.actor.assignments):
        await log_refusal(ctx.repos, ctx.actor, "away", "", "away-no-role", now)
        await message.answer(tr("away-no-role"))
        return
    today = now.astimezone(ctx.settings.time.zone).date()
    arg = (command.args or "").strip()
    if not arg:
        await answer_long(message, await _status(ctx, today))
    elif arg.lower() in OFF_WORDS:
        covers = await absence.covers_for(
            ctx.repos, ctx.actor.telegram_id, ctx.actor.assignments, today
        )
        cleared = await absence.clear_away(ctx.repos, ctx.actor, now=now)
        await message.answer(tr("away-cleared" if cleared else "away-not-set"))
        if cleared:
            await absence.tell_covers(
                ctx.repos,
                ctx.actor,
                covers,
                lambda person, cover, name: Translator(person.language)(
                    "away-back-cover", name=name, unit=cover.unit_name
                ),
                occasion=f"back:{now.isoformat()}",
                now=now,
            )
    else:
        parsed = parse_until(arg, today)
        if parsed.until is None:
            latest = date.fromordinal(today.toordinal() + MAX_AWAY_DAYS).isoformat()
            key = parsed.refusal_key or "away-bad-date"
            await message.answer(tr(key, days=MAX_AWAY_DAYS, latest=latest, today=today))
            return
        changed = await absence.set_away(ctx.repos, ctx.actor, parsed.until, now=now)
        covers = await absence.covers_for(
            ctx.repos, ctx.actor.telegram_id, ctx.actor.assignments, today
        )
        lines = [tr("away-set", until=parsed.until.isoformat()), *_cover_lines(tr, covers)]
        await answer_long(message, "\n".join(lines))
        if not changed:
            return
        # Whoever stands in learns it now, from the bot, rather than from a first escalation.
        until = parsed.until.isoformat()
        await absence.tell_covers(
            ctx.repos,
            ctx.actor,
            covers,
            lambda person, cover, name: Translator(person.language)(
                "away-you-cover", name=name, unit=cover.unit_name, until=until
            ),
            occasion=f"set:{now.isoformat()}",
            now=now,
        )


async def _status(ctx: Context, today: date) -> str:
    tr, me = ctx.tr, ctx.actor.telegram_id
    until = await absence.away_until(ctx.repos, me, today)
    if until is None:
        lines = [tr("away-status-none")]
    else:
        covers = await absence.covers_for(ctx.repos, me, ctx.actor.assignments, today)
        lines = [tr("away-status", until=until.isoformat()), *_cover_lines(tr, covers)]
    if Capability.SUPERVISOR in ctx.actor.capabilities():
        others = await absence.away_in_subtree(ctx.repos, ctx.actor, today)
        lines.append("")
        lines.append(tr("away-subtree-title") if others else tr("away-subtree-none"))
        for other in others:
            lines.append(tr("away-subtree-item", name=other.person.name, until=other.until))
            lines += ["  " + line for line in _cover_lines(tr, other.covers)]
    return "\n".join(lines)


def _cover_lines(tr: Translator, covers: list[Cover] | tuple[Cover, ...]) -> list[str]:
    lines = []
    for cover in covers:
        where = {"unit": cover.unit_name, "role": role_name(tr, cover.role)}
        if cover.covers:
            names = tr("list-separator").join(p.name for p in cover.covers)
            lines.append(tr("away-cover-by", names=names, **where))
        elif cover.passes_up:
            lines.append(tr("away-cover-up", **where))
        else:
            lines.append(tr("away-cover-nobody", **where))
    return lines


def create_router() -> Router:
    router = Router(name="absence")
    router.message.register(away, Command("away"), F.chat.type == "private")
    return router
