"""The in-process harness itself: moving the clock makes the bot act, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.obligations import Obligation, ObligationKind
from domain.org import Language
from services.obligations import open_obligation
from storage import Repositories
from tests.e2e.live import BOT_ID, LiveBot, live_bot
from tests.orgs import EAST, TOWN, Member, org_toml
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=ZONE)
ORG = org_toml(
    [TOWN, EAST],
    [
        Member(501, "李镇长", "town", "supervisor", language="en"),
        Member(601, "张联络", "east", "liaison"),
    ],
)


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


async def test_a_rollup_missed_while_the_bot_was_down_goes_out_when_it_starts(
    tmp_path: Path,
) -> None:
    title = Translator(Language.EN)("rollup-title", unit="城关镇", day="2026-11-23")

    def rollups(bot: LiveBot) -> list[str]:
        # 李镇长 reads English; the title is bold in HTML, plain in the message text.
        plain = title.replace("<b>", "").replace("</b>", "")
        return [t for t in bot.texts(501) if t.startswith(plain)]

    async with live_bot(tmp_path, ORG, DUE - timedelta(hours=8), started=[501]) as bot:
        await bot.settled()  # today's report was opened at start-up
        assert rollups(bot) == []
    # Down over the 17:00 deadline; started again at 17:40: the roll-up goes out then.
    async with live_bot(tmp_path, ORG, DUE + timedelta(minutes=40), started=[501]) as bot:
        await bot.settled()
        [rollup] = rollups(bot)
        assert "东关村" in rollup  # the one unit that owed it, missing
    # A third start the same evening does not send it again.
    async with live_bot(tmp_path, ORG, DUE + timedelta(minutes=50), started=[501]) as bot:
        await bot.settled()
        assert rollups(bot) == []
