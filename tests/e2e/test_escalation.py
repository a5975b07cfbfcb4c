"""The clock inside the running bot: a step reaches its people through Telegram's faults, and
a person Telegram refuses (403) becomes an escalation to a human.

The whole bot runs in this process (tests/e2e/live.py) on the test's clock, so the deadline
is reached by moving the clock, not by waiting for it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.obligations import Obligation, ObligationKind
from sandbox.emulator import Emulator
from services.obligations import EscalationPolicy, open_obligation
from storage import Repositories
from tests.e2e.conftest import ADMIN_ID, ORG, eventually
from tests.e2e.live import BOT_ID, live_bot

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
LIAISON, DEPUTY, TOWNSHIP = 2001, 2002, 1002  # 东关村's liaison and deputy; 城关镇's head
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
CONFIG = {
    "admins": {"telegram_ids": [ADMIN_ID]},
    # Quiet hours off, so that the steps go out when due, whatever the time of day.
    "quiet_hours": {"start": "00:00", "end": "00:00"},
}


def people(emulator: Emulator) -> None:
    # The liaison never started the bot, so Telegram refuses to write to them.
    emulator.create_user("张联络", user_id=LIAISON)
    for person in (DEPUTY, TOWNSHIP):
        emulator.create_user(f"user{person}", user_id=person)
        emulator.user_sends(person, person, "/start", bot=BOT_ID)


async def test_a_403_becomes_an_escalation_and_faults_do_not_lose_or_double_a_step(
    tmp_path: Path,
) -> None:
    org = ORG.read_text("utf-8")
    async with live_bot(tmp_path, org, NOW, CONFIG, before_start=people) as bot:
        emulator = bot.emu

        def about_the_liaison(chat: int) -> list[str]:
            texts = [m["text"] for m in emulator.bot_messages(chat, bot=BOT_ID)]
            return [text for text in texts if "张联络" in text]

        await bot.settled()  # the /start answers have gone out
        # The deputy's chat answers 429 once, then 502 once: the late notice must still
        # arrive exactly once.
        emulator.inject_fault(
            "429", chat_id=DEPUTY, method="sendMessage", retry_after=1, bot=BOT_ID
        )
        emulator.inject_fault("5xx", chat_id=DEPUTY, method="sendMessage", status=502, bot=BOT_ID)
        now = bot.clock.now()
        due = now + timedelta(seconds=15)  # both reminders are already due; the deadline soon
        calendar = WorkCalendar.of(ZONE, quiet=None)
        policy = EscalationPolicy(DEFAULT_CHAIN_BOOK, calendar)
        report = Obligation(
            ObligationKind.UNIT_REPORT, "dongguan", "e2e", "dongguan", "dongguan", due
        )
        async with bot.database.transaction() as session:
            await open_obligation(Repositories(session), policy, report, now=now)

        # The reminder to the liaison is refused: their township head is asked to call them.
        await bot.at(now)
        await eventually(lambda: about_the_liaison(TOWNSHIP), within=40)
        # At the deadline the deputy hears it, also on the liaison's behalf.
        await bot.at(due)
        await eventually(lambda: about_the_liaison(DEPUTY), within=60)
        async with bot.database.session() as session:
            assert await Repositories(session).people.unreachable(LIAISON) is not None
    [late] = about_the_liaison(DEPUTY)  # once, through a 429 and a 502
    assert "东关村" in late
    to_liaison = [
        c for c in emulator.api_calls("sendMessage", bot=BOT_ID) if c["chat_id"] == LIAISON
    ]
    # Tried once and refused; the late notice then went to the cover instead of the wall.
    assert [c["status"] for c in to_liaison] == [403]
    assert emulator.count_status(429, "sendMessage") >= 1
    assert len(about_the_liaison(TOWNSHIP)) == 1
    # The faults hit the late notice itself (they are set after the /start answers).
    to_deputy = [
        c["status"]
        for c in emulator.api_calls("sendMessage", bot=BOT_ID)
        if c["chat_id"] == DEPUTY and "张联络" in c["text"]
    ]
    assert to_deputy == [429, 502, 200]
