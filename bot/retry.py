"""Retrying the bot's own Bot API requests when Telegram asks it to wait or briefly fails."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

logger = logging.getLogger(__name__)

# A network error after sending leaves it unknown whether Telegram acted; repeating a send would
# risk a duplicate message, so only requests that are safe to repeat are retried on it.
_IDEMPOTENT_PREFIXES = ("get", "set", "delete", "edit", "answer", "pin", "unpin")


class RetryRequestMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        max_attempts: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                delay = float(error.retry_after)
                # A person is waiting for this answer: a long flood wait is better reported
                # as an error than sat out in silence.
                if attempt >= self.max_attempts or delay > self.max_delay:
                    raise
            except TelegramServerError:
                delay = self._backoff(attempt)
                if attempt >= self.max_attempts:
                    raise
            except TelegramNetworkError:
                delay = self._backoff(attempt)
                if attempt >= self.max_attempts or not self._idempotent(method):
                    raise
            logger.warning(
                "%s failed (attempt %d), retrying in %.1fs", method.__api_method__, attempt, delay
            )
            await self.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    @staticmethod
    def _idempotent(method: TelegramMethod[TelegramType]) -> bool:
        return method.__api_method__.startswith(_IDEMPOTENT_PREFIXES)
