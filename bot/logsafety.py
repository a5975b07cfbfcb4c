"""What never reaches a log: the bot's token and other secrets, phone and ID numbers.

Code takes care at the source (errors say where, not what; SQL errors hide their parameters;
unreadable updates are logged by id), and this filter on every handler of the root logger is
the net under it: a library's exception can still carry a URL with the token in it (aiogram's
file download URL is `.../file/bot<token>/...`) or echo a message back.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# A Telegram bot token (`123456789:AA...`), wherever one turns up, configured or not.
_TOKEN = re.compile(r"(?<![0-9])[0-9]{5,16}:[A-Za-z0-9_-]{30,}")
# Mainland mobile numbers and resident ID numbers, not inside a longer run of digits (chat
# ids, timestamps). Logs name people by their Telegram id; these are never needed there.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])")
# 18 digits (the last may be X), and the 15-digit numbers of the first generation.
_ID_NUMBER = re.compile(
    r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])|[1-9][0-9]{14}(?![0-9]))"
)

# Public names for the same patterns: `python -m bot privacy check` scans the database by them.
MOBILE_PATTERN = _MOBILE
ID_NUMBER_PATTERN = _ID_NUMBER

TOKEN_MARK = "<token>"
SECRET_MARK = "<secret>"
MOBILE_MARK = "<phone>"
ID_MARK = "<id-number>"
# Secrets shorter than this are too likely to occur in ordinary text to be replaced blindly.
_SHORTEST_SECRET = 6


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= _SHORTEST_SECRET:
            text = text.replace(secret, SECRET_MARK)
    text = _TOKEN.sub(TOKEN_MARK, text)
    text = _ID_NUMBER.sub(ID_MARK, text)
    return _MOBILE.sub(MOBILE_MARK, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and traceback with `redact` before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if secret)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # A call whose arguments do not fit its format: shown as they are (redacted below)
            # rather than raised in the caller, which logging itself would not do.
            message = f"{record.msg} (arguments: {record.args!r})"
            record.args = None
        cleaned = redact(message, self.secrets)
        if cleaned != message or record.args:
            # Formatted once here: the arguments themselves may hold what must not show.
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def protect_logs(secrets: Iterable[str] = ()) -> None:
    """Put a `RedactingFilter` on every handler of the root logger (set up logging first);
    calling it again replaces the secrets it knows."""
    secrets = tuple(secrets)
    for handler in logging.getLogger().handlers:
        for existing in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(existing)
        handler.addFilter(RedactingFilter(secrets))
