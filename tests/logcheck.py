"""No log line of the suite may hold a phone or ID number (issue: privacy of health and
identity data). The bot's own processes filter their logs (bot.logsafety), but code must take
care at the source: in-process tests check the records before any filter, and the logs of
the bot processes the end-to-end tests start are checked as written.

Levels are the production ones: INFO and above (bot.cli configures INFO).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.logsafety import ID_NUMBER_PATTERN, MOBILE_PATTERN

PATTERNS = (MOBILE_PATTERN, ID_NUMBER_PATTERN)


def personal_numbers(text: str) -> list[str]:
    """The phone and ID numbers in `text`."""
    return [match.group(0) for pattern in PATTERNS for match in pattern.finditer(text)]


def offending_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if personal_numbers(line)]


class PersonalDataCatcher(logging.Handler):
    """Keeps every record whose message, traceback or stack holds a phone or ID number."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.found: list[str] = []
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args!r}"
        parts = [message]
        if record.exc_info:
            parts.append(self._formatter.formatException(record.exc_info))
        if record.stack_info:
            parts.append(record.stack_info)
        text = "\n".join(parts)
        if personal_numbers(text):
            self.found.append(f"{record.name} {record.levelname}: {text}")


@contextmanager
def catching_personal_data() -> Iterator[PersonalDataCatcher]:
    """Catch what the root logger gets at INFO and above while the block runs."""
    catcher = PersonalDataCatcher()
    root = logging.getLogger()
    level = root.level
    root.addHandler(catcher)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    try:
        yield catcher
    finally:
        root.removeHandler(catcher)
        root.setLevel(level)


def assert_no_personal_data(found: list[str], where: str) -> None:
    assert not found, f"phone or ID numbers in {where}:\n" + "\n".join(found[:10])


def check_log_file(path: Path) -> None:
    if path.exists():
        lines = offending_lines(path.read_text("utf-8", errors="replace"))
        assert_no_personal_data(lines, f"the log {path.name}")
