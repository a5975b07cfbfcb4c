"""The in-process harness itself: moving the clock makes the bot act, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.obligations import Obligation, ObligationKind
from services.obligations import open_obligation
from storage import Repositories
from tests.e2e.live import BOT_ID, live_bot

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=ZONE)
ORG = """
[[unit]]
code = "town"
name = "城关镇"
kind = "township"
[[unit]]
code = "east"
name = "东关村"
kind = "village"
parent = "town"
[[member]]
telegram_id = 501
name = "李镇长"
unit = "town"
role = "supervisor"
language = "en"
[[member]]
telegram_id = 601
name = "张联络"
unit = "east"
role = "liaison"
"""


async def test_moving_the_clock_sends_each_step_when_due(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, DUE - timedelta(hours=3)) as bot:
        for person in (501, 601):
            bot.emu.create_user(f"user{person}", user_id=person)
            await bot.say(person, "/start")
        async with bot.database.transaction() as session:
            report = Obligation(ObligationKind.UNIT_REPORT, "east", "d", "east", "east", DUE)
            policy = bot.app.dispatcher["policy"]
            await open_obligation(Repositories(session), policy, report, now=bot.clock.now())
        await bot.at(DUE - timedelta(minutes=61))
        assert not any("东关村" in t for t in bot.texts(601))
        await bot.at(DUE - timedelta(minutes=60))
        assert "东关村" in bot.texts(601)[-1]
        await bot.at(DUE + timedelta(minutes=30))
        escalation = bot.last(501)
        assert "东关村" in escalation["text"]
        assert escalation["from"]["id"] == BOT_ID
