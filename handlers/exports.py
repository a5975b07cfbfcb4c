"""/export [UNIT]: a ledger (台账) as .xlsx, in a private chat: which ledger (buttons), the
unit (by name or browsing; supervisors their subtree, liaisons and deputies their own unit,
admins any), then the period (buttons, or two dates typed) → the document
(handlers/export_delivery.py).

Every press and typed answer is checked again (services.exports.check, audited when
refused); a button's data says what was asked, never that it is allowed."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.exports import EXPORT_ACTION, ExportKind, ExportScope, exportable_codes
from domain.org import OrgTree, Unit
from domain.periods import Preset, preset, read_period
from handlers.chat import drop_buttons
from handlers.export_delivery import deliver
from handlers.unit_picker import browse, picked, unit_named, units_keyboard
from services.onboarding import log_refusal
from texts.export_keyboards import ExportPeriod, ExportUnit, ExportWhat, kind_keyboard, kind_name
from texts.period_keyboards import period_keyboard, period_prompt, period_refusal
from texts.unit_keyboards import MakeData


class ExportQuestion(StatesGroup):
    unit = State()  # data: kind; a typed name answers it
    period = State()  # data: kind, unit; typed dates answer it


def _today(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.settings.time.zone).date()


async def _allowed(ctx: Context, tree: OrgTree, target: str = "") -> list[Unit] | None:
    """The units the caller may export; None (the refusal audited) if none."""
    units = [tree.get(code) for code in exportable_codes(ctx.actor, tree)]
    if not units:
        await log_refusal(ctx.repos, ctx.actor, EXPORT_ACTION, target, "export-no-role", ctx.now())
    return units or None


def _kind(value: str) -> ExportKind | None:
    try:
        return ExportKind(value)
    except ValueError:
        return None


def _chosen_kind(value: str) -> ExportKind | bool | None:
    """A button's kind: None when not chosen yet (""), False when forged."""
    return None if value == "" else (_kind(value) or False)


async def export_command(
    message: Message, command: CommandObject, state: FSMContext, ctx: Context
) -> None:
    """`/export`, or `/export UNIT` naming the unit first (a unit out of reach is refused)."""
    if message.chat.type != "private":
        await message.answer(ctx.tr("export-private-only"))
        return
    allowed = await _allowed(ctx, await ctx.repos.org.load_tree())
    if allowed is None:
        await message.answer(ctx.tr("export-no-role"))
        return
    unit: Unit | None = None
    if command.args:
        unit = await unit_named(message, ctx, command.args, allowed, _make_unit(None))
        if unit is None:
            return
        if unit not in allowed:
            await _refuse(ctx, None, unit.code)
            await message.answer(ctx.tr("export-not-allowed"))
            return
    markup = kind_keyboard(ctx.tr, unit.code if unit else "")
    await message.answer(ctx.tr("export-ask-kind"), reply_markup=markup)


async def kind_pressed(
    query: CallbackQuery, callback_data: ExportWhat, state: FSMContext, ctx: Context
) -> None:
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree, callback_data.kind)
    kind = _kind(callback_data.kind)
    if allowed is None or kind is None:
        await query.answer(ctx.tr("export-no-role" if allowed is None else "button-expired"))
        return
    await picked(query)
    if not isinstance(query.message, Message):
        return
    if callback_data.unit:  # named with the command; checked again in _ask_period
        chosen = tree.get(callback_data.unit) if callback_data.unit in tree else None
        if chosen is None:
            await query.message.answer(ctx.tr("button-expired"))
            return
        await _ask_period(query.message, state, ctx, kind, chosen)
        return
    if len(allowed) == 1:  # a liaison's own unit: nothing to choose
        await _ask_period(query.message, state, ctx, kind, allowed[0])
        return
    await state.set_state(ExportQuestion.unit)
    await state.set_data({"kind": kind.value})
    markup = await units_keyboard(ctx, allowed, _make_unit(kind))
    await query.message.answer(ctx.tr("export-ask-unit"), reply_markup=markup)


def _make_unit(kind: ExportKind | None) -> MakeData:
    value = kind.value if kind else ""
    return lambda code, browse: ExportUnit(kind=value, unit=code, browse=browse)


