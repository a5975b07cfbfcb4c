"""Command menus (setMyCommands) per scope and language, from the domain's command catalog."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)

from domain.commands import ChatKind, commands_for_capabilities, visible_commands
from domain.org import Language, OrgTree
from domain.permissions import Actor, Capability
from texts.i18n import Translator

# Telegram matches the menu to the user's client language by two-letter code.
MENU_LANGUAGE_CODES = {Language.ZH_CN: "zh", Language.EN: "en"}


def _commands(tr: Translator, caps: set[Capability], chat: ChatKind) -> list[BotCommand]:
    return [
        BotCommand(command=spec.name, description=tr(spec.description_key))
        for spec in commands_for_capabilities(caps, chat)
    ]


async def set_default_menus(bot: Bot, default_language: Language) -> None:
    everyone = {Capability.EVERYONE}
    # Group admins are the people likely to bind a group, so they see /bind in the menu.
    group_admins = {Capability.EVERYONE, Capability.SUPERVISOR}
    for language, code in [*MENU_LANGUAGE_CODES.items(), (default_language, None)]:
        tr = Translator(language)
        await bot.set_my_commands(
            _commands(tr, everyone, ChatKind.PRIVATE), BotCommandScopeDefault(), code
        )
        await bot.set_my_commands(
            _commands(tr, everyone, ChatKind.PRIVATE), BotCommandScopeAllPrivateChats(), code
        )
        await bot.set_my_commands(
            _commands(tr, everyone, ChatKind.GROUP), BotCommandScopeAllGroupChats(), code
        )
        await bot.set_my_commands(
            _commands(tr, group_admins, ChatKind.GROUP),
            BotCommandScopeAllChatAdministrators(),
            code,
        )


async def set_personal_menu(bot: Bot, actor: Actor, language: Language, tree: OrgTree) -> None:
    """A person's private menu follows their roles (where they are in `tree`) and chosen
    language, not their client's: the same list as their /help."""
    tr = Translator(language)
    commands = [
        BotCommand(command=spec.name, description=tr(spec.description_key))
        for spec in visible_commands(actor, ChatKind.PRIVATE, tree)
    ]
    await bot.set_my_commands(commands, BotCommandScopeChat(chat_id=actor.telegram_id))
