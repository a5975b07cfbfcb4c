"""One living declaration: /declare by a resident with an active declaration shows it and
offers "update" (a pre-filled dialog whose submission supersedes it) or "nothing changed"
(an explicit re-confirmation, audited)."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.declaration_prefill import prefill
from handlers.chat import drop_buttons, send_private
from handlers.declarations.draft import begin, local_today
from services.declarations import DeclarationService
from texts.declaration_update import (
    ActiveAction,
    DeclActive,
    active_keyboard,
    active_text,
    mine_text,
)


async def offer_update(ctx: Context, service: DeclarationService, units: set[str]) -> bool:
    """Show the caller's active declaration (of one of `units`) with its two buttons;
    whether there was one."""
    active = await service.active(ctx.repos, ctx.actor.telegram_id, ctx.now())
    if active is None or active.stored.unit_code not in units:
        return False
    text = active_text(ctx.tr, active, ctx.settings.time.zone)
    await send_private(ctx, text, active_keyboard(ctx.tr, active.stored.id))
    return True


async def active_pressed(
    query: CallbackQuery,
    callback_data: DeclActive,
    state: FSMContext,
    ctx: Context,
    declaration_service: DeclarationService,
) -> None:
    me, now = ctx.actor.telegram_id, ctx.now()
    if callback_data.action is ActiveAction.SAME:
        if not await declaration_service.reconfirm(ctx.repos, me, callback_data.id, now):
            await query.answer(ctx.tr("followup-update-stale"), show_alert=True)
            return
        await query.answer()
        await drop_buttons(query)
        await send_private(ctx, ctx.tr("declare-reconfirmed"))
        return
    active = await declaration_service.active(ctx.repos, me, now)
    unit = await ctx.repos.org.get_unit(active.stored.unit_code) if active else None
    if active is None or active.stored.id != callback_data.id or unit is None:
        await query.answer(ctx.tr("followup-update-stale"), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    draft = prefill(active.stored.declaration, today=local_today(ctx).date())
    await begin(ctx, state, unit, proxy=False, draft=draft, replaces=active.stored.id)


async def mine_command(
    message: Message, ctx: Context, declaration_service: DeclarationService
) -> None:
    """/mine: the resident's own measure, day n of N, next test and today's check-in."""
    state = await declaration_service.mine(ctx.repos, ctx.actor.telegram_id, ctx.now())
    await message.answer(mine_text(ctx.tr, state, ctx.settings.time.zone))
