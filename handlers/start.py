"""/start, with the deep links that onboard people: role invitations and residents' groups."""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.context import Context
from bot.menus import set_personal_menu
from domain.invites import parse_start_payload
from handlers import declarations
from handlers.declarations.living import offer_update
from services.declarations import DeclarationService
from services.onboarding import OnboardingService
from services.refusal import Refused
from texts.i18n import Translator
from texts.rendering import outcome_text, role_name


async def start_with_link(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    ctx: Context,
    onboarding_service: OnboardingService,
    declaration_service: DeclarationService,
) -> None:
    payload = parse_start_payload(command.args)
    user_id = ctx.actor.telegram_id
    if payload.kind == "declare":
        await _declare_from_group(
            message, state, ctx, onboarding_service, declaration_service, payload.token
        )
        return
    if payload.kind not in ("invite", "join"):
        await message.answer(ctx.tr("start-link-invalid"))
        return
    take = onboarding_service.redeem if payload.kind == "invite" else onboarding_service.join
    try:
        outcome = await take(ctx.repos, payload.token, user_id, now=ctx.now())
    except Refused as refused:
        await message.answer(ctx.tr(refused.key))
        return
    tree = await ctx.repos.org.load_tree()
    if outcome.invite is not None and outcome.role is not None and outcome.unit is not None:
        role, unit = outcome.role, outcome.unit
        person = await ctx.repos.people.get(user_id)
        name = person.name if person is not None else str(user_id)
        await onboarding_service.tell_inviter(
            ctx.repos,
            outcome.invite,
            lambda language: Translator(language)(
                "invite-accepted-inviter",
                name=name,
                role=role_name(Translator(language), role),
                unit=tree.path(unit.code),
            ),
            now=ctx.now(),
        )
    await message.answer(outcome_text(ctx.tr, outcome, tree))
    roles = tuple(await ctx.repos.roles.of_person(user_id))
    await set_personal_menu(ctx.bot, replace(ctx.actor, assignments=roles), ctx.tr.language, tree)


async def _declare_from_group(
    message: Message,
    state: FSMContext,
    ctx: Context,
    service: OnboardingService,
    declarations_: DeclarationService,
    token: str,
) -> None:
    """The residents' group button: join the group's unit as a resident if not yet, then
    start the declaration with that unit, or, with one already active there, offer to update
    or re-confirm it (as /declare does)."""
    try:
        outcome = await service.join(ctx.repos, token, ctx.actor.telegram_id, now=ctx.now())
    except Refused:
        outcome = None
    if outcome is None or outcome.unit is None:
        await message.answer(ctx.tr("declare-join-failed"))
        return
    roles = tuple(await ctx.repos.roles.of_person(ctx.actor.telegram_id))
    actor = replace(ctx.actor, assignments=roles)
    if outcome.key == "join-done":
        await set_personal_menu(ctx.bot, actor, ctx.tr.language, await ctx.repos.org.load_tree())
    if await offer_update(ctx, declarations_, {outcome.unit.code}):
        return
    await declarations.begin(replace(ctx, actor=actor), state, outcome.unit, proxy=False)


async def start_plain(message: Message, ctx: Context) -> None:
    name = message.from_user.full_name if message.from_user else ""
    await message.answer(ctx.tr("start-welcome", name=name))
    await set_personal_menu(ctx.bot, ctx.actor, ctx.tr.language, await ctx.repos.org.load_tree())


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == "private")
    router.message.register(start_with_link, CommandStart(deep_link=True))
    router.message.register(start_plain, CommandStart())
    return router
