"""Group chats: /bind a group to a unit, check the bot's own rights, follow migrations."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    CallbackQuery,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ChatMemberRestricted,
    Message,
)
from aiogram.utils.deep_linking import create_start_link

from bot.context import Context
from domain.invites import DECLARE_PAYLOAD_PREFIX
from domain.org import ChatGroup, GroupPurpose
from domain.permissions import can_bind_group, manageable_units
from handlers.unit_picker import browse, unit_named
from services.onboarding import NOT_SUPERVISOR, OnboardingService, log_refusal
from services.refusal import Refused
from texts.i18n import Translator, named_by
from texts.keyboards import BindPick, link_keyboard
from texts.rendering import outcome_text
from texts.unit_keyboards import MakeData

logger = logging.getLogger(__name__)
GROUP_CHATS = F.chat.type.in_({"group", "supergroup"})


async def bind(
    message: Message, command: CommandObject, ctx: Context, onboarding_service: OnboardingService
) -> None:
    words = (command.args or "").split()
    purposes = [purpose for word in words if (purpose := purpose_named(word)) is not None]
    name = " ".join(word for word in words if purpose_named(word) is None)
    units = manageable_units(ctx.actor, await ctx.repos.org.load_tree())
    if not units:  # who may bind at all comes before how to write it
        await log_refusal(ctx.repos, ctx.actor, "bind", name, NOT_SUPERVISOR, ctx.now())
        await message.answer(ctx.tr(NOT_SUPERVISOR))
        return
    if len(purposes) != 1 or not name:
        await message.answer(ctx.tr("bind-usage"))
        return
    purpose = purposes[0]
    unit = await unit_named(message, ctx, name, units, _picker(purpose))
    if unit is not None:
        await _bind(message, ctx, onboarding_service, unit.code, purpose)


def purpose_named(word: str) -> GroupPurpose | None:
    """The purpose a word names: its code or a name in either language ("工作群")."""
    return named_by(word, GroupPurpose, lambda purpose: f"purpose-{purpose.value}-names")


def _picker(purpose: GroupPurpose) -> MakeData:
    return lambda code, browse: BindPick(purpose=purpose, unit=code, browse=browse)


async def bind_unit_pressed(
    query: CallbackQuery,
    callback_data: BindPick,
    ctx: Context,
    onboarding_service: OnboardingService,
) -> None:
    """A unit chosen, or a level opened, from the choices /bind offered: anyone in the group
    can press, so the presser's right is checked (by the service) before anything changes."""
    tree = await ctx.repos.org.load_tree()
    units = manageable_units(ctx.actor, tree)
    code = callback_data.unit
    if callback_data.browse:
        # Opening a level no part of which is the presser's would take the keyboard away
        # from the supervisor who asked.
        allowed = code == "" or (code in tree and any(tree.contains(code, u.code) for u in units))
    else:
        allowed = bool(can_bind_group(ctx.actor, code, tree))
    if not units or not allowed:
        # Refused in an alert to the presser alone: the keyboard stays for whoever asked.
        await log_refusal(ctx.repos, ctx.actor, "bind", code, NOT_SUPERVISOR, ctx.now())
        await query.answer(ctx.tr(NOT_SUPERVISOR), show_alert=True)
        return
    if callback_data.browse:
        await browse(query, ctx, units, callback_data.unit, _picker(callback_data.purpose))
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await _bind(
            query.message, ctx, onboarding_service, callback_data.unit, callback_data.purpose
        )


async def _bind(
    message: Message,
    ctx: Context,
    onboarding_service: OnboardingService,
    unit_code: str,
    purpose: GroupPurpose,
) -> None:
    tr = ctx.tr
    # Asked before binding: a Telegram request commits what the update has written so far, and
    # a binding must not stand when the question about it failed.
    missing = await missing_rights(ctx.bot, message.chat.id, purpose)
    try:
        outcome = await onboarding_service.bind(
            ctx.repos,
            ctx.actor,
            chat_id=message.chat.id,
            title=message.chat.title or "",
            unit_code=unit_code,
            purpose=purpose,
            now=ctx.now(),
        )
    except Refused as refused:
        await message.answer(tr(refused.key))
        return
    lines = [outcome_text(tr, outcome, await ctx.repos.org.load_tree())]
    group = outcome.group
    assert group is not None  # a bound group
    lines.append(tr(f"purpose-{group.purpose.value}"))
    lines += [tr("bind-missing-right", right=tr(f"right-{right}")) for right in missing]
    if not missing:
        lines.append(tr("bind-rights-ok"))
    await message.answer("\n".join(lines))
    if group.purpose is GroupPurpose.RESIDENTS and group.join_token:
        # The group is shared by everyone, so its post speaks the deployment's default language.
        await post_join_button(ctx.bot, group, Translator(ctx.settings.i18n.default_locale))


async def bind_outside_group(message: Message, ctx: Context) -> None:
    await message.answer(ctx.tr("bind-in-group-only"))


async def follow_migration(message: Message, ctx: Context) -> None:
    """Telegram gives a group a new id when it becomes a supergroup; the binding follows.

    The old group reports where it went and the new one where it came from; whichever of the
    two service messages arrives first moves the binding, the other finds nothing to move.
    """
    if message.migrate_to_chat_id is not None:
        await ctx.repos.groups.migrate(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id is not None:
        await ctx.repos.groups.migrate(message.migrate_from_chat_id, message.chat.id)


async def missing_rights(bot: Bot, chat_id: int, purpose: GroupPurpose) -> list[str]:
    """What the bot lacks in this group for the group's purpose (message-key suffixes)."""
    member = await bot.get_chat_member(chat_id, bot.id)
    missing = []
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        missing.append("send-messages")
    if purpose is GroupPurpose.RESIDENTS:
        can_pin = isinstance(member, ChatMemberOwner) or (
            isinstance(member, ChatMemberAdministrator) and bool(member.can_pin_messages)
        )
        if not can_pin:
            missing.append("pin-messages")
    return missing


async def post_join_button(bot: Bot, group: ChatGroup, tr: Translator) -> None:
    """The residents' entry point: a pinned "我要报备 / Declare" button that opens a private
    chat with the bot, joins the person to the group's unit as a resident if needed and starts
    the declaration there (nothing personal is ever asked in the group)."""
    link = await create_start_link(bot, DECLARE_PAYLOAD_PREFIX + (group.join_token or ""))
    sent = await bot.send_message(
        group.chat_id,
        tr("declare-post"),
        reply_markup=link_keyboard(tr("declare-post-button"), link),
    )
    try:
        await bot.pin_chat_message(group.chat_id, sent.message_id, disable_notification=True)
    except TelegramAPIError as error:
        logger.info("could not pin the declare button in %s: %s", group.chat_id, error)


def create_router() -> Router:
    router = Router(name="groups")
    router.message.register(bind, Command("bind"), GROUP_CHATS)
    router.message.register(bind_outside_group, Command("bind"))
    router.callback_query.register(bind_unit_pressed, BindPick.filter())
    router.message.register(follow_migration, F.migrate_to_chat_id | F.migrate_from_chat_id)
    return router
