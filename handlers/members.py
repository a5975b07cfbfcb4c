"""/members [UNIT]: a supervisor sees who holds which role in a unit and takes a role away
(asked to confirm first)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from bot.menus import set_personal_menu
from domain.org import Language, Person, Role, RoleAssignment, Unit
from domain.permissions import Actor, Capability, manageable_units
from handlers.unit_picker import browse, unit_named, units_keyboard
from services import members
from services.onboarding import NOT_SUPERVISOR, log_refusal
from services.refusal import Refused
from texts.i18n import Translator
from texts.keyboards import MemberRemove, MembersPick, RemoveStep
from texts.members import confirm_keyboard, members_keyboard, members_text, removal_text
from texts.rendering import role_name
from texts.unit_keyboards import MakeData


def _picker(code: str, browse: bool) -> MembersPick:
    return MembersPick(unit=code, browse=browse)


PICK: MakeData = _picker


async def members_command(message: Message, command: CommandObject, ctx: Context) -> None:
    if Capability.SUPERVISOR not in ctx.actor.capabilities():
        await log_refusal(ctx.repos, ctx.actor, "members", "", NOT_SUPERVISOR, ctx.now())
        await message.answer(ctx.tr(NOT_SUPERVISOR))
        return
    units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
    name = (command.args or "").strip()
    if not name:
        await message.answer(
            ctx.tr("members-choose-unit"), reply_markup=await units_keyboard(ctx, units, PICK)
        )
        return
    unit = await unit_named(message, ctx, name, units, PICK)
    if unit is not None:
        await _show(message, ctx, unit.code)


async def unit_pressed(query: CallbackQuery, callback_data: MembersPick, ctx: Context) -> None:
    if callback_data.browse:
        units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
        await browse(query, ctx, units, callback_data.unit, PICK)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await _show(query.message, ctx, callback_data.unit)


async def _show(message: Message, ctx: Context, unit_code: str) -> None:
    try:  # the unit may come from a button: checked here
        unit, people = await members.members_of(ctx.repos, ctx.actor, unit_code, now=ctx.now())
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    await message.answer(
        members_text(ctx.tr, unit, people),
        reply_markup=members_keyboard(ctx.tr, unit, people, ctx.actor.telegram_id),
    )


async def remove_pressed(query: CallbackQuery, callback_data: MemberRemove, ctx: Context) -> None:
    """Remove → asked to confirm (in place); confirm → done; back → the list again."""
    data = callback_data
    assignment = RoleAssignment(data.person, data.unit, data.role)
    if data.step is RemoveStep.ASK:
        people = await _people_or_refuse(query, ctx, data.unit)
        if people is None:
            return
        unit, held = people
        person = next(
            (p for p, role in held if p.telegram_id == data.person and role is data.role), None
        )
        if person is None:
            await query.answer(ctx.tr("members-already-gone"), show_alert=True)
            return
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                ctx.tr(
                    "members-confirm",
                    name=person.name,
                    unit=unit.name,
                    role=role_name(ctx.tr, data.role),
                ),
                reply_markup=confirm_keyboard(ctx.tr, data),
            )
        return
    if data.step is RemoveStep.BACK:
        people = await _people_or_refuse(query, ctx, data.unit)
        if people is None:
            return
        await query.answer()
        unit, held = people
        if isinstance(query.message, Message):
            await query.message.edit_text(
                members_text(ctx.tr, unit, held),
                reply_markup=members_keyboard(ctx.tr, unit, held, ctx.actor.telegram_id),
            )
        return
    by = await ctx.repos.people.get(ctx.actor.telegram_id)
    by_name = by.name if by is not None else str(ctx.actor.telegram_id)
    try:
        removal = await members.remove_role(
            ctx.repos,
            ctx.actor,
            assignment,
            now=ctx.now(),
            notice=lambda language, unit: _notice(language, unit, data.role, by_name),
        )
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(removal_text(ctx.tr, removal), reply_markup=None)
    # The person's command menu loses what the role gave (after the removal committed).
    roles = tuple(await ctx.repos.roles.of_person(data.person))
    admin = data.person in ctx.settings.admins.telegram_ids
    await set_personal_menu(ctx.bot, Actor(data.person, admin, roles), removal.person.language)


async def _people_or_refuse(
    query: CallbackQuery, ctx: Context, unit_code: str
) -> tuple[Unit, list[tuple[Person, Role]]] | None:
    try:
        return await members.members_of(ctx.repos, ctx.actor, unit_code, now=ctx.now())
    except Refused as refused:
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return None


def _notice(language: Language, unit: Unit, role: Role, by: str) -> str:
    tr = Translator(language)
    return tr("members-removed-you", unit=unit.name, role=role_name(tr, role), by=by)


def create_router() -> Router:
    router = Router(name="members")
    router.message.register(members_command, Command("members"), F.chat.type == "private")
    router.callback_query.register(unit_pressed, MembersPick.filter())
    router.callback_query.register(remove_pressed, MemberRemove.filter())
    return router
