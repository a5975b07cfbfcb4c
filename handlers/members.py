"""/members [UNIT]: a supervisor sees who holds which role in a unit and takes a role away
(asked to confirm first)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from bot.menus import set_personal_menu
from domain.org import Language, Role, Unit
from domain.permissions import Actor, Capability, manageable_units
from handlers.unit_picker import (
    Again,
    answer_typed_names,
    browse,
    picked,
    unit_named,
    units_keyboard,
)
from services import members
from services.onboarding import NOT_SUPERVISOR, log_refusal
from services.refusal import Refused
from services.reports import ReportService
from texts.i18n import Translator
from texts.keyboards import MemberRemove, MembersPick, RemoveStep
from texts.members import confirm_keyboard, members_keyboard, members_text, removal_text
from texts.rendering import role_name
from texts.unit_keyboards import MakeData


def _picker(code: str, browse: bool) -> MembersPick:
    return MembersPick(unit=code, browse=browse)


PICK: MakeData = _picker


async def members_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    ctx: Context,
    report_service: ReportService,
) -> None:
    await _members(message, state, ctx, report_service, command.args or "")


async def members_typed_again(
    message: Message, state: FSMContext, ctx: Context, args: str, data: dict[str, Any]
) -> None:
    await _members(message, state, ctx, data["report_service"], args)


async def _members(
    message: Message, state: FSMContext, ctx: Context, reports: ReportService, args: str
) -> None:
    if Capability.SUPERVISOR not in ctx.actor.capabilities():
        await log_refusal(ctx.repos, ctx.actor, "members", "", NOT_SUPERVISOR, ctx.now())
        await message.answer(ctx.tr(NOT_SUPERVISOR))
        return
    units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
    name = args.strip()
    if not name:
        await message.answer(
            ctx.tr("members-choose-unit"), reply_markup=await units_keyboard(ctx, units, PICK)
        )
        return
    unit = await unit_named(message, ctx, name, units, PICK, again=Again(state, "members"))
    if unit is not None:
        await _show(message, ctx, reports, unit.code)


async def unit_pressed(
    query: CallbackQuery, callback_data: MembersPick, ctx: Context, report_service: ReportService
) -> None:
    if callback_data.browse:
        units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
        await browse(query, ctx, units, callback_data.unit, PICK)
        return
    await picked(query)
    if isinstance(query.message, Message):
        await _show(query.message, ctx, report_service, callback_data.unit)


async def _show(message: Message, ctx: Context, reports: ReportService, unit_code: str) -> None:
    try:  # the unit may come from a button: checked here
        unit, people = await members.members_of(ctx.repos, ctx.actor, unit_code, now=ctx.now())
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    await message.answer(
        members_text(ctx.tr, unit, people, reports=reports.reports(unit)),
        reply_markup=members_keyboard(ctx.tr, people, ctx.actor.telegram_id),
    )


async def remove_pressed(
    query: CallbackQuery, callback_data: MemberRemove, ctx: Context, report_service: ReportService
) -> None:
    reports = report_service
    """Remove → asked to confirm (in place); confirm → done; back → the list again."""
    data = callback_data
    if data.step is RemoveStep.YES:
        await _remove(query, ctx, reports, data.assignment)
        return
    try:  # the assignment comes from a button: checked here
        unit, held = await members.member(ctx.repos, ctx.actor, data.assignment, now=ctx.now())
        _, people = await members.members_of(ctx.repos, ctx.actor, unit.code, now=ctx.now())
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if data.step is RemoveStep.BACK:
        await query.message.edit_text(
            members_text(ctx.tr, unit, people, reports=reports.reports(unit)),
            reply_markup=members_keyboard(ctx.tr, people, ctx.actor.telegram_id),
        )
        return
    role = role_name(ctx.tr, held.role)
    await query.message.edit_text(
        ctx.tr("members-confirm", name=held.person.name, unit=unit.name, role=role),
        reply_markup=confirm_keyboard(ctx.tr, data),
    )


async def _remove(
    query: CallbackQuery, ctx: Context, reports: ReportService, assignment_id: int
) -> None:
    by = await ctx.repos.people.get(ctx.actor.telegram_id)
    by_name = by.name if by is not None else str(ctx.actor.telegram_id)
    try:
        removal = await members.remove_role(
            ctx.repos,
            ctx.actor,
            assignment_id,
            now=ctx.now(),
            notice=lambda language, unit, role: _notice(language, unit, role, by_name),
        )
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            removal_text(ctx.tr, removal, reports=reports.reports(removal.unit)), reply_markup=None
        )
    # The person's command menu loses what the role gave (after the removal committed).
    person = removal.person.telegram_id
    roles = tuple(await ctx.repos.roles.of_person(person))
    admin = person in ctx.settings.admins.telegram_ids
    tree = await ctx.repos.org.load_tree()
    await set_personal_menu(ctx.bot, Actor(person, admin, roles), removal.person.language, tree)


def _notice(language: Language, unit: Unit, role: Role, by: str) -> str:
    tr = Translator(language)
    return tr("members-removed-you", unit=unit.name, role=role_name(tr, role), by=by)


def create_router() -> Router:
    router = Router(name="members")
    router.message.register(members_command, Command("members"), F.chat.type == "private")
    router.callback_query.register(unit_pressed, MembersPick.filter())
    router.callback_query.register(remove_pressed, MemberRemove.filter())
    answer_typed_names("members", members_typed_again)
    return router
