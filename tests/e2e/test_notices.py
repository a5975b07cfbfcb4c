"""Issue 18's "Done when", on the demo organisation against the emulator, with the clock moved
by the test: 王主任 composes the masks template through /notice for the whole county, to the
liaisons and the residents groups, confirmed by 18:00.

- 张联络 (东关村) confirms, undoes within five minutes and confirms again;
- 周老师 (示范县第一中学, English) gets the notice in English and confirms;
- 黄联络 (滨河社区) asks a question, which 王主任 answers from the bot;
- 刘联络 (南街社区) never started the bot: her unit's tracker 吴网格员 is told to reach her;
- 杨联络 (柳林村) does not answer.

王主任 re-reminds (the unconfirmed only; again within five minutes is refused), the escalation
reaches the township heads at 21:00 (李镇长 in Chinese, 赵书记 in English) for the three units
still unconfirmed and for no other, and the status card, the ledger (/notices) and the .xlsx
export all say the same: 2 of 5 units confirmed, 1 unreachable, 1 question, 2 postings.
(The daily repeat of the "Done when" is tests/e2e/test_notice_compose.py.)
"""

from __future__ import annotations

import asyncio
import io
import re
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from domain.org import Language
from services.notices.status import POSTING_INTERVAL
from tests.e2e.live import BOT_ID, LiveBot, live_bot
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO_ORG = (ROOT / "sandbox" / "demo_org.toml").read_text("utf-8")
ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)  # a Monday
ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)

COUNTY_HEAD, CHENGGUAN_HEAD, HEXI_HEAD = 1001, 1002, 1003  # 赵书记 reads English
DONGGUAN, NANJIE, LIULIN, BINHE, SCHOOL = 2001, 2003, 2004, 2005, 2006  # the units' liaisons
DONGGUAN_DEPUTY, NANJIE_TRACKER = 2002, 2007
DONGGUAN_RESIDENTS, NANJIE_RESIDENTS = -1001000000003, -1001000000004
LIAISONS = (DONGGUAN, NANJIE, LIULIN, BINHE, SCHOOL)
MASKS_ZH = "进入公共场所请全程规范佩戴口罩"
MASKS_EN = "Wear a mask properly"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=ZONE)


def plain(html: str) -> str:
    """A text as the emulator shows it: the HTML's tags parsed away."""
    return re.sub(r"<[^>]+>", "", html)


async def register(bot: LiveBot) -> None:
    """Everyone but 刘联络 starts the bot; she exists in Telegram but never wrote to it."""
    for person, name, language in (
        (COUNTY_HEAD, "王主任", "zh"),
        (CHENGGUAN_HEAD, "李镇长", "zh"),
        (HEXI_HEAD, "赵书记", "en"),
        (DONGGUAN, "张联络", "zh"),
        (DONGGUAN_DEPUTY, "陈副联络", "zh"),
        (LIULIN, "杨联络", "zh"),
        (BINHE, "黄联络", "zh"),
        (SCHOOL, "周老师", "en"),
        (NANJIE_TRACKER, "吴网格员", "zh"),
    ):
        bot.emu.create_user(name, user_id=person, language_code=language)
        await bot.say(person, "/start")
    bot.emu.create_user("刘联络", user_id=NANJIE, language_code="zh")
    for chat_id, title in (
        (DONGGUAN_RESIDENTS, "东关村居民群"),
        (NANJIE_RESIDENTS, "南街社区居民群"),
    ):
        bot.emu.create_group(title, chat_id=chat_id)
        bot.emu.add_bot_to_group(chat_id, BOT_ID, "administrator", can_pin_messages=True)
    await bot.settled()


