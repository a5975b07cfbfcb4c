"""Commands everyone has: /help, /whoami, /lang, /cancel."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.context import Context
from bot.menus import set_personal_menu
from domain.commands import ChatKind, visible_commands
from handlers.dialogs import leave
from texts.i18n import Translator
from texts.keyboards import LanguageChoice, language_keyboard
from texts.messaging import answer_long
from texts.rendering import role_name, unit_path


async def show_help(message: Message, ctx: Context) -> None:
    chat = ChatKind.PRIVATE if message.chat.type == "private" else ChatKind.GROUP
    lines = [ctx.tr("help-title")]
    lines += [
        f"/{spec.name} — {ctx.tr(spec.description_key)}"
        for spec in visible_commands(ctx.actor, chat)
    ]
    await message.answer("\n".join(lines))


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
    await set_personal_menu(ctx.bot, ctx.actor, callback_data.language)


async def cancel_dialog(message: Message, state: FSMContext, ctx: Context) -> None:
    if await state.get_state() is None:
        await message.answer(ctx.tr("cancel-nothing"), reply_markup=ReplyKeyboardRemove())
        return
    await leave(ctx, state)
    await message.answer(ctx.tr("cancel-done"), reply_markup=ReplyKeyboardRemove())


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


def create_fallback_router() -> Router:
    """Included last: whatever no other router claimed."""
    router = Router(name="fallback")
    router.callback_query.register(stale_button)
    return router
