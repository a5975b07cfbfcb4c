"""Per-update plumbing: one update at a time per chat, one unit of work that drops
redelivered updates, who is asking and in which language, the dialog's state."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.types.update import UpdateTypeLookupError

from bot.config import Settings
from bot.context import Context
from domain.clock import Clock
from domain.org import Language
from domain.permissions import Actor
from storage import Database, Repositories
from storage.repos.updates import RedeliveredUpdate
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


class SerialPerChatMiddleware(BaseMiddleware):
    """One update at a time per user and chat (aiogram's events isolation, in the process or
    through Redis), so a double tap cannot run a dialog step twice; the dialog's state is
    read later, inside the update's unit of work (DialogStateMiddleware)."""

    def __init__(self, fsm: FSMContextMiddleware) -> None:
        self.fsm = fsm

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context = self.fsm.resolve_event_context(data["bot"], data)
        data["fsm_storage"] = self.fsm.storage
        if context is None:
            return await handler(event, data)
        async with self.fsm.events_isolation.lock(key=context.key):
            data["state"] = context
            return await handler(event, data)


class UnitOfWorkMiddleware(BaseMiddleware):
    """One unit of work per update, recorded with its first commit so that a redelivered
    update is acted on once.

    What a handler changes commits when it returns, or rolls back when it fails; a Bot API
    request commits what came before it (bot/session.py). The update's record is written
    inside the first of those commits: an update that fails before doing anything is handled
    again when redelivered, and the commit of a redelivery finds the record and raises
    RedeliveredUpdate before anything of it is written or sent. One user's updates are
    handled one at a time (SerialPerChatMiddleware), so a redelivery finds the record.

    `check_first` looks for the record before the handler runs too: for a dialog storage
    outside the database (Redis, memory), whose writes a rollback does not undo.
    """

    def __init__(self, database: Database, clock: Clock, *, check_first: bool = False) -> None:
        self.database = database
        self.clock = clock
        self.check_first = check_first

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.database.unit_of_work() as session:
            repos = data["repos"] = Repositories(session)
            if isinstance(event, Update):
                bot_id = data["bot"].id
                if self.check_first and await repos.updates.seen(bot_id, event.update_id):
                    logger.info("update %s delivered again; ignored", event.update_id)
                    return None
                repos.updates.record_at_commit(bot_id, event.update_id, self.clock.now())
            try:
                result = await handler(event, data)
                await session.commit()  # with what was kept for it (storage.db.BEFORE_COMMIT)
            except RedeliveredUpdate:
                await session.rollback()
                logger.info("update %s delivered again; ignored", getattr(event, "update_id", "?"))
                return None
            except BaseException:
                await session.rollback()  # what was kept for the commit goes too
                raise
            return result


class DialogStateMiddleware(BaseMiddleware):
    """The dialog's state for the handlers' state filters, read inside the unit of work (so
    the FSM storage reads its row once, with the rest of the update)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if state is not None:
            data["raw_state"] = await state.get_state()
        return await handler(event, data)


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
        if user is not None and not user.is_bot:
            telegram_language = Language.from_telegram(user.language_code, self.default_language)
            if chat is not None and chat.type == "private":
                caller = await repos.callers.greet(
                    user.id, user.full_name, telegram_language, now=self.clock.now()
                )
            else:
                caller = await repos.callers.find(user.id)
            language = caller.person.language if caller.person else telegram_language
            actor = Actor(user.id, user.id in self.admins, caller.assignments)
        tr = Translator(language)
        data["tr"] = tr  # also for the error router, which may run without a context
        data["ctx"] = Context(actor, tr, repos, self.clock, self.settings, data["bot"])
        return await handler(event, data)
