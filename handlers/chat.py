"""Writing into the caller's private chat, split at Telegram's limit, and taking the buttons
off a message a button was pressed on (for buttons outside a dialog; dialogs use
handlers.dialogs)."""

from __future__ import annotations

import contextlib

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from texts.messaging import split_html


async def send_private(ctx: Context, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Into the caller's private chat, split if long; the keyboard on the last part."""
    parts = split_html(text)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await ctx.bot.send_message(
            ctx.actor.telegram_id, part, reply_markup=markup if last else None
        )


async def drop_buttons(query: CallbackQuery) -> None:
    """Take the keyboard off the message a button was pressed on (best effort)."""
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        with contextlib.suppress(TelegramBadRequest):  # too old, or already changed
            await query.message.edit_reply_markup(reply_markup=None)


async def show_in_place(
    query: CallbackQuery, ctx: Context, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """In place of the message pressed; anew if it can no longer be edited."""
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in str(error):  # a double tap: it shows already
                return
    await send_private(ctx, text, markup)
