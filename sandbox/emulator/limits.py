"""Rate limiting (Telegram's flood control) and fault injection.

Rate limits use a sliding window per key: at most N counted calls in any W seconds, where N and
W come from the configured rate (30/s global per bot, 1/s per private chat, 20/min per group,
all multiplied by ``scale``). A client pacing itself at the rate never exceeds N per window; a
client 10 % faster exceeds it within the first window. A small slack (2 % of the window, at
most 250 ms) absorbs scheduling jitter of a client that sleeps exactly the interval.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# Only calls that create messages count. Edits are left out on purpose: a button press that
# edits a keyboard and then answers would otherwise exceed 1/s in a private chat at once,
# which Telegram's soft per-chat limit tolerates in practice.
COUNTED_METHODS = frozenset(
    {"sendmessage", "senddocument", "sendphoto", "copymessage", "forwardmessage"}
)

FaultKind = Literal["429", "5xx", "timeout"]


@dataclass
class RateLimitConfig:
    enabled: bool = False
    global_per_s: float = 30.0
    private_per_s: float = 1.0
    group_per_min: float = 20.0
    scale: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _window(per_base: float, base: float) -> tuple[int, float]:
    """(max calls, window seconds) for ``per_base`` calls per ``base`` seconds (count ≥ 1)."""
    count = max(1, math.floor(per_base + 1e-9))
    return count, base * count / per_base


class RateLimiter:
    def __init__(self) -> None:
        self.config = RateLimitConfig()
        self._hits: dict[tuple[str, int, int], deque[float]] = {}
        self.rejected = 0
        self.rejected_by_scope: dict[str, int] = {"global": 0, "private": 0, "group": 0}

    def configure(self, **changes: Any) -> RateLimitConfig:
        for key, value in changes.items():
            if value is None:
                continue
            if not hasattr(self.config, key):
                raise ValueError(f"unknown rate limit setting {key!r}")
            setattr(self.config, key, bool(value) if key == "enabled" else float(value))
        for key in ("global_per_s", "private_per_s", "group_per_min", "scale"):
            if getattr(self.config, key) <= 0:
                raise ValueError(f"{key} must be positive")
        self._hits.clear()
        return self.config

    def _limits(
        self, bot_id: int, chat_id: int, private: bool
    ) -> list[tuple[str, int, int, float]]:
        cfg = self.config
        if private:
            chat = ("private", *_window(cfg.private_per_s * cfg.scale, 1.0))
        else:
            chat = ("group", *_window(cfg.group_per_min * cfg.scale, 60.0))
        return [
            ("global", bot_id, *_window(cfg.global_per_s * cfg.scale, 1.0)),
            (chat[0], chat_id, chat[1], chat[2]),
        ]

    def check(self, bot_id: int, chat_id: int, private: bool, now: float) -> int | None:
        """Seconds to wait (Telegram's whole-second retry_after) or None when allowed."""
        if not self.config.enabled:
            return None
        wait = 0.0
        blocking_scope = ""
        for scope, key, count, window in self._limits(bot_id, chat_id, private):
            hits = self._hits.get((scope, bot_id, key))
            if hits is None:
                continue
            horizon = now - window + min(0.02 * window, 0.25)
            while hits and hits[0] <= horizon:
                hits.popleft()
            if len(hits) >= count:
                scope_wait = hits[len(hits) - count] - horizon
                if scope_wait > wait:
                    wait, blocking_scope = scope_wait, scope
        if not blocking_scope:
            return None
        self.rejected += 1
        self.rejected_by_scope[blocking_scope] += 1
        return max(1, math.ceil(wait))

    def record(self, bot_id: int, chat_id: int, private: bool, now: float) -> None:
        if not self.config.enabled:
            return
        for scope, key, _count, _window_s in self._limits(bot_id, chat_id, private):
            self._hits.setdefault((scope, bot_id, key), deque()).append(now)

    def stats(self) -> dict[str, Any]:
        return {"rejected": self.rejected, "by_scope": dict(self.rejected_by_scope)}


@dataclass
class Fault:
    id: int
    kind: FaultKind
    remaining: int
    method: str | None = None
    chat_id: str | None = None
    bot_id: int | None = None
    retry_after: int = 1
    status: int = 500
    seconds: float = 5.0
    # After a timeout: "close" drops the call unprocessed, "process" performs it late, so the
    # client has timed out although the message was sent (the duplicate-send scenario).
    after_timeout: Literal["close", "process"] = "close"
    fired: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FaultInjector:
    faults: list[Fault] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(
        self,
        kind: FaultKind,
        *,
        count: int = 1,
        method: str | None = None,
        chat_id: int | str | None = None,
        bot_id: int | None = None,
        retry_after: int = 1,
        status: int = 500,
        seconds: float = 5.0,
        after_timeout: Literal["close", "process"] = "close",
    ) -> Fault:
        if kind not in ("429", "5xx", "timeout"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if kind == "5xx" and not 500 <= status <= 599:
            raise ValueError("status must be a 5xx code")
        if after_timeout not in ("close", "process"):
            raise ValueError("after_timeout must be 'close' or 'process'")
        fault = Fault(
            id=next(self._ids),
            kind=kind,
            remaining=max(1, count),
            method=method.lower() if method else None,
            chat_id=None if chat_id is None else str(chat_id),
            bot_id=bot_id,
            retry_after=max(1, retry_after),
            status=status,
            seconds=seconds,
            after_timeout=after_timeout,
        )
        self.faults.append(fault)
        return fault

    def take(self, method: str, chat_id: int | str | None, bot_id: int) -> Fault | None:
        for fault in self.faults:
            if fault.method is not None and fault.method != method:
                continue
            if fault.chat_id is not None and fault.chat_id != str(chat_id):
                continue
            if fault.bot_id is not None and fault.bot_id != bot_id:
                continue
            fault.remaining -= 1
            fault.fired += 1
            if fault.remaining <= 0:
                self.faults.remove(fault)
            return fault
        return None

    def clear(self) -> None:
        self.faults.clear()
