"""Commands everyone has: /help, /whoami, /lang, /cancel."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove

from bot.context import Context
from bot.menus import set_personal_menu
from domain.commands import CATALOG, ChatKind, visible_commands
from domain.org import GroupPurpose
from domain.permissions import Capability
from handlers.dialogs import ON_CANCEL, leave
from texts.i18n import Translator
from texts.keyboards import LanguageChoice, language_keyboard, link_keyboard
from texts.messaging import answer_long
from texts.rendering import role_name, unit_path


async def show_help(message: Message, ctx: Context) -> None:
    if message.chat.type == "private":
        lines = await _command_lines(ctx)
        await message.answer("\n".join([ctx.tr("help-title"), *lines]))
        return
    # Everyone in the group reads the answer: only what every member may use here, and the
    # way to the private chat for the rest.
    group = await ctx.repos.groups.get(message.chat.id)
    names = ["help"]
    if group is not None and group.purpose is GroupPurpose.RESIDENTS:
        names.append("declare")
    if group is None and Capability.SUPERVISOR in ctx.actor.capabilities():
        names.append("bind")  # setting a new group up: the one thing to do here
    lines = [ctx.tr("help-title-group")]
    lines += [f"/{name} — {ctx.tr(f'cmd-{name}')}" for name in names]
    lines.append(ctx.tr("help-group-private"))
    await message.answer("\n".join(lines), reply_markup=await _private_chat_button(ctx))


async def _command_lines(ctx: Context) -> list[str]:
    tree = await ctx.repos.org.load_tree()
    return [
        f"/{spec.name} — {ctx.tr(spec.description_key)}"
        for spec in visible_commands(ctx.actor, ChatKind.PRIVATE, tree)
    ]


async def _private_chat_button(ctx: Context) -> InlineKeyboardMarkup:
    link = f"https://t.me/{(await ctx.bot.me()).username}"
    return link_keyboard(ctx.tr("open-private-chat"), link)


async def show_identity(message: Message, ctx: Context) -> None:
    tr, actor = ctx.tr, ctx.actor
    person = await ctx.repos.people.get(actor.telegram_id)
    tree = await ctx.repos.org.load_tree()
    lines = [tr("whoami-header", name=person.name if person else "", id=actor.telegram_id)]
    if actor.is_admin:
        lines.append(tr("whoami-admin"))
    for assignment in actor.assignments:
        unit = unit_path(tree, assignment.unit_code)
        lines.append(tr("whoami-role", role=role_name(tr, assignment.role), unit=unit))
    if not actor.assignments and not actor.is_admin:
        lines.append(tr("whoami-no-roles"))
    lines.append(tr("whoami-language"))
    await answer_long(message, "\n".join(lines))


async def ask_language(message: Message, ctx: Context) -> None:
    await message.answer(ctx.tr("lang-choose"), reply_markup=language_keyboard())


async def choose_language(
    query: CallbackQuery, callback_data: LanguageChoice, ctx: Context
) -> None:
    # The choice comes from a button the client sends back; LanguageChoice only parses values
    # of the Language enum, so anything else never reaches this handler.
    await ctx.repos.people.set_language(ctx.actor.telegram_id, callback_data.language)
    tr = Translator(callback_data.language)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(tr("lang-set"))
    tree = await ctx.repos.org.load_tree()
    await set_personal_menu(ctx.bot, ctx.actor, callback_data.language, tree)


async def cancel_dialog(message: Message, state: FSMContext, ctx: Context) -> None:
    if await state.get_state() is None:
        await message.answer(ctx.tr("cancel-nothing"), reply_markup=ReplyKeyboardRemove())
        return
    said = (await state.get_data()).get(ON_CANCEL)
    await leave(ctx, state)
    key = said if isinstance(said, str) else "cancel-done"
    await message.answer(ctx.tr(key), reply_markup=ReplyKeyboardRemove())


async def stale_button(query: CallbackQuery, tr: Translator) -> None:
    # Buttons from an old message, a finished dialog or a forged payload end up here.
    await query.answer(tr("button-expired"), show_alert=True)


def create_router() -> Router:
    router = Router(name="common")
    router.message.register(show_help, Command("help"))
    router.message.register(show_identity, Command("whoami"), F.chat.type == "private")
    router.message.register(ask_language, Command("lang"), F.chat.type == "private")
    router.callback_query.register(choose_language, LanguageChoice.filter())
    router.message.register(cancel_dialog, Command("cancel"))
    return router


async def not_understood(message: Message, state: FSMContext, ctx: Context) -> None:
    """A private message no handler took: never silence, always what the person can do."""
    command = _command_of(message.text or "")
    if command is not None:
        key = "fallback-unknown-command"
    elif await state.get_state() is not None:
        # In a dialog whose question takes no such answer here: typing where only its buttons
        # answer, or a photo where it asks for typing or buttons.
        key = "fallback-use-buttons" if message.text is not None else "fallback-in-dialog"
        await message.answer(ctx.tr(key))
        return
    elif message.text is None:
        key = "fallback-not-text"
    else:
        key = "fallback-not-understood"
    lines = [ctx.tr(key, command=f"/{command}"), "", *await _command_lines(ctx)]
    await answer_long(message, "\n".join(lines))


async def group_command(message: Message, ctx: Context) -> None:
    """A command for this bot in a group that no handler took: one that works only in a
    private chat points there; one the caller may not use is refused. Other bots' commands,
    and plain talk, are not the bot's business."""
    command = _command_of(message.text or "", (await ctx.bot.me()).username)
    if command is None:
        return
    specs = [spec for spec in CATALOG if spec.name == command]
    if not specs:
        if "@" in (message.text or "").split()[0]:  # addressed to this bot by name
            await message.answer(ctx.tr("fallback-group-unknown", command=f"/{command}"))
        return
    caps = ctx.actor.capabilities()
    if not any(spec.capability in caps for spec in specs):
        await message.answer(ctx.tr("fallback-group-not-yours", command=f"/{command}"))
        return
    await message.answer(
        ctx.tr("fallback-group-private-only", command=f"/{command}"),
        reply_markup=await _private_chat_button(ctx),
    )


def _command_of(text: str, username: str | None = None) -> str | None:
    """The command a message starts with ("/status@bot 11-20" -> "status"); None when it is
    no command, or one addressed to another bot (only checked when `username` is given)."""
    if not text.startswith("/"):
        return None
    name, _, addressee = text.split(maxsplit=1)[0][1:].partition("@")
    if not name or (addressee and username is not None and addressee != username):
        return None
    return name.lower()


def create_fallback_router() -> Router:
    """Included last: whatever no other router claimed."""
    router = Router(name="fallback")
    router.callback_query.register(stale_button)
    router.message.register(not_understood, F.chat.type == "private")
    router.message.register(group_command, F.chat.type.in_({"group", "supergroup"}), F.text)
    return router
