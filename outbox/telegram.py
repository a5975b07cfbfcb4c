"""Between outbox rows and the Bot API: markup from stored JSON, errors into failure kinds."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import ForceReply, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from aiohttp import ClientConnectorError
from pydantic import ValidationError

from domain.outbox import Failure, FailureKind


class UnreadableResponse(ValueError):
    """A Bot API answer aiogram could not read; says where, never what (it may echo texts)."""


class UnreadableAnswer(ClientDecodeError):
    """aiogram could not read the answer. `succeeded`: Telegram said ok with status 200, so
    what was asked was done (a message was sent) although its result cannot be read."""

    def __init__(self, message: str, reason: UnreadableResponse, *, succeeded: bool) -> None:
        super().__init__(message, reason, "(withheld)")
        self.succeeded = succeeded


Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


def reply_markup(data: dict[str, Any] | None) -> Markup | None:
    """The stored JSON as aiogram's type; a wrong shape raises pydantic's ValidationError."""
    if data is None:
        return None
    if "keyboard" in data:
        return ReplyKeyboardMarkup.model_validate(data)
    if "remove_keyboard" in data:
        return ReplyKeyboardRemove.model_validate(data)
    if "force_reply" in data:
        return ForceReply.model_validate(data)
    return InlineKeyboardMarkup.model_validate(data)


def inline_markup(data: dict[str, Any] | None) -> InlineKeyboardMarkup | None:
    """A stored inline keyboard, as an edit takes it; None takes the keyboard away."""
    return None if data is None else InlineKeyboardMarkup.model_validate(data)


def unchanged(error: Exception) -> bool:
    """Telegram refused an edit because the message is already as asked."""
    return isinstance(error, TelegramBadRequest) and "message is not modified" in str(
        getattr(error, "message", "") or error
    )


def classify(error: Exception, chat_id: int = 0) -> Failure:
    """Turn what aiogram raised into the domain's kinds of failure."""
    text = str(getattr(error, "message", "") or error)[:500]
    if chat_id > 0 and isinstance(error, TelegramBadRequest) and "chat not found" in text.lower():
        # A private chat that does not exist (a deleted account): the person is unreachable,
        # which a human must hear about, rather than a malformed message.
        return Failure(FailureKind.FORBIDDEN, text)
    match error:
        case TelegramRetryAfter():
            return Failure(FailureKind.RETRY_AFTER, text, retry_after=float(error.retry_after))
        case TelegramMigrateToChat():
            return Failure(FailureKind.MIGRATED, text, new_chat_id=error.migrate_to_chat_id)
        case TelegramForbiddenError():
            return Failure(FailureKind.FORBIDDEN, text)
        case TelegramUnauthorizedError():
            return Failure(FailureKind.UNAUTHORIZED, text)
        case TelegramBadRequest() | TelegramNotFound() | ValidationError() | ValueError():
            return Failure(FailureKind.BAD_REQUEST, text)
        case TelegramNetworkError() if isinstance(error.__cause__, ClientConnectorError):
            return Failure(FailureKind.NETWORK_ERROR, text)  # no connection: nothing went out
        case TelegramNetworkError():
            # aiogram raises it from the timeout or the dropped connection: the request was
            # on its way, and Telegram may have delivered the message.
            return Failure(FailureKind.UNKNOWN_OUTCOME, text)
        case _:  # 5xx, and anything unexpected: retried, but only up to the cap
            return Failure(FailureKind.SERVER_ERROR, text)
