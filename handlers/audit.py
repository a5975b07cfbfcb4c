"""`/audit [person] [date [date]]`: the access log for admins, in a private chat.

The person is a Telegram id or (part of) a name matched against the people the bot knows; a
date alone is that day, two dates a period (read by the project's one date reader); digits
that name no day are an id. Pages turn
with ‹ ›; every command and press checks again that the caller is an admin, and a refusal is
audited like any other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.dates import (
    DateWindow,
    Direction,
    looks_like_date,
    parse_day,
    read_date,
    refusal_params,
)
from handlers.chat import show_in_place
from services import audit_log
from services.audit_log import Period
from services.refusal import Refused
from texts.audit import (
    AuditPage,
    audit_page_keyboard,
    audit_page_text,
    period_of,
    several_people_text,
)

LOOK_BACK = timedelta(days=3660)  # dates older than ten years are surely mistyped
PAST = Direction.PAST  # the log holds only what has happened


@dataclass(frozen=True, slots=True)
class _Asked:
    person: str  # "" for everyone
    period: Period


def _read(ctx: Context, args: str, today: date) -> _Asked | str:
    """The filter asked for, or the reply refusing a date."""
    window = DateWindow(today - LOOK_BACK, today)
    days: list[date] = []
    words: list[str] = []
    for word in args.split():
        # Digits that name no day are a Telegram id (an id that reads as a day, like
        # 20261120, is given by name instead).
        if not looks_like_date(word) or (word.isdigit() and parse_day(word, today, PAST) is None):
            words.append(word)
            continue
        read = read_date(word, today, window, PAST)
        if read.value is None:
            return ctx.tr(read.refusal or "", **refusal_params(read.refusal, window))
        days.append(read.value)
    if len(days) > 2:
        return ctx.tr("audit-usage")
    days.sort()
    period = Period(days[0], days[-1]) if days else Period()
    return _Asked(" ".join(words), period)


async def _person(ctx: Context, message: Message, asked: str) -> int | bool | None:
    """The person's id (None: everyone), or False once the reply has said why there is none."""
    if not asked:
        return None
    if asked.isascii() and asked.isdigit():
        return int(asked)
    people = await audit_log.people_named(ctx.repos, ctx.actor, asked, ctx.now())
    if len(people) == 1:
        return next(iter(people))
    if not people:
        await message.answer(ctx.tr("audit-person-unknown", name=asked))
    else:
        await message.answer(several_people_text(ctx.tr, asked, people))
    return False


async def audit_command(message: Message, command: CommandObject, ctx: Context) -> None:
    zone = ctx.settings.time.zone
    try:
        await audit_log.check_admin(ctx.repos, ctx.actor, ctx.now())
        asked = _read(ctx, command.args or "", ctx.now().astimezone(zone).date())
        if isinstance(asked, str):
            await message.answer(asked)
            return
        person = await _person(ctx, message, asked.person)
        if person is False:
            return
        page = await audit_log.log_page(
            ctx.repos,
            ctx.actor,
            person=person if isinstance(person, int) else None,
            period=asked.period,
            page=0,
            zone=zone,
            now=ctx.now(),
            first=True,
        )
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    text = audit_page_text(ctx.tr, page, zone)
    await message.answer(text, reply_markup=audit_page_keyboard(ctx.tr, page))


async def page_pressed(query: CallbackQuery, callback_data: AuditPage, ctx: Context) -> None:
    zone = ctx.settings.time.zone
    try:  # the button may reach someone else, or an admin no more: checked again
        page = await audit_log.log_page(
            ctx.repos,
            ctx.actor,
            person=callback_data.person or None,
            period=period_of(callback_data),
            page=callback_data.page,
            zone=zone,
            now=ctx.now(),
        )
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await query.answer()
    text = audit_page_text(ctx.tr, page, zone)
    await show_in_place(query, ctx, text, audit_page_keyboard(ctx.tr, page))


def create_router() -> Router:
    router = Router(name="audit")
    router.message.register(audit_command, Command("audit"), F.chat.type == "private")
    router.callback_query.register(page_pressed, AuditPage.filter())
    return router
