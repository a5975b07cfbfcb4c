"""Starting a declaration: /declare, /declare_for, choosing the unit, and the group's button
to the private chat."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from bot.context import Context
from domain.invites import DECLARE_PAYLOAD_PREFIX
from domain.org import GroupPurpose, Role, Unit
from handlers.chat import drop_buttons
from handlers.declarations.draft import PROXY_ROLES, begin
from handlers.declarations.living import offer_update
from handlers.declarations.proxy_living import offer_proxy
from services.declarations import DeclarationService
from texts.declaration_keyboards import (
    DeclUnit,
    unit_keyboard,
)
from texts.keyboards import link_keyboard


async def _units(ctx: Context, roles: frozenset[Role]) -> list[Unit]:
    codes = sorted({a.unit_code for a in ctx.actor.assignments if a.role in roles})
    found = [await ctx.repos.org.get_unit(code) for code in codes]
    return [unit for unit in found if unit is not None]


def _roles(proxy: bool) -> frozenset[Role]:
    """Who may declare: residents for themselves; unit staff for someone else (proxy)."""
    return PROXY_ROLES if proxy else frozenset({Role.RESIDENT})


async def _start(
    message: Message,
    state: FSMContext,
    ctx: Context,
    *,
    proxy: bool,
    service: DeclarationService | None = None,
) -> None:
    """The caller's one unit starts the dialog at once; several are offered as buttons.
    A resident with an active declaration is offered to update or re-confirm it instead."""
    units = await _units(ctx, _roles(proxy))
    if not units:
        await message.answer(ctx.tr("declare-for-not-allowed" if proxy else "declare-no-unit"))
        return
    offer = offer_proxy if proxy else offer_update
    if service is not None and await offer(ctx, service, {u.code for u in units}):
        return
    await _new(message, state, ctx, units, proxy=proxy)


async def _new(
    message: Message, state: FSMContext, ctx: Context, units: list[Unit], *, proxy: bool
) -> None:
    """A new declaration: in the one unit at once, else the units as buttons."""
    if len(units) == 1:
        await begin(ctx, state, units[0], proxy=proxy)
        return
    keyboard = unit_keyboard(units, proxy=proxy)
    key = "declare-for-choose-unit" if proxy else "declare-choose-unit"
    await message.answer(ctx.tr(key), reply_markup=keyboard)


async def declare_command(
    message: Message, state: FSMContext, ctx: Context, declaration_service: DeclarationService
) -> None:
    await _start(message, state, ctx, proxy=False, service=declaration_service)


async def declare_for_command(
    message: Message, state: FSMContext, ctx: Context, declaration_service: DeclarationService
) -> None:
    """A filer with active proxy declarations is offered those first (update / nothing
    changed), with "someone else" for a new one."""
    await _start(message, state, ctx, proxy=True, service=declaration_service)


async def proxy_new_pressed(query: CallbackQuery, state: FSMContext, ctx: Context) -> None:
    """ "Someone else" under the list of the filer's proxy declarations."""
    units = await _units(ctx, PROXY_ROLES)
    if not units or not isinstance(query.message, Message):
        await query.answer(ctx.tr("declare-for-not-allowed"), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    await _new(query.message, state, ctx, units, proxy=True)


async def unit_chosen(
    query: CallbackQuery, callback_data: DeclUnit, state: FSMContext, ctx: Context
) -> None:
    # The unit comes from the client: checked against the caller's roles again.
    units = {unit.code: unit for unit in await _units(ctx, _roles(callback_data.proxy))}
    unit = units.get(callback_data.unit)
    if unit is None:
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    await query.answer()
    await drop_buttons(query)
    await begin(ctx, state, unit, proxy=callback_data.proxy)


async def declare_in_group(message: Message, ctx: Context) -> None:
    """Never a question in a group: a button to the private chat (with the unit if known)."""
    group = await ctx.repos.groups.get(message.chat.id)
    token = group.join_token if group and group.purpose is GroupPurpose.RESIDENTS else None
    if token:
        link = await create_start_link(ctx.bot, DECLARE_PAYLOAD_PREFIX + token)
    else:
        link = f"https://t.me/{(await ctx.bot.me()).username}"
    await message.answer(
        ctx.tr("declare-in-private"),
        reply_markup=link_keyboard(ctx.tr("declare-button-private"), link),
    )
