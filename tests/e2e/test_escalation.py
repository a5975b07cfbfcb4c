"""The clock inside the real bot process: a step reaches its people through Telegram's faults,
and a person Telegram refuses (403) becomes an escalation to a human."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import SystemClock
from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.obligations import Obligation, ObligationKind
from sandbox.emulator import Emulator
from services.obligations import EscalationPolicy, open_obligation
from storage import Database, Repositories
from tests.e2e.conftest import BOT_ID, BotProcess, eventually

pytestmark = pytest.mark.e2e

LIAISON, DEPUTY, TOWNSHIP = 2001, 2002, 1002  # 东关村's liaison and deputy; 城关镇's head
# Quiet hours off, so the run does not depend on the time of day it happens at.
NO_QUIET_HOURS = '[quiet_hours]\nstart = "00:00"\nend = "00:00"\n'


async def test_a_403_becomes_an_escalation_and_faults_do_not_lose_or_double_a_step(
    emulator: Emulator, bot_process: BotProcess
) -> None:
    # The liaison never started the bot, so Telegram refuses to write to them.
    emulator.create_user("张联络", user_id=LIAISON)
    for person in (DEPUTY, TOWNSHIP):
        emulator.create_user(f"user{person}", user_id=person)
        emulator.user_sends(person, person, "/start", bot=BOT_ID)
    # The deputy's chat answers 429 once, then 502 once: the late notice must still arrive
    # exactly once.
    emulator.inject_fault("429", chat_id=DEPUTY, method="sendMessage", retry_after=1, bot=BOT_ID)
    emulator.inject_fault("5xx", chat_id=DEPUTY, method="sendMessage", status=502, bot=BOT_ID)
    bot_process.config.write_text(bot_process.config.read_text("utf-8") + NO_QUIET_HOURS, "utf-8")

    def about_the_liaison(chat: int) -> list[str]:
        texts = [m["text"] for m in emulator.bot_messages(chat, bot=BOT_ID)]
        return [text for text in texts if "张联络" in text]

    database = Database.connect(bot_process.env["DATABASE_URL"])
    await bot_process.start()
    try:
        now = SystemClock().now()
        due = now + timedelta(seconds=15)  # both reminders are already due; the deadline soon
        calendar = WorkCalendar.of(ZoneInfo("Asia/Shanghai"), quiet=None)
        policy = EscalationPolicy(DEFAULT_CHAIN_BOOK, calendar)
        report = Obligation(
            ObligationKind.UNIT_REPORT, "dongguan", "e2e", "dongguan", "dongguan", due
        )
        async with database.transaction() as session:
            await open_obligation(Repositories(session), policy, report, now=now)

        # The reminder to the liaison is refused: their township head is asked to call them.
        await eventually(lambda: about_the_liaison(TOWNSHIP), within=40)
        # At the deadline the deputy hears it, also on the liaison's behalf.
        await eventually(lambda: about_the_liaison(DEPUTY), within=60)
        async with database.session() as session:
            assert await Repositories(session).people.unreachable(LIAISON) is not None
    finally:
        await bot_process.stop()
        await database.dispose()
    [late] = about_the_liaison(DEPUTY)  # once, through a 429 and a 502
    assert "东关村" in late
    to_liaison = [
        c for c in emulator.api_calls("sendMessage", bot=BOT_ID) if c["chat_id"] == LIAISON
    ]
    # Tried once and refused; the late notice then went to the cover instead of the wall.
    assert [c["status"] for c in to_liaison] == [403]
    assert emulator.count_status(429, "sendMessage") >= 1
    assert len(about_the_liaison(TOWNSHIP)) == 1