async def unit_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    kind = _kind(str((await state.get_data()).get("kind", "")))
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree)
    if kind is None or allowed is None:
        await state.clear()
        await message.answer(ctx.tr("button-expired" if allowed else "export-no-role"))
        return
    unit = await unit_named(
        message, ctx, message.text or "", allowed, _make_unit(kind), waiting=True
    )
    if unit is not None:
        await _ask_period(message, state, ctx, kind, unit)


async def unit_pressed(
    query: CallbackQuery, callback_data: ExportUnit, state: FSMContext, ctx: Context
) -> None:
    tree = await ctx.repos.org.load_tree()
    allowed = await _allowed(ctx, tree, callback_data.unit)
    kind = _chosen_kind(callback_data.kind)
    if allowed is None or kind is False:
        await query.answer(ctx.tr("export-no-role" if allowed is None else "button-expired"))
        return
    assert not isinstance(kind, bool)  # False is refused above; for mypy
    if callback_data.browse:
        await browse(query, ctx, allowed, callback_data.unit, _make_unit(kind))
        return
    unit = tree.get(callback_data.unit) if callback_data.unit in tree else None
    if unit is None or unit not in allowed:
        await _refuse(ctx, kind, callback_data.unit)
        await query.answer(ctx.tr("export-not-allowed"), show_alert=True)
        return
    await picked(query)
    if not isinstance(query.message, Message):
        return
    if kind is None:  # the unit came first (/export NAME): now which ledger
        markup = kind_keyboard(ctx.tr, unit.code)
        await query.message.answer(ctx.tr("export-ask-kind"), reply_markup=markup)
        return
    await _ask_period(query.message, state, ctx, kind, unit)


async def _refuse(ctx: Context, kind: ExportKind | None, code: str) -> None:
    target = f"{kind.value} {code}" if kind else code
    await log_refusal(ctx.repos, ctx.actor, EXPORT_ACTION, target, "export-not-allowed", ctx.now())


async def _ask_period(
    message: Message, state: FSMContext, ctx: Context, kind: ExportKind, unit: Unit
) -> None:
    """A unit outside the caller's reach (typed by its exact name) is refused here."""
    if unit not in (await _allowed(ctx, await ctx.repos.org.load_tree()) or []):
        await state.clear()
        await _refuse(ctx, kind, unit.code)
        await message.answer(ctx.tr("export-not-allowed"))
        return
    await state.set_state(ExportQuestion.period)
    await state.set_data({"kind": kind.value, "unit": unit.code})
    most = ctx.settings.views.max_period_days
    text = f"{kind_name(ctx.tr, kind)} · {unit.name}\n{period_prompt(ctx.tr, _today(ctx), most)}"

    def make(choice: Preset) -> ExportPeriod:
        return ExportPeriod(kind=kind.value, unit=unit.code, preset=choice)

    await message.answer(text, reply_markup=period_keyboard(ctx.tr, make))


async def period_typed(message: Message, state: FSMContext, ctx: Context) -> None:
    data = await state.get_data()
    kind, code = _kind(str(data.get("kind", ""))), str(data.get("unit", ""))
    today, most = _today(ctx), ctx.settings.views.max_period_days
    found = read_period(message.text or "", today, most)
    if kind is None:
        await state.clear()
        await message.answer(ctx.tr("button-expired"))
        return
    if found.value is None:
        await message.answer(period_refusal(ctx.tr, found.refusal or "", today, most))
        return
    await state.clear()
    await deliver(message, ctx, ExportScope(kind, code, found.value))


async def period_pressed(
    query: CallbackQuery, callback_data: ExportPeriod, state: FSMContext, ctx: Context
) -> None:
    kind = _kind(callback_data.kind)
    if kind is None:
        await query.answer(ctx.tr("button-expired"))
        return
    await query.answer()
    await drop_buttons(query)
    await state.clear()
    if isinstance(query.message, Message):
        period = preset(callback_data.preset, _today(ctx))
        await deliver(query.message, ctx, ExportScope(kind, callback_data.unit, period))


def create_router() -> Router:
    router = Router(name="exports")
    router.message.register(export_command, Command("export"))
    typed = (F.chat.type == "private", F.text, ~F.text.startswith("/"))
    router.message.register(unit_typed, ExportQuestion.unit, *typed)
    router.message.register(period_typed, ExportQuestion.period, *typed)
    router.callback_query.register(kind_pressed, ExportWhat.filter())
    router.callback_query.register(unit_pressed, ExportUnit.filter())
    router.callback_query.register(period_pressed, ExportPeriod.filter())
    return router
