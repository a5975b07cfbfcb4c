"""Flood control and fault injection."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError

from sandbox.emulator import Emulator
from sandbox.emulator.limits import RateLimiter

from .conftest import TOKEN

User = dict[str, Any]


def run_paced(limiter: RateLimiter, interval: float, count: int, chat_id: int) -> int:
    """Send ``count`` calls ``interval`` seconds apart (synthetic time); return rejections."""
    rejected = 0
    for i in range(count):
        now = 1000.0 + i * interval
        if limiter.check(1, chat_id, chat_id > 0, now) is None:
            limiter.record(1, chat_id, chat_id > 0, now)
        else:
            rejected += 1
    return rejected


@pytest.mark.parametrize(
    ("scope_chat", "rate_per_s"),
    [(42, 1.0), (-100123, 20 / 60), (42, 10.0)],
)
def test_sliding_window_is_exact_at_the_limit_and_strict_above(
    scope_chat: int, rate_per_s: float
) -> None:
    limiter = RateLimiter()
    scale = 10.0 if rate_per_s == 10.0 else 1.0
    limiter.configure(enabled=True, scale=scale)
    interval = 1 / rate_per_s
    assert run_paced(limiter, interval, 200, scope_chat) == 0
    limiter.configure(enabled=True, scale=scale)
    assert run_paced(limiter, interval / 1.1, 200, scope_chat) > 0


def test_bursts_up_to_the_window_count_are_allowed() -> None:
    limiter = RateLimiter()
    limiter.configure(enabled=True)
    # 20 messages at once to a group is within "20 per minute"; the 21st must wait ~60 s.
    assert run_paced(limiter, 0.0, 20, -100) == 0
    retry = limiter.check(1, -100, False, 1000.0)
    assert retry is not None
    assert 58 <= retry <= 60
    # The global limit (30/s) spans chats.
    limiter.configure(enabled=True)
    for chat in range(30):
        assert limiter.check(1, 1000 + chat, True, 5.0) is None
        limiter.record(1, 1000 + chat, True, 5.0)
    assert limiter.check(1, 2000, True, 5.0) == 1
    assert limiter.stats()["by_scope"]["global"] == 1


def test_limits_are_off_by_default() -> None:
    limiter = RateLimiter()
    assert run_paced(limiter, 0.0, 100, 42) == 0


async def test_paced_client_never_hits_the_limit(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.set_rate_limits(private_per_s=1, scale=20)  # 20 messages per second per private chat
    for i in range(30):
        await bot.send_message(alice["id"], f"m{i}")
        await asyncio.sleep(1 / 20)
    assert emu.rate_limited_count == 0
    assert len(emu.bot_messages(alice["id"])) == 30


async def test_burst_far_over_the_limit_gets_429(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.set_rate_limits(private_per_s=1, scale=20)
    results = await asyncio.gather(
        *(bot.send_message(alice["id"], f"m{i}") for i in range(25)), return_exceptions=True
    )
    errors = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert len(errors) == 5
    assert emu.rate_limited_count == 5
    assert {e.retry_after for e in errors} == {1}
    assert "Original description: Too Many Requests: retry after 1" in errors[0].message
    assert len(emu.bot_messages(alice["id"])) == 20


async def test_group_limit_answers_with_a_long_retry_after(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    group = emu.create_group("G", member_ids=[alice["id"]])
    emu.add_bot_to_group(group["id"])
    emu.set_rate_limits()
    for i in range(20):
        await bot.send_message(group["id"], f"g{i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(group["id"], "one too many")
    assert 55 <= info.value.retry_after <= 60
    # Other chats are unaffected; turning limits off lifts them at once.
    await bot.send_message(alice["id"], "private is fine")
    emu.set_rate_limits(enabled=False)
    await bot.send_message(group["id"], "limits off")


async def test_injected_429_and_5xx(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.inject_fault("429", count=1, method="sendMessage", retry_after=7)
    emu.inject_fault("5xx", count=2, method="sendMessage", status=502)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(alice["id"], "a")
    assert info.value.retry_after == 7
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(alice["id"], "b")
    await bot.send_message(alice["id"], "c")
    assert [m["text"] for m in emu.bot_messages(alice["id"])] == ["c"]
    assert emu.faults == []
    assert [e["status"] for e in emu.api_calls("sendMessage")] == [429, 502, 502, 200]
    assert emu.rate_limited_count == 0  # injected faults are not flood control
    assert emu.count_status(429) == 1
    assert emu.count_status(502, "sendMessage") == 2


async def test_fault_filters_by_method_and_chat(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.inject_fault("5xx", method="sendMessage", chat_id=alice["id"] + 1)
    await bot.get_me()
    await bot.send_message(alice["id"], "unaffected")
    assert len(emu.faults) == 1


async def test_timeout_fault_closed_without_processing(
    emu: Emulator, http: aiohttp.ClientSession, alice: User
) -> None:
    emu.inject_fault("timeout", method="sendMessage", seconds=0.3)
    started = time.monotonic()
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await http.post(
            f"{emu.base_url}/bot{TOKEN}/sendMessage", json={"chat_id": alice["id"], "text": "x"}
        )
    assert time.monotonic() - started >= 0.3
    assert emu.bot_messages(alice["id"]) == []


async def test_timeout_fault_processed_late_makes_a_duplicate_risk(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.inject_fault("timeout", method="sendMessage", seconds=1.2, after_timeout="process")
    with pytest.raises(TelegramNetworkError, match="Request timeout error"):
        await bot.send_message(alice["id"], "发送了吗？", request_timeout=1)
    # The client gave up, but Telegram sent the message anyway.
    message = await emu.wait_for_message(alice["id"], timeout=2)
    assert message["text"] == "发送了吗？"


async def test_a_hang_ended_by_the_test_goes_on_at_once(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.inject_fault("timeout", method="sendMessage", seconds=30, after_timeout="process")
    started = time.monotonic()
    send = asyncio.create_task(bot.send_message(alice["id"], "终于"))
    await asyncio.sleep(0.2)
    assert not send.done()
    emu.end_hangs()
    sent = await asyncio.wait_for(send, 5)
    assert sent.text == "终于"
    assert time.monotonic() - started < 5