class Refreshes:
    """The notice refresher's passes, one at a time: the bot's own loop (every 2 s of real
    time, or when a notice changes) and the test's (`now`). A pass pins postings after its
    commit, outside what `LiveBot.settled` waits for, so the test's pass first waits for a
    pass of the loop already under way."""

    def __init__(self, bot: LiveBot) -> None:
        refresher = bot.app.notices
        assert refresher is not None
        self.bot = bot
        self.lock = asyncio.Lock()
        self.run_due = refresher.run_due
        refresher.run_due = self.exclusive  # type: ignore[method-assign]

    async def exclusive(self) -> int:
        async with self.lock:
            return await self.run_due()

    async def now(self) -> None:
        """What the refresher does within seconds (learn sent messages, carry 403s onto
        recipients, edit the card and the postings once their interval has passed), run now
        and waited for."""
        await self.bot.settled()
        self.bot.clock.advance(POSTING_INTERVAL)
        await self.exclusive()
        await self.bot.settled()


def alert(bot: LiveBot, user: int) -> str:
    """The text of the bot's last answer to a button `user` pressed."""
    answers = [a for a in bot.emu.callback_answers if a["user_id"] == user]
    return str(answers[-1].get("text") or "")


def notice_message(bot: LiveBot, person: int) -> dict[str, Any]:
    """The notice as `person` got it (the first message with its buttons)."""
    for message in bot.emu.bot_messages(person, bot=BOT_ID):
        if MASKS_ZH in message["text"] or MASKS_EN in message["text"]:
            return message
    raise AssertionError(f"{person} got no notice: {bot.texts(person)}")


def card(bot: LiveBot) -> dict[str, Any]:
    title = plain(ZH("ntc-card-title", id=1))
    [found] = [m for m in bot.emu.bot_messages(COUNTY_HEAD, bot=BOT_ID) if title in m["text"]]
    return found


def minute(cell: object) -> datetime:
    assert isinstance(cell, datetime), cell
    return cell.replace(second=0, microsecond=0)


def with_texts(texts: list[str], *fragments: str) -> list[str]:
    return [t for t in texts if all(f in t for f in fragments)]


async def compose(bot: LiveBot) -> None:
    """王主任 presses through /notice as a person would."""

    async def tap(label: str) -> list[str]:
        return await bot.press(COUNTY_HEAD, bot.last(COUNTY_HEAD), label)

    await bot.say(COUNTY_HEAD, "/notice")
    await tap("戴口罩、勤洗手")
    for label in ("ncp-button-no-file", "ncp-scope-all"):
        await tap(ZH(label))
    await tap(ZH("ncp-audience-liaisons"))
    await tap(ZH("ncp-audience-groups"))
    await tap(ZH("ncp-button-done", count=2))
    await tap(ZH("ncp-when-now"))
    await tap(ZH("ncp-ack-yes"))
    replies = await bot.say(COUNTY_HEAD, "18:00")
    assert MASKS_ZH in replies[-2]  # the preview, as a Chinese recipient sees it
    assert plain(ZH("ncp-summary-ack-by", at="2026-11-23 18:00")) in replies[-1]
    replies = await tap(ZH("ncp-button-send"))
    assert any(plain(ZH("ncp-sent", id=1)) in text for text in replies)


