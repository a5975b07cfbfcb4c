"""The report board on the demo organisation (sandbox/demo_org.toml), against the emulator:
the township's work group (城关镇联络员工作群) and the county's supervisors group get their
subtree's board with the first reminder, see it edited in place as reports arrive, and closed
at the deadline; the supervisors group gets the county's roll-up too. Before the boards, both
groups heard nothing but their /bind confirmation all day (issue 17, defect 1)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.org import Language
from scheduler.actions import rollup_job_name
from scheduler.boards import board_job_name
from tests.e2e.live import LiveBot, live_bot
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO_ORG = (ROOT / "sandbox" / "demo_org.toml").read_text("utf-8")
ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
ZH = Translator(Language.ZH_CN)
SUPERVISORS_GROUP, WORK_GROUP = -1001000000001, -1001000000002
COUNTY_HEAD, TOWN_HEAD = 1001, 1002
DONGGUAN_LIAISON, NANJIE_LIAISON = 2001, 2003
POST = board_job_name(time(16, 0))  # the first reminder of a 17:00 deadline, at -60m
ROLLUP = rollup_job_name(time(17, 0))


def plain(html: str) -> str:
    """A text as the emulator shows it: the HTML's tags parsed away."""
    return re.sub(r"<[^>]+>", "", html)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=ZONE)


async def register(bot: LiveBot) -> None:
    for person in (COUNTY_HEAD, TOWN_HEAD, DONGGUAN_LIAISON, NANJIE_LIAISON):
        bot.emu.create_user(f"user{person}", user_id=person, language_code="zh")
        await bot.say(person, "/start")
    for chat, title, members in (
        (SUPERVISORS_GROUP, "示范县防控负责人群", [COUNTY_HEAD, TOWN_HEAD]),
        (WORK_GROUP, "城关镇联络员工作群", [TOWN_HEAD, DONGGUAN_LIAISON, NANJIE_LIAISON]),
    ):
        bot.emu.create_group(title, chat_id=chat, member_ids=members)
        bot.emu.add_bot_to_group(chat)


async def file_zero(bot: LiveBot, liaison: int) -> None:
    await bot.say(liaison, "/zero")
    await bot.press(liaison, bot.last(liaison), ZH("report-button-zero-confirm"))
    assert ZH("report-what-zero") in bot.last(liaison)["text"]


async def test_the_board_is_posted_edited_and_closed(tmp_path: Path) -> None:
    async with live_bot(tmp_path, DEMO_ORG, at(9)) as bot:
        await register(bot)
        # 10:00 东关村 files a zero report; nothing is posted in the groups yet.
        bot.clock.set(at(10))
        await file_zero(bot, DONGGUAN_LIAISON)
        assert bot.texts(WORK_GROUP) == []

        # 16:00, with the first reminder: the board in both groups.
        await bot.at(at(16), jobs=[POST])
        [board] = bot.emu.bot_messages(WORK_GROUP)
        text = board["text"]
        assert "城关镇" in text
        assert ZH("board-line-zero", unit="东关村") in text
        assert ZH("board-line-pending", unit="南街社区") in text
        assert "柳林村" not in text  # 河西街道's: not this township's subtree
        assert "张联络" not in text  # no personal data on a board
        [county] = bot.texts(SUPERVISORS_GROUP)
        assert "\n" + plain(ZH("board-parent", parent="河西街道")) + "\n" in county
        assert ZH("board-line-pending", unit="柳林村") in county

        # 16:10 南街社区 files: the same message is edited, nothing new is posted.
        bot.clock.set(at(16, 10))
        await file_zero(bot, NANJIE_LIAISON)
        assert bot.app.boards is not None
        await bot.app.boards.run_due()  # the refresher, woken by the filing, may be first
        await bot.settled()
        [edited] = bot.emu.bot_messages(WORK_GROUP)
        assert edited["message_id"] == board["message_id"]
        assert ZH("board-line-zero", unit="南街社区") in edited["text"]
        assert bot.emu.api_calls("editMessageText")

        # 17:00, the deadline: both boards closed; the county's roll-up in the supervisors
        # group; the work group gets no new message.
        await bot.at(at(17), jobs=[ROLLUP])
        [closed] = bot.emu.bot_messages(WORK_GROUP)
        assert plain(ZH("board-title-closed", unit="城关镇", day=DAY.isoformat())) in closed["text"]
        assert ZH("board-closed-note") in closed["text"]
        county_board, *rollup = bot.texts(SUPERVISORS_GROUP)
        assert ZH("board-line-missing", unit="柳林村") in county_board
        assert (
            plain(ZH("rollup-title", unit="示范县疫情防控办公室", day=DAY.isoformat())) in rollup[0]
        )
