"""The sandbox's time machine: moving the demo's clock replays the calendar and the obligation
clock in order, each message stamped with its own simulated time."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.org import Language
from sandbox.timemachine import TimeMachine, TimeMoveError
from storage import Repositories
from tests.e2e.live import BOT_ID, LiveBot, live_bot
from tests.e2e.test_live_clock import ORG  # 李镇长 501 (English) over 东关村's liaison 601
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
DEADLINE = MONDAY.replace(hour=17)


ROLLUP = Translator(Language.EN)("rollup-title", unit="城关镇", day="2026-11-23")
ROLLUP_LINE = ROLLUP.replace("<b>", "").replace("</b>", "")


def machine_of(bot: LiveBot) -> TimeMachine:
    return TimeMachine(bot.clock, bot.app.jobs, bot.app.engine, bot.database)


def local_times(bot: LiveBot, chat: int) -> list[tuple[str, str]]:
    """(HH:MM local, first line) of each message the bot sent to `chat`."""
    return [
        (
            datetime.fromisoformat(m["date_iso"]).astimezone(ZONE).strftime("%H:%M"),
            m["text"].splitlines()[0],
        )
        for m in bot.emu.bot_messages(chat, bot=BOT_ID)
    ]


async def test_moving_time_sends_each_reminder_at_its_own_time(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, MONDAY, started=[501, 601]) as bot:
        await bot.settled()
        machine = machine_of(bot)
        moved = await machine.move_to(DEADLINE - timedelta(minutes=15))
        await bot.settled()
        # Both reminders, as two messages at 16:00 and 16:45, not two at once at the end.
        reminders = local_times(bot, 601)[1:]
        assert reminders == [("16:00", "⏰ 日报告提醒"), ("16:45", "⏰ 日报告即将截止")]
        assert moved.steps == 2
        assert "unit_report_rollup_1700" not in [name for name, _ in moved.jobs]
        assert local_times(bot, 501)[1:] == []  # nothing for the supervisor yet

        moved = await machine.move_to(DEADLINE + timedelta(minutes=1))
        await bot.settled()
        assert ("unit_report_rollup_1700", DEADLINE) in moved.jobs
        assert local_times(bot, 501)[1:] == [("17:00", ROLLUP_LINE)]
        assert local_times(bot, 601)[-1] == ("17:00", "⚠️ 日报告已逾期")
        assert bot.clock.now() >= DEADLINE + timedelta(minutes=1)


async def test_a_move_over_midnight_opens_the_next_day_and_runs_each_job_once_per_stop(
    tmp_path: Path,
) -> None:
    async with live_bot(tmp_path, ORG, DEADLINE + timedelta(hours=2), started=[501, 601]) as bot:
        await bot.settled()
        machine = machine_of(bot)
        tuesday = MONDAY + timedelta(days=1)
        moved = await machine.move_to(tuesday.replace(hour=16))
        await bot.settled()
        names = [name for name, _ in moved.jobs]
        assert ("open_unit_reports", tuesday.replace(hour=0)) in moved.jobs
        # Every five minutes is run at the last of a quiet stretch only, not 250 times.
        assert names.count("expire_drafts") < 60
        async with bot.database.session() as session:
            due = await Repositories(session).obligations.next_action_at()
        assert due is not None
        assert due > tuesday.replace(hour=16)
        assert local_times(bot, 601)[-1] == ("16:00", "⏰ 日报告提醒")
        assert "11-24 17:00" in bot.texts(601)[-1]


async def test_time_only_moves_forward_a_month_at_most_and_one_move_at_a_time(
    tmp_path: Path,
) -> None:
    async with live_bot(tmp_path, ORG, MONDAY, started=[501, 601]) as bot:
        machine = machine_of(bot)
        with pytest.raises(TimeMoveError) as backwards:
            await machine.move_to(MONDAY - timedelta(minutes=1))
        assert backwards.value.code == "backwards"
        with pytest.raises(TimeMoveError) as too_far:
            await machine.move_to(MONDAY + timedelta(days=32))
        assert too_far.value.code == "too_far"
        first = asyncio.create_task(machine.move_to(DEADLINE - timedelta(minutes=15)))
        await asyncio.sleep(0)  # the first move holds the machine now
        with pytest.raises(TimeMoveError) as busy:
            await machine.move_to(DEADLINE)
        assert busy.value.code == "busy"
        await first
        assert bot.clock.now() >= DEADLINE - timedelta(minutes=15)


async def test_when_simulated_time_simply_flows_the_jobs_run_at_their_simulated_times(
    tmp_path: Path,
) -> None:
    async with live_bot(tmp_path, ORG, MONDAY, started=[501, 601]) as bot:
        await bot.settled()
        # Set once the bot runs, so that 17:00 comes while the follower watches (a start-up
        # after the deadline would send the roll-up itself).
        bot.clock.set(DEADLINE - timedelta(seconds=2))
        machine = machine_of(bot)
        # A failing pass (the database locked, say) is retried, not the end of the follower.
        real_next_stop = machine._next_stop
        failures = [RuntimeError("database is locked")]

        async def flaky_next_stop(target: datetime) -> tuple[datetime, list[str]] | None:
            if failures:
                raise failures.pop()
            return await real_next_stop(target)

        machine._next_stop = flaky_next_stop  # type: ignore[method-assign]
        stop = asyncio.Event()
        follower = asyncio.create_task(machine.follow(stop))
        try:
            for _ in range(100):  # real seconds pass; 17:00 comes two of them later
                if len(bot.texts(501)) > 1:
                    break
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await follower
        await bot.settled()
        assert local_times(bot, 501)[1:] == [("17:00", ROLLUP_LINE)]
