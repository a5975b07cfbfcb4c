from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage

from domain.outbox import FailureKind
from outbox.telegram import classify

METHOD = SendMessage(chat_id=1, text="x")


def test_a_missing_private_chat_means_an_unreachable_person() -> None:
    missing = TelegramBadRequest(METHOD, "Bad Request: chat not found")
    assert classify(missing, chat_id=42).kind is FailureKind.FORBIDDEN
    # A group that is gone is a configuration problem for a human, reported as failed.
    assert classify(missing, chat_id=-100).kind is FailureKind.BAD_REQUEST


def test_malformed_messages_and_refusals() -> None:
    bad = TelegramBadRequest(METHOD, "Bad Request: can't parse entities")
    assert classify(bad, chat_id=42).kind is FailureKind.BAD_REQUEST
    blocked = TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user")
    assert classify(blocked, chat_id=42).kind is FailureKind.FORBIDDEN


def test_a_revoked_token_is_its_own_kind() -> None:
    revoked = TelegramUnauthorizedError(METHOD, "Unauthorized")
    assert classify(revoked, chat_id=42).kind is FailureKind.UNAUTHORIZED
