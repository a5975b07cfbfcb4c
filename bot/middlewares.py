"""Per-update plumbing: drop redelivered updates, one DB transaction, who is asking and in
which language."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.types.update import UpdateTypeLookupError

from bot.config import Settings
from bot.context import Context
from domain.clock import Clock
from domain.org import Language
from domain.permissions import Actor
from storage import Database, Repositories
from texts.i18n import Translator

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class SkipEventlessUpdatesMiddleware(BaseMiddleware):
    """An update with nothing this aiogram knows in it (unreadable, so reduced to its id by
    bot/inbound.py, or of a kind newer than the pinned aiogram) is skipped quietly: aiogram
    would warn with the whole update, and there is nothing to handle."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update):
            try:
                event.event_type  # noqa: B018 - raises for an update without a known event
            except UpdateTypeLookupError:
                logger.info("update %s has nothing this bot can handle; skipped", event.update_id)
                return None
        return await handler(event, data)


class DedupeUpdatesMiddleware(BaseMiddleware):
    """Telegram redelivers an update when it is unsure it arrived; act on each id only once.

    Runs inside the update's unit of work: the record is written with the update's first
    effects (the first Bot API request commits them), so an update that fails before doing
    anything is handled again when redelivered, and one that did something is never handled
    twice. One user's updates are handled one at a time, so a redelivery finds the record."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        bot: Bot = data["bot"]
        repos: Repositories = data["repos"]
        if await repos.updates.seen(bot.id, event.update_id):
            logger.info("update %s delivered again; ignored", event.update_id)
            return None
        repos.updates.record_at_commit(bot.id, event.update_id, self.clock.now())
        return await handler(event, data)


class DatabaseSessionMiddleware(BaseMiddleware):
    """One unit of work per update: what a handler changes commits when it returns, or rolls
    back when it fails; a Bot API request commits what came before it (bot/session.py)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.database.unit_of_work() as session:
            data["repos"] = Repositories(session)
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()  # what was kept for the commit goes too
                raise
            await session.commit()  # with what was kept for it (storage.db.BEFORE_COMMIT)
            return result


class ActorMiddleware(BaseMiddleware):
    """Loads the caller's roles and language; registers people who talk to the bot in private."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.admins = frozenset(settings.admins.telegram_ids)
        self.default_language = settings.i18n.default_locale
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        repos: Repositories = data["repos"]
        language = self.default_language
        actor = Actor(telegram_id=0)
        person = None
        if user is not None and not user.is_bot:
            telegram_language = Language.from_telegram(user.language_code, self.default_language)
            if chat is not None and chat.type == "private":
                person = await repos.people.greet(
                    user.id, user.full_name, telegram_language, now=self.clock.now()
                )
            else:
                person = await repos.people.get(user.id)
            language = person.language if person else telegram_language
            assignments = await repos.roles.of_person(user.id)
            actor = Actor(user.id, user.id in self.admins, tuple(assignments))
        tr = Translator(language)
        data["tr"] = tr  # also for the error router, which may run without a context
        data["ctx"] = Context(actor, tr, repos, self.clock, self.settings, data["bot"])
        return await handler(event, data)
