"""One person's slow reply holds up nobody else's update (SQLite: one writer at a time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from storage import Repositories
from tests.e2e.conftest import eventually
from tests.e2e.live import BOT_ID, live_bot
from tests.e2e.test_live_clock import ORG

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SLOW = 700
OTHERS = range(800, 820)


@pytest.mark.parametrize("slowness", ["hangs 10 s", "429 retry_after=8"])
async def test_twenty_people_are_answered_while_one_reply_waits_on_telegram(
    tmp_path: Path, slowness: str
) -> None:
    async with live_bot(tmp_path, ORG, NOW) as bot:
        for user in (SLOW, *OTHERS):
            bot.emu.create_user(f"user{user}", user_id=user)
        if slowness == "hangs 10 s":
            bot.emu.inject_fault(
                "timeout", chat_id=SLOW, method="sendMessage", seconds=10, after_timeout="process"
            )
        else:
            bot.emu.inject_fault("429", chat_id=SLOW, method="sendMessage", retry_after=8)
        # /start of a new person writes (they are registered) before the reply goes out.
        bot.emu.user_sends(SLOW, SLOW, "/start", bot=BOT_ID)
        await eventually(lambda: not bot.emu.faults)  # the slow reply is under way
        for user in OTHERS:
            bot.emu.user_sends(user, user, "/start", bot=BOT_ID)
        await eventually(lambda: all(bot.emu.bot_messages(u, bot=BOT_ID) for u in OTHERS))
        # Everyone else was answered while the slow reply was still waiting.
        assert not bot.emu.bot_messages(SLOW, bot=BOT_ID)
        # Its wait need not be sat out: the hang ends now, or the retry_after passes on the
        # bot's clock.
        if slowness == "hangs 10 s":
            bot.emu.end_hangs()
        else:
            bot.clock.advance(timedelta(seconds=8))
        await bot.settled()
        assert bot.emu.bot_messages(SLOW, bot=BOT_ID)
        async with bot.database.session() as session:
            repos = Repositories(session)
            for user in (SLOW, *OTHERS):
                assert await repos.people.get(user) is not None
