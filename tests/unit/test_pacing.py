"""Pacing: the window guard counts unanswered requests, 429s pause a chat or everyone."""

from __future__ import annotations

import asyncio

from outbox.pacing import Pacer, WindowGuard


async def test_guard_admits_count_then_waits_until_answers_leave_the_window() -> None:
    loop = asyncio.get_running_loop()
    guard = WindowGuard(2, 0.2, loop.time)
    await guard.admit()
    await guard.admit()
    third = asyncio.create_task(guard.admit())
    await asyncio.sleep(0.05)
    assert not third.done()  # both unanswered: they may still arrive inside the window
    answered_at = loop.time()
    guard.answered()
    await asyncio.wait_for(third, 1)
    # The answer counts as an arrival at answer time, so the third waits a whole window.
    assert loop.time() - answered_at >= 0.19


async def test_pacer_spaces_one_chat_but_not_different_chats() -> None:
    loop = asyncio.get_running_loop()
    pacer = Pacer(global_per_s=1000, private_per_s=20, group_per_min=600, headroom=0.0)
    start = loop.time()
    for chat in (1, 2, 3, -4):
        await pacer.acquire(chat)
        pacer.answered()
    assert loop.time() - start < 0.1  # not 0.15: different chats are not spaced
    assert pacer.chat_wait(1) > 0
    assert pacer.chat_wait(99) == 0
    await pacer.acquire(1)
    pacer.answered()
    assert loop.time() - start >= 0.045  # 20/s in one private chat
    assert pacer.interval(-4) == 0.1


async def test_a_429_pauses_the_chat_and_two_chats_pause_everyone() -> None:
    times = [100.0]
    pacer = Pacer(
        global_per_s=30, private_per_s=1, group_per_min=20, headroom=0.0, time=lambda: times[0]
    )
    pacer.pause(1, 5)
    assert pacer.chat_wait(1) == 5
    assert pacer.chat_wait(2) == 0
    times[0] = 100.5
    pacer.pause(2, 3)  # another chat within a second: the bot as a whole is over its limit
    assert pacer.chat_wait(7) == 3
    times[0] = 104.0
    pacer.forget_idle(set())
    assert pacer.chat_wait(1) == 1
    assert pacer.chat_wait(7) == 0