async def test_a_county_notice_confirmed_questioned_reminded_escalated_and_exported(
    tmp_path: Path,
) -> None:
    async with live_bot(tmp_path, DEMO_ORG, at(8, 50)) as bot:
        refresh = Refreshes(bot)
        await register(bot)
        bot.clock.set(at(9))
        await compose(bot)
        await refresh.now()

        # Every liaison who started the bot has it, in their language, with their unit.
        for person in (DONGGUAN, LIULIN, BINHE):
            text = notice_message(bot, person)["text"]
            assert MASKS_ZH in text
            assert "11-23 18:00" in text
        assert "【东关村防控提示】" in notice_message(bot, DONGGUAN)["text"]
        school = notice_message(bot, SCHOOL)
        assert f"[示范县第一中学 prevention notice] {MASKS_EN}" in school["text"]
        assert EN("ntc-button-ack") in str(school["reply_markup"])
        # 刘联络 never started the bot: her unit's tracker is asked to reach her, once.
        assert bot.emu.bot_messages(NANJIE, bot=BOT_ID) == []
        tell = plain(ZH("ntc-unreachable-tell", name="刘联络", unit="南街社区", id=1))
        assert bot.texts(NANJIE_TRACKER).count(tell) == 1
        # No one else gets the notice's "reach her" (the outbox's own unreachable notice to
        # her township head is another feature's).
        for person in (DONGGUAN_DEPUTY, CHENGGUAN_HEAD, HEXI_HEAD, COUNTY_HEAD):
            assert tell not in bot.texts(person)
        # Both residents groups have it posted and pinned, showing their unit as unconfirmed.
        for chat_id, unit in ((DONGGUAN_RESIDENTS, "东关村"), (NANJIE_RESIDENTS, "南街社区")):
            pinned = bot.emu.pinned_message(chat_id, bot=BOT_ID)
            assert pinned is not None
            assert MASKS_ZH in pinned["text"]
            assert plain(ZH("ntc-post-pending", unit=unit, due="11-23 18:00")) in pinned["text"]

        # 09:10 张联络 confirms, 09:12 takes it back, 09:13 confirms again.
        bot.clock.set(at(9, 10))
        await bot.press(DONGGUAN, notice_message(bot, DONGGUAN), ZH("ntc-button-ack"))
        assert alert(bot, DONGGUAN) == ZH("ntc-acked")
        bot.clock.set(at(9, 12))
        await bot.press(DONGGUAN, notice_message(bot, DONGGUAN), ZH("ntc-button-undo"))
        assert alert(bot, DONGGUAN) == ZH("ntc-undone")
        bot.clock.set(at(9, 13))
        await bot.press(DONGGUAN, notice_message(bot, DONGGUAN), ZH("ntc-button-ack"))
        assert alert(bot, DONGGUAN) == ZH("ntc-acked")
        # 周老师 confirms in English.
        await bot.press(SCHOOL, school, EN("ntc-button-ack"))
        assert alert(bot, SCHOOL) == EN("ntc-acked")

        # 09:20 黄联络 asks; 王主任 answers from the bot.
        bot.clock.set(at(9, 20))
        await bot.press(BINHE, notice_message(bot, BINHE), ZH("ntc-button-ask"))
        assert bot.texts(BINHE)[-1] == ZH("ntc-ask-prompt")
        question = "居民群里有老人不会用手机，需要上门通知吗？"
        assert await bot.say(BINHE, question) == [ZH("ntc-asked")]
        asked = bot.last(COUNTY_HEAD)
        assert question in asked["text"]
        assert "滨河社区" in asked["text"]
        await bot.press(COUNTY_HEAD, asked, ZH("ntc-button-answer"))
        answer = "需要，请网格员逐户上门告知。"
        assert await bot.say(COUNTY_HEAD, answer) == [ZH("ntc-answered")]
        reply = plain(ZH("ntc-answer-to-recipient", id=1, question=question, answer=answer))
        assert bot.texts(BINHE)[-1] == reply

        # The card, edited in place: exactly 2 of 5 units.
        bot.clock.set(at(9, 30))
        await refresh.now()
        status = card(bot)
        assert plain(ZH("ntc-card-units", confirmed=2, total=5)) in status["text"]
        assert plain(ZH("ntc-card-extra", unreachable=1, questions=1, postings=2)) in status["text"]
        # 东关村's group shows its confirmation; 南街社区's still waits.
        confirmed_post = bot.emu.pinned_message(DONGGUAN_RESIDENTS, bot=BOT_ID)
        assert confirmed_post is not None
        assert (
            plain(ZH("ntc-post-confirmed", unit="东关村", at="11-23 09:13"))
            in (confirmed_post["text"])
        )
        # Who has not confirmed, by name.
        await bot.press(COUNTY_HEAD, status, ZH("ntc-button-pending"))
        pending = bot.texts(COUNTY_HEAD)[-1]
        assert plain(ZH("ntc-pending-title", id=1, n=3)) in pending
        for unit, name in (("南街社区", "刘联络"), ("柳林村", "杨联络"), ("滨河社区", "黄联络")):
            assert ZH("ntc-pending-line", unit=unit, person=name) in pending
        assert "东关村" not in pending

        # 10:00 the re-remind: only the two unconfirmed who can be reached.
        bot.clock.set(at(10))
        before = {p: len(bot.texts(p)) for p in LIAISONS}
        await bot.press(COUNTY_HEAD, card(bot), ZH("ntc-button-remind"))
        assert alert(bot, COUNTY_HEAD) == ZH("ntc-reminded", n=2)
        new = {p: bot.texts(p)[before[p] :] for p in LIAISONS}
        prefix = plain(ZH("ntc-remind-prefix"))
        for person in (LIULIN, BINHE):
            [reminder] = new[person]
            assert reminder.startswith(prefix)
            assert MASKS_ZH in reminder
        assert new[DONGGUAN] == new[SCHOOL] == new[NANJIE] == []
        # 10:03 again: refused, said when it may be pressed; nobody is reminded.
        bot.clock.set(at(10, 3))
        before = {p: len(bot.texts(p)) for p in LIAISONS}
        await bot.press(COUNTY_HEAD, card(bot), ZH("ntc-button-remind"))
        assert alert(bot, COUNTY_HEAD) == ZH("ntc-refused-remind-too-soon", at="10:05:00")
        assert {p: len(bot.texts(p)) for p in LIAISONS} == before

        # The day goes on; the escalation ladder of the three units still unconfirmed.
        heads = {p: len(bot.texts(p)) for p in (CHENGGUAN_HEAD, HEXI_HEAD, COUNTY_HEAD)}
        for moment in (at(17, 30), at(18), at(19), at(21)):
            await bot.at(moment)
        await refresh.now()
        township = with_texts(bot.texts(CHENGGUAN_HEAD)[heads[CHENGGUAN_HEAD] :], "防控通知")
        hexi = with_texts(bot.texts(HEXI_HEAD)[heads[HEXI_HEAD] :], "prevention notice")
        due = "11-23 18:00"
        assert township == [
            plain(ZH("obligation-notice-escalate", unit="南街社区", due=due, who="刘联络"))
        ]
        assert sorted(hexi) == sorted(
            plain(EN("obligation-notice-escalate", unit=unit, due=due, who=who))
            for unit, who in (("柳林村", "杨联络"), ("滨河社区", "黄联络"))
        )
        # The county head hears of no unit of his own office (he sent the notice).
        county = bot.texts(COUNTY_HEAD)[heads[COUNTY_HEAD] :]
        assert not with_texts(county, "防控通知", "示范县疫情防控办公室")

        # The card, the ledger and the export agree.
        status = card(bot)
        assert plain(ZH("ntc-card-units", confirmed=2, total=5)) in status["text"]
        assert plain(ZH("ntc-card-extra", unreachable=1, questions=1, postings=2)) in status["text"]
        ledger = (await bot.say(COUNTY_HEAD, "/notices"))[-1]
        assert "#1 " in ledger
        assert ZH("ncl-rate", confirmed=2, total=5, percent=40) in ledger
        await bot.press(COUNTY_HEAD, bot.last(COUNTY_HEAD), ZH("ncl-button-export"))
        document = bot.last(COUNTY_HEAD)
        assert document["caption"] == ZH("ncl-export-caption", id=1, rows=5)
        data = bot.emu.file_bytes(document["document"]["file_id"])
        rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        assert header[:4] == tuple(ZH(f"ncl-col-{c}") for c in ("who", "unit", "kind", "state"))
        states = Counter(row[3] for row in body)
        assert states == {
            ZH("ncl-state-acknowledged"): 2,
            ZH("ncl-state-unreachable"): 1,
            ZH("ncl-state-question"): 1,
            ZH("ncl-state-sent"): 1,
        }
        by_who = {row[0]: row for row in body}
        assert set(by_who) == {"张联络", "刘联络", "杨联络", "黄联络", "周老师"}
        # Local wall-clock times (the clock runs on from where the test set it).
        assert minute(by_who["张联络"][5]) == datetime(2026, 11, 23, 9, 13)
        assert by_who["黄联络"][6] == question
        assert by_who["黄联络"][7] == answer
        assert by_who["刘联络"][4] is None  # never delivered
        assert minute(by_who["杨联络"][4]) == datetime(2026, 11, 23, 9, 0)
