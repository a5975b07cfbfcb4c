"""The Bot API over HTTP: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``.

Every call passes, in order: token check, parameter decoding, fault injection, flood control,
the method handler; and is written to the API log with its outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from http import HTTPStatus
from typing import Any

from aiohttp import web

from . import api_chats, api_messages  # noqa: F401  (they fill the method table)
from .core import Core
from .errors import ApiError, too_many_requests
from .limits import COUNTED_METHODS, Fault
from .params import Params, read_request
from .registry import METHODS
from .state import BotRec

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]


class _DropConnection(Exception):
    """A timeout fault that ends without an answer."""


class BotApi:
    def __init__(self, core: Core, stopping: asyncio.Event) -> None:
        self.core = core
        self.stopping = stopping

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route("*", "/bot{token}/{method}", self.handle),
            web.get("/file/bot{token}/{path:.+}", self.download),
        ]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        name = request.match_info["method"]
        bot = self.core.bot_for_token(token)
        if bot is None:
            error = ApiError(401, "Unauthorized")
            self.core.log_call(bot_id=None, method=name, status=401, error=error.description)
            return web.json_response(error.body(), status=401)
        try:
            params = await read_request(request)
        except ApiError as exc:
            self._log(bot, name, Params({}), exc.code, exc.description, 0.0, "http")
            return web.json_response(exc.body(), status=exc.code)
        try:
            status, body = await self.call(bot, name, params, request=request)
        except _DropConnection:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=HTTPStatus.GATEWAY_TIMEOUT)
        return web.json_response(body, status=status)

    async def call(
        self,
        bot: BotRec,
        name: str,
        params: Params,
        *,
        request: web.Request | None = None,
        transport: str = "http",
    ) -> tuple[int, JSONDict]:
        started = time.monotonic()
        key = name.lower()
        try:
            result = await self._execute(bot, key, params)
        except _DropConnection:
            self._log(bot, name, params, 0, "connection dropped (fault)", started, transport)
            if request is None:
                # A webhook reply has no connection to drop; its outcome is ignored anyway.
                return 0, {}
            raise
        except ApiError as exc:
            self._log(bot, name, params, exc.code, exc.description, started, transport)
            return exc.code, exc.body()
        self._log(bot, name, params, 200, None, started, transport)
        return 200, {"ok": True, "result": result}

    async def _execute(self, bot: BotRec, key: str, params: Params) -> Any:
        handler = METHODS.get(key)
        if handler is None:
            raise ApiError(404, "Not Found")
        fault = self.core.faults.take(key, params.get("chat_id"), bot.id)
        if fault is not None:
            await self._apply_fault(fault)
        limited = self._rate_key(key, params)
        # One timestamp for the check and the record: recording when the handler has finished
        # would count a slow upload late and refuse a client that paced itself exactly.
        arrived = time.monotonic()
        if limited is not None:
            retry_after = self.core.limiter.check(bot.id, *limited, arrived)
            if retry_after is not None:
                raise too_many_requests(retry_after)
        try:
            result = handler(self.core, bot, params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError:
            raise
        except Exception as exc:
            # An emulator bug must look like a Telegram hiccup to the bot, and be loud here.
            logger.exception("emulator failure in %s", key)
            raise ApiError(500, "Internal Server Error") from exc
        if limited is not None:
            self.core.limiter.record(bot.id, *limited, arrived)
        return result

    @staticmethod
    def _rate_key(key: str, params: Params) -> tuple[int, bool] | None:
        if key not in COUNTED_METHODS:
            return None
        try:
            chat_id = int(str(params.get("chat_id")))
        except ValueError:
            return None
        return chat_id, chat_id > 0

    async def _apply_fault(self, fault: Fault) -> None:
        if fault.kind == "429":
            raise too_many_requests(fault.retry_after)
        if fault.kind == "5xx":
            raise ApiError(fault.status, HTTPStatus(fault.status).phrase)
        # A hang ends early when the emulator stops, so shutdown never waits for it, or when
        # a test ends it (`end_hangs`) instead of sitting it out.
        ends = [asyncio.ensure_future(self.stopping.wait())]
        ends.append(asyncio.ensure_future(self.core.hangs_end.wait()))
        try:
            await asyncio.wait(ends, timeout=fault.seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for end in ends:
                end.cancel()
        if fault.after_timeout == "close" or self.stopping.is_set():
            raise _DropConnection

    def _log(
        self,
        bot: BotRec,
        name: str,
        params: Params,
        status: int,
        error: str | None,
        started: float,
        transport: str,
    ) -> None:
        text = params.get("text") or params.get("caption")
        chat_id = params.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        self.core.log_call(
            bot_id=bot.id,
            method=name,
            chat_id=chat_id,
            text=None if text is None else str(text)[:100],
            status=status,
            error=error,
            duration_ms=round((time.monotonic() - started) * 1000, 1) if started else 0.0,
            transport=transport,
        )

    async def download(self, request: web.Request) -> web.StreamResponse:
        bot = self.core.bot_for_token(request.match_info["token"])
        if bot is None:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        # Faults with method "download" hit file downloads (which are not Bot API methods).
        fault = self.core.faults.take("download", None, bot.id)
        if fault is not None:
            try:
                await self._apply_fault(fault)
            except ApiError as exc:
                return web.json_response(exc.body(), status=exc.code)
            except _DropConnection:
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=HTTPStatus.GATEWAY_TIMEOUT)
        file_id = self.core.world.file_paths.get(request.match_info["path"])
        if file_id is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=self.core.world.files[file_id].data)
