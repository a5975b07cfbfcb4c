"""Returnee declarations (返乡报备): /declare, /declare_for, the group's deep link, the dialog.

The dialog keeps its place in FSM storage (unit, proxy or not, the dialog's id, when it was
last touched, and the `declaration_dialog.Draft`), so it survives restarts; a lease row lets
the expiry job tell the person when a half-finished draft has expired. Nothing stored or
sent back by a button is trusted: a draft that no longer fits restarts politely, a button of
another step or dialog is refused, and `services.declarations.submit` checks the filer's
rights and the unit again. Nothing personal is ever asked or shown in a group.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from bot.context import Context
from domain import declaration_dialog as dialog
from domain.declaration_build import build as build_declaration
from domain.declaration_dialog import Action as DeclAction
from domain.declaration_dialog import Draft, DraftError
from domain.invites import DECLARE_PAYLOAD_PREFIX
from domain.org import GroupPurpose, Role, Unit
from handlers.chat import drop_buttons, send_private
from handlers.dialogs import (
    StoredDialogError,
    answered,
    answered_by_button,
    ask,
    pressed_label,
    redraw,
    refuse_stale,
)
from services import drafts
from services.declarations import DeclarationRefused, DeclarationService
from texts import declarations as declaration_texts
from texts.declaration_keyboards import (
    DeclStep,
    DeclUnit,
    pressed_answer,
    question_keyboard,
    question_text,
    unit_keyboard,
)
from texts.keyboards import link_keyboard

logger = logging.getLogger(__name__)

PROXY_ROLES = frozenset({Role.LIAISON, Role.DEPUTY, Role.TRACKER})
DIALOG = drafts.DECLARATION


class DeclarationDialog(StatesGroup):
    filling = State()


@dataclass(frozen=True, slots=True)
class Stored:
    unit: str
    proxy: bool
    dialog_id: str
    touched: datetime
    draft: Draft


# --- starting ------------------------------------------------------------------------------


async def begin(ctx: Context, state: FSMContext, unit: Unit, *, proxy: bool) -> None:
    """Start a new dialog for `unit` (dropping any other dialog in progress)."""
    await answered(ctx, state, None)  # the other dialog's question keeps no live buttons
    await state.clear()
    await state.set_state(DeclarationDialog.filling)
    draft = Draft()
    await state.set_data(
        {
            "dialog": DIALOG,
            "unit": unit.code,
            "proxy": proxy,
            "id": secrets.token_hex(4),
            "touched": ctx.now().isoformat(),
            "draft": draft.to_data(),
        }
    )
    await drafts.touch(
        ctx.repos,
        ctx.actor.telegram_id,
        ttl_hours=ctx.settings.declarations.draft_ttl_hours,
        now=ctx.now(),
    )
    key = "declare-intro-proxy" if proxy else "declare-intro"
    await send_private(ctx, ctx.tr(key, unit=unit.name))
    stored = await _load(ctx, state)
    await _show(ctx, state, stored)


async def _units(ctx: Context, roles: frozenset[Role]) -> list[Unit]:
    codes = sorted({a.unit_code for a in ctx.actor.assignments if a.role in roles})
    found = [await ctx.repos.org.get_unit(code) for code in codes]
    return [unit for unit in found if unit is not None]


def _roles(proxy: bool) -> frozenset[Role]:
    """Who may declare: residents for themselves; unit staff for someone else (proxy)."""
    return PROXY_ROLES if proxy else frozenset({Role.RESIDENT})


async def _start(message: Message, state: FSMContext, ctx: Context, *, proxy: bool) -> None:
    """The caller's one unit starts the dialog at once; several are offered as buttons."""
    units = await _units(ctx, _roles(proxy))
    if not units:
        await message.answer(ctx.tr("declare-for-not-allowed" if proxy else "declare-no-unit"))
        return
    if len(units) == 1:
        await begin(ctx, state, units[0], proxy=proxy)
        return
    keyboard = unit_keyboard(units, proxy=proxy)
    key = "declare-for-choose-unit" if proxy else "declare-choose-unit"
    await message.answer(ctx.tr(key), reply_markup=keyboard)


