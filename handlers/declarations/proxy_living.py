"""One living declaration for proxy declarations: /declare_for by a filer with active ones
lists them; one opens with "update" (a pre-filled dialog whose submission supersedes it) or
"nothing changed" (audited), like a resident's own /declare."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.context import Context
from domain.declaration_prefill import prefill
from handlers.chat import drop_buttons, send_private
from handlers.declarations.draft import PROXY_ROLES, begin, local_today
from services.declarations import DeclarationService
from texts.proxy_declarations import (
    DeclProxy,
    ProxyAction,
    proxy_active_keyboard,
    proxy_active_text,
    proxy_list_keyboard,
    proxy_list_text,
)


def proxy_units(ctx: Context) -> set[str]:
    """Where the caller may file for others now (re-read at every press)."""
    return {a.unit_code for a in ctx.actor.assignments if a.role in PROXY_ROLES}


async def offer_proxy(ctx: Context, service: DeclarationService, units: set[str]) -> bool:
    """List the caller's active proxy declarations in `units` with "someone else"; whether
    there were any."""
    actives = await service.proxy_actives(ctx.repos, ctx.actor.telegram_id, units, ctx.now())
    if not actives:
        return False
    await send_private(ctx, proxy_list_text(ctx.tr), proxy_list_keyboard(ctx.tr, actives))
    return True


async def proxy_pressed(
    query: CallbackQuery,
    callback_data: DeclProxy,
    state: FSMContext,
    ctx: Context,
    declaration_service: DeclarationService,
) -> None:
    me, now, units = ctx.actor.telegram_id, ctx.now(), proxy_units(ctx)
    service, id_, action = declaration_service, callback_data.id, callback_data.action
    # "Nothing changed" is recorded (or its refusal audited) before anything is shown.
    same = action is ProxyAction.SAME
    confirmed = same and await service.proxy_reconfirm(ctx.repos, me, id_, units, now)
    active = await service.proxy_active(ctx.repos, me, id_, units, now)
    unit = await ctx.repos.org.get_unit(active.stored.unit_code) if active else None
    if active is None or unit is None or (same and not confirmed):
        await query.answer(ctx.tr("followup-update-stale"), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    if same:
        name = active.stored.declaration.name or f"#{id_}"
        await send_private(ctx, ctx.tr("declare-for-reconfirmed", name=name))
    elif action is ProxyAction.OPEN:
        text = proxy_active_text(ctx.tr, active, ctx.settings.time.zone)
        await send_private(ctx, text, proxy_active_keyboard(ctx.tr, id_))
    else:
        draft = prefill(active.stored.declaration, today=local_today(ctx).date())
        await begin(ctx, state, unit, proxy=True, draft=draft, replaces=id_)
