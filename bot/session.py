"""The Bot API session the bot talks through: updates read at the edge, nothing private in
errors, and an update's work committed before Telegram hears of it."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update
from pydantic import ValidationError

from bot.inbound import may_hold_controls, problems, read_update
from outbox.telegram import UnreadableAnswer, UnreadableResponse
from storage import Database

logger = logging.getLogger(__name__)


class BotSession(AiohttpSession):
    """aiogram's aiohttp session, reading getUpdates one update at a time, and keeping the
    answer types it parametrises.

    aiogram validates a getUpdates answer as a whole: one update it cannot read fails the
    batch, polling asks for the same batch again forever, and each failure is logged with the
    raw batch, residents' messages included. Here each update is read on its own
    (bot/inbound.py), so an unreadable one is skipped and the rest are handled.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # aiogram reads each answer as Response[<the method's result type>]. pydantic caches a
        # parametrised model only while something refers to it, so without these references
        # each answer built the model class anew (a few hundred microseconds each time).
        self._answer_types: dict[Any, type[Response[Any]]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._answer_types:
            self._answer_types[returning] = Response[returning]  # type: ignore[valid-type]
        if isinstance(method, GetUpdates):
            updates = self._read_updates(bot, content)
            if updates is not None:
                return Response[list[Update]](ok=True, result=updates)  # type: ignore[return-value]
        try:
            return super().check_response(bot, method, status_code, content)
        except ClientDecodeError as error:
            # Its message would carry the whole answer, and the answer to a send echoes the
            # text that was sent.
            detail = (
                problems(error.original)
                if isinstance(error.original, ValidationError)
                else type(error.original).__name__
            )
            reason = UnreadableResponse(f"{method.__api_method__}: {detail}")
            data = error.data
            succeeded = status_code == 200 and isinstance(data, dict) and data.get("ok") is True
            raise UnreadableAnswer(error.message, reason, succeeded=succeeded) from None

    def _read_updates(self, bot: Bot, content: str) -> list[Update] | None:
        """The updates of a successful answer; None for anything else (an error answer, or not
        JSON), which aiogram's own check then reports."""
        try:
            data: Any = self.json_loads(content)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("ok") is not True:
            return None
        raw = data.get("result")
        if not isinstance(raw, list):
            return None
        clean = may_hold_controls(content)
        read = (read_update(item, bot, clean=clean) for item in raw)
        return [update for update in read if update is not None]


class CommitBeforeRequestMiddleware(BaseRequestMiddleware):
    """Commits the update's open unit of work before any Bot API request of its handler.

    A person is told "filed" only once it has committed, a failing commit becomes the error
    reply instead, and no database lock is held while Telegram answers (SQLite has one writer
    at a time: a reply waiting out a 429 would otherwise stall every other update).
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        await self.database.commit_unit_of_work()
        return await make_request(bot, method)