async def declare_command(message: Message, state: FSMContext, ctx: Context) -> None:
    await _start(message, state, ctx, proxy=False)


async def declare_for_command(message: Message, state: FSMContext, ctx: Context) -> None:
    await _start(message, state, ctx, proxy=True)


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


# --- the dialog ----------------------------------------------------------------------------


async def _load(ctx: Context, state: FSMContext) -> Stored:
    data = await state.get_data()
    try:
        unit, proxy, dialog_id = data.get("unit"), data.get("proxy"), data.get("id")
        touched = data.get("touched")
        if data.get("dialog") != DIALOG or not isinstance(unit, str):
            raise ValueError("not a declaration dialog")
        if not isinstance(proxy, bool) or not isinstance(dialog_id, str):
            raise ValueError("stored declaration dialog: no proxy flag or id")
        if not isinstance(touched, str):
            raise ValueError("stored declaration dialog: no time")
        draft = Draft.from_data(data["draft"], today=_today(ctx).date())
        stored = Stored(unit, proxy, dialog_id, datetime.fromisoformat(touched), draft)
    except (ValueError, KeyError, DraftError) as error:
        logger.info("declaration dialog of %s restarted: %s", ctx.actor.telegram_id, error)
        raise StoredDialogError(str(error)) from error
    return stored


async def _end(ctx: Context, state: FSMContext, key: str) -> None:
    """Forget the dialog and its expiry lease (no expiry notice follows), and say why."""
    await answered(ctx, state, None)
    await state.clear()
    await drafts.drop(ctx.repos, ctx.actor.telegram_id)
    await send_private(ctx, ctx.tr(key))


async def _expired(ctx: Context, state: FSMContext, stored: Stored) -> bool:
    """An expired draft is dropped and the dialog starts over for the same unit."""
    ttl = ctx.settings.declarations.draft_ttl_hours
    if not drafts.expired(stored.touched, ctx.now(), ttl):
        return False
    await send_private(ctx, ctx.tr("declare-expired"))
    unit = await ctx.repos.org.get_unit(stored.unit)
    if unit is None:
        await state.clear()
        await drafts.drop(ctx.repos, ctx.actor.telegram_id)
        return True
    await begin(ctx, state, unit, proxy=stored.proxy)
    return True


async def _save(ctx: Context, state: FSMContext, draft: Draft) -> None:
    await state.update_data(draft=draft.to_data(), touched=ctx.now().isoformat())
    await drafts.touch(
        ctx.repos,
        ctx.actor.telegram_id,
        ttl_hours=ctx.settings.declarations.draft_ttl_hours,
        now=ctx.now(),
    )


async def _show(
    ctx: Context,
    state: FSMContext,
    stored: Stored,
    refusal: str | None = None,
    params: Mapping[str, str] | None = None,
) -> None:
    text = question_text(ctx.tr, stored.draft, refusal, params)
    await ask(ctx, state, text, question_keyboard(ctx.tr, stored.draft, stored.dialog_id))


def _today(ctx: Context) -> datetime:
    return ctx.now().astimezone(ctx.settings.time.zone)


async def answer_given(message: Message, state: FSMContext, ctx: Context) -> None:
    try:
        stored = await _load(ctx, state)
    except StoredDialogError:
        await _end(ctx, state, "declare-restart")
        return
    if await _expired(ctx, state, stored):
        return
    # The question is asked again below: the old one shows what was sent, without buttons.
    await answered(ctx, state, message.text)
    if message.text is None:
        await _show(ctx, state, stored, "declare-text-only")
        return
    outcome = dialog.answer(
        stored.draft,
        message.text,
        today=_today(ctx).date(),
        lookback_days=ctx.settings.policy.lookback_days,
    )
    if outcome.refusal is None:
        await _save(ctx, state, outcome.draft)
    await _show(ctx, state, _with(stored, outcome.draft), outcome.refusal, outcome.params)


def _with(stored: Stored, draft: Draft) -> Stored:
    return Stored(stored.unit, stored.proxy, stored.dialog_id, stored.touched, draft)


