"""Webhook requests read the way polling reads updates (bot/inbound.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.inbound import may_hold_controls, read_update

logger = logging.getLogger(__name__)


class WebhookHandler(SimpleRequestHandler):
    """aiogram's handler, except that an update it cannot read is answered without acting.

    aiogram would fail on it (in the background, or with a 500 that makes Telegram deliver it
    again and again), each time logging the update with its contents. An unreadable update
    with an id is passed on reduced to that id, which the dispatcher skips
    (bot/middlewares.py).
    """

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        update = await self._read(bot, request)
        if update is None:
            return web.json_response({})  # answered, so Telegram does not send it again
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            bot, update, **self.data
        )
        return web.Response(body=self._build_response_writer(bot=bot, result=result))

    async def _handle_request_background(self, bot: Bot, request: web.Request) -> web.Response:
        update = await self._read(bot, request)
        if update is not None:
            task = asyncio.create_task(self._feed(bot, update))
            self._background_feed_update_tasks.add(task)
            task.add_done_callback(self._background_feed_update_tasks.discard)
        return web.json_response({}, dumps=bot.session.json_dumps)

    async def _feed(self, bot: Bot, update: Update) -> None:
        try:
            result = await self.dispatcher.feed_update(bot, update, **self.data)
            if isinstance(result, TelegramMethod):
                await self.dispatcher.silent_call_request(bot, result)
        except Exception:
            # The error router has answered what a handler raised; this is what escaped it.
            logger.exception("update %s failed", update.update_id)

    @staticmethod
    async def _read(bot: Bot, request: web.Request) -> Update | None:
        try:
            body = await request.text()
            raw = bot.session.json_loads(body)
        except ValueError:  # not JSON, or not even text (UnicodeDecodeError)
            logger.warning("a webhook request whose body is not JSON was ignored")
            return None
        return read_update(raw, bot, clean=may_hold_controls(body))
