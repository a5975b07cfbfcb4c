"""Time is an argument: what needs the current time takes a `Clock` (bot/clock.py has the
real one and the adjustable one of the sandbox and tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...