async def step_pressed(
    query: CallbackQuery,
    callback_data: DeclStep,
    state: FSMContext,
    ctx: Context,
    declaration_service: DeclarationService,
) -> None:
    if await state.get_state() != DeclarationDialog.filling.state:
        await refuse_stale(ctx, query)
        return
    try:
        stored = await _load(ctx, state)
    except StoredDialogError:
        await query.answer()
        await _end(ctx, state, "declare-restart")
        return
    if callback_data.dialog != stored.dialog_id or callback_data.step != stored.draft.step:
        await refuse_stale(ctx, query, "declare-stale")
        return
    if await _expired(ctx, state, stored):
        await query.answer()
        return
    if callback_data.action is DeclAction.CANCEL:
        await query.answer()
        await answered_by_button(ctx, state, query)
        await _end(ctx, state, "declare-cancelled")
        return
    outcome = dialog.press(
        stored.draft,
        callback_data.step,
        callback_data.action,
        callback_data.value,
        today=_today(ctx).date(),
    )
    if outcome.refusal == dialog.STALE:
        await refuse_stale(ctx, query, "declare-stale")
        return
    await query.answer()
    draft = outcome.draft
    if outcome.refusal is None and not outcome.submit and draft.step == stored.draft.step:
        # A checklist tick or another page: redraw the same message rather than add one.
        await _save(ctx, state, draft)
        text = question_text(ctx.tr, draft)
        if await redraw(ctx, state, text, question_keyboard(ctx.tr, draft, stored.dialog_id)):
            return
    step = stored.draft.step
    await answered(ctx, state, pressed_answer(ctx.tr, step, draft.answers, pressed_label(query)))
    if outcome.submit:
        await _submit(ctx, state, declaration_service, _with(stored, outcome.draft))
        return
    if outcome.refusal is None:
        await _save(ctx, state, outcome.draft)
    await _show(ctx, state, _with(stored, outcome.draft), outcome.refusal, outcome.params)


async def cancel_command(message: Message, state: FSMContext, ctx: Context) -> None:
    """/cancel during a declaration: also forget the lease, so no expiry notice follows."""
    await _end(ctx, state, "declare-cancelled")


async def _submit(
    ctx: Context, state: FSMContext, service: DeclarationService, stored: Stored
) -> None:
    try:
        declaration = build_declaration(stored.draft)
    except ValueError:  # cannot happen through the dialog
        await _end(ctx, state, "declare-restart")
        return
    try:
        submitted = await service.submit(
            ctx.repos,
            declaration,
            unit_code=stored.unit,
            filed_by=ctx.actor.telegram_id,
            resident_id=None if stored.proxy else ctx.actor.telegram_id,
            now=ctx.now(),
        )
    except DeclarationRefused as refused:
        await state.clear()
        await drafts.drop(ctx.repos, ctx.actor.telegram_id)
        await send_private(ctx, ctx.tr(refused.key, **refused.params))
        return
    await state.clear()
    await drafts.drop(ctx.repos, ctx.actor.telegram_id)
    await send_private(ctx, declaration_texts.resident_result(ctx.tr, submitted))


def create_cancel_router() -> Router:
    """Included before the common commands: /cancel of a declaration drops its lease too."""
    router = Router(name="declarations-cancel")
    router.message.register(
        cancel_command,
        Command("cancel"),
        StateFilter(DeclarationDialog.filling),
        F.chat.type == "private",
    )
    return router


def create_router() -> Router:
    router = Router(name="declarations")
    private = F.chat.type == "private"
    router.message.register(declare_command, Command("declare"), private)
    router.message.register(declare_for_command, Command("declare_for"), private)
    router.message.register(declare_in_group, Command("declare", "declare_for"), ~private)
    router.callback_query.register(unit_chosen, DeclUnit.filter())
    router.callback_query.register(step_pressed, DeclStep.filter())
    router.message.register(
        answer_given, DeclarationDialog.filling, private, ~F.text.startswith("/")
    )
    return router
