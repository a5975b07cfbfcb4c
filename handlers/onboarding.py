"""/invite: one-time links that grant a role, as a command (role and unit by name) or a
two-step dialog."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from bot.context import Context
from domain.invites import INVITE_PAYLOAD_PREFIX
from domain.org import Role
from domain.permissions import manageable_units
from handlers.unit_picker import browse, unit_named, units_keyboard
from services.onboarding import OnboardingService
from services.refusal import Refused
from texts.i18n import named_by
from texts.keyboards import InvitePick, InviteRoleChoice, role_keyboard
from texts.rendering import local_time, outcome_text, role_name
from texts.unit_keyboards import MakeData


class InviteWizard(StatesGroup):
    choosing_role = State()
    choosing_unit = State()


async def invite(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    ctx: Context,
    onboarding_service: OnboardingService,
) -> None:
    try:
        await onboarding_service.check_inviter(ctx.repos, ctx.actor, ctx.now())
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    words = (command.args or "").split()
    await state.clear()  # a new /invite replaces any unfinished one
    if not words:
        await state.set_state(InviteWizard.choosing_role)
        await message.answer(ctx.tr("invite-choose-role"), reply_markup=role_keyboard(ctx.tr))
        return
    role = role_named(words[0])
    if role is None:
        await message.answer(ctx.tr("invite-usage"))
        return
    units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
    if len(words) == 1:  # the role alone: on to the unit question
        await state.set_state(InviteWizard.choosing_unit)
        await state.update_data(role=role.value)
        await message.answer(
            ctx.tr("invite-choose-unit", role=role_name(ctx.tr, role)),
            reply_markup=await units_keyboard(ctx, units, _picker(role)),
        )
        return
    # Should the name need a choice, the wizard waits at its unit question, so that a typed
    # name or one press (not two) answers it.
    await state.set_state(InviteWizard.choosing_unit)
    await state.update_data(role=role.value)
    unit = await unit_named(message, ctx, " ".join(words[1:]), units, _picker(role), waiting=True)
    if unit is not None:
        await state.clear()
        await _issue_invite(message, onboarding_service, role, unit.code, ctx)


def role_named(word: str) -> Role | None:
    """The role a word names: its code or its name in either language ("包保责任人")."""
    return named_by(word, Role, lambda role: f"role-{role.value}")


def _picker(role: Role) -> MakeData:
    return lambda code, browse: InvitePick(role=role, unit=code, browse=browse)


async def invite_role_chosen(
    query: CallbackQuery,
    callback_data: InviteRoleChoice,
    state: FSMContext,
    ctx: Context,
    onboarding_service: OnboardingService,
) -> None:
    try:  # a button is no proof of a right
        await onboarding_service.check_inviter(ctx.repos, ctx.actor, ctx.now())
    except Refused as refused:
        await state.clear()
        await query.answer(ctx.tr(refused.key), show_alert=True)
        return
    role = callback_data.role
    await state.update_data(role=role.value)
    await state.set_state(InviteWizard.choosing_unit)
    await query.answer()  # its request commits the wizard's step
    units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
    if isinstance(query.message, Message):
        await query.message.edit_text(
            ctx.tr("invite-choose-unit", role=role_name(ctx.tr, role)),
            reply_markup=await units_keyboard(ctx, units, _picker(role)),
        )


async def invite_unit_pressed(
    query: CallbackQuery,
    callback_data: InvitePick,
    state: FSMContext,
    ctx: Context,
    onboarding_service: OnboardingService,
) -> None:
    """A unit chosen, or a level opened, for an invitation; the service checks the right."""
    units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
    if callback_data.browse:
        await browse(query, ctx, units, callback_data.unit, _picker(callback_data.role))
        return
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _issue_invite(
            query.message, onboarding_service, callback_data.role, callback_data.unit, ctx
        )


async def invite_unit_typed(
    message: Message, state: FSMContext, ctx: Context, onboarding_service: OnboardingService
) -> None:
    role = await _wizard_role(state)
    if role is None:
        await state.clear()
        return
    units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
    # Several or no matches keep the wizard on this question, with buttons to choose.
    unit = await unit_named(message, ctx, message.text or "", units, _picker(role), waiting=True)
    if unit is not None:
        await state.clear()
        await _issue_invite(message, onboarding_service, role, unit.code, ctx)


async def _wizard_role(state: FSMContext) -> Role | None:
    """The role chosen earlier in the wizard; None if the draft is gone or was tampered with."""
    value = (await state.get_data()).get("role")
    return Role(value) if value in {role.value for role in Role} else None


async def _issue_invite(
    message: Message, service: OnboardingService, role: Role, unit_code: str, ctx: Context
) -> None:
    try:
        outcome = await service.invite(ctx.repos, ctx.actor, role, unit_code, now=ctx.now())
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    text = outcome_text(ctx.tr, outcome, await ctx.repos.org.load_tree())
    if outcome.invite is not None:
        link = await create_start_link(ctx.bot, INVITE_PAYLOAD_PREFIX + outcome.invite.token)
        expires = local_time(outcome.invite.expires_at, ctx.settings.time.zone)
        text += "\n" + ctx.tr("invite-link", link=link, expires=expires)
    await message.answer(text)


def create_router() -> Router:
    router = Router(name="onboarding")
    router.message.filter(F.chat.type == "private")
    router.message.register(invite, Command("invite"))
    router.callback_query.register(
        invite_role_chosen, InviteWizard.choosing_role, InviteRoleChoice.filter()
    )
    router.callback_query.register(
        invite_unit_pressed, InviteWizard.choosing_unit, InvitePick.filter()
    )
    router.message.register(
        invite_unit_typed, InviteWizard.choosing_unit, F.text, ~F.text.startswith("/")
    )
    return router
