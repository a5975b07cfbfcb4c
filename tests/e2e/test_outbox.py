"""The outbox sender inside the real bot process: a kill -9 in the middle loses nothing."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from bot.clock import SystemClock
from domain.outbox import OutboxMessage
from sandbox.emulator import Emulator
from storage import Database, Repositories
from tests.e2e.conftest import BOT_ID, BotProcess, eventually

pytestmark = pytest.mark.e2e

COUNT = 60
# Messages Telegram may have accepted whose confirmation the kill prevented from being
# committed; at most what was on the wire plus one batch of outcomes being written.
IN_FLIGHT_BOUND = 32


def _delivered(emulator: Emulator, users: list[int]) -> Counter[str]:
    return Counter(
        m["text"]
        for user in users
        for m in emulator.bot_messages(user, bot=BOT_ID)
        if m["text"].startswith("outbox-e2e-")
    )


async def test_a_killed_and_restarted_bot_delivers_every_unsent_message(
    emulator: Emulator, bot_process: BotProcess
) -> None:
    users = []
    for n in range(COUNT):
        user = emulator.create_user(f"u{n}", user_id=30_000 + n)
        users.append(user["id"])
        emulator.user_sends(user["id"], user["id"], "hi", bot=BOT_ID)
    emulator.core.queue(BOT_ID).drop_pending()
    database = Database.connect(bot_process.env["DATABASE_URL"])
    clock = SystemClock()
    try:
        async with database.transaction() as session:
            for user in users:
                key = f"outbox-e2e-{user}"
                message = OutboxMessage(key, user, key, not_before=clock.now(), recipient_id=user)
                await Repositories(session).outbox.enqueue(message, now=clock.now())
        # 5 messages a second at first, so that the kill lands in the middle.
        config = bot_process.config.read_text("utf-8")
        bot_process.config.write_text(config + "\n[outbox]\nglobal_per_s = 5\n", "utf-8")
        await bot_process.start()
        await eventually(lambda: sum(_delivered(emulator, users).values()) >= 10)
        await bot_process.kill()
        before = _delivered(emulator, users)
        assert sum(before.values()) < COUNT
        bot_process.config.write_text(config, "utf-8")
        await bot_process.start()

        for _ in range(600):
            async with database.session() as session:
                if await Repositories(session).outbox.pending_count() == 0:
                    break
            await asyncio.sleep(0.1)
        await bot_process.stop()
    finally:
        await database.dispose()
    delivered = _delivered(emulator, users)
    assert set(delivered) == {f"outbox-e2e-{user}" for user in users}
    # Everything Telegram had not received before the kill arrives exactly once. Only a
    # message whose answer the kill cut off (delivered, but never recorded as sent) can come
    # twice: Telegram has no idempotency key, so no sender can rule that out.
    unsent = set(delivered) - set(before)
    assert unsent
    assert all(delivered[text] == 1 for text in unsent)
    duplicates = sum(count - 1 for count in delivered.values())
    assert duplicates <= IN_FLIGHT_BOUND
