"""A handler that raises never stops the bot: log it, tell the user, carry on."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, ErrorEvent

from bot.config import Settings
from texts.i18n import Translator

logger = logging.getLogger(__name__)


async def report_error(event: ErrorEvent, settings: Settings, tr: Translator | None = None) -> bool:
    logger.error("update %s failed", event.update.update_id, exc_info=event.exception)
    tr = tr or Translator(settings.i18n.default_locale)
    update = event.update
    # The apology itself may fail (blocked bot, network); that must not raise a second error.
    with suppress(TelegramAPIError):
        if update.message is not None:
            await update.message.answer(tr("error-generic"))
        elif update.callback_query is not None:
            await _apologise_for_button(update.callback_query, tr)
    return True


async def _apologise_for_button(query: CallbackQuery, tr: Translator) -> None:
    try:
        await query.answer(tr("error-generic"), show_alert=True)
    except TelegramBadRequest:
        # A handler that failed after answering the query leaves only a message to reply with.
        if query.message is not None:
            await query.bot.send_message(query.message.chat.id, tr("error-generic"))  # type: ignore[union-attr]


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(report_error)
    return router
