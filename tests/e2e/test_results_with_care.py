"""Results with care, end to end (the whole bot against the emulator, on a clock the test
moves): a positive tapped under a test-day reminder is confirmed in place before anyone is
alerted; once recorded, the day's other reminder loses its buttons through the outbox; the
liaison corrects it from the alert, and those it alerted hear that it no longer stands."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.obligations import Obligation, ObligationKind
from domain.org import Language
from services.obligations import EscalationPolicy, open_obligation
from storage import Repositories
from storage.models import TestRecordRow
from tests.declaration_rows import monitoring_row
from tests.e2e.conftest import ORG
from tests.e2e.live import BOT_ID, LiveBot, live_bot
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ZH = Translator(Language.ZH_CN)
ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
DUE = datetime(2026, 11, 23, 20, 0, tzinfo=ZONE)
COUNTY, TOWN, LIAISON, RESIDENT = 1001, 1002, 2001, 3001  # the demo organisation's, 东关村
CONFIG = {"quiet_hours": {"start": "00:00", "end": "00:00"}}


async def due_a_test(bot: LiveBot) -> None:
    """孙丽 is monitored with a test due tonight (as a declaration would have left her)."""
    policy = EscalationPolicy(DEFAULT_CHAIN_BOOK, WorkCalendar.of(ZONE, quiet=None))
    now = bot.clock.now()
    async with bot.database.transaction() as session:
        row = monitoring_row(
            unit_code="dongguan",
            resident=RESIDENT,
            filed_by=RESIDENT,
            at=now,
            start=DAY,
            answers={"name": "孙丽"},
        )
        session.add(row)
        await session.flush()
        test = Obligation(
            ObligationKind.TEST_DUE,
            f"declaration:{row.id}",
            DAY.isoformat(),
            RESIDENT,
            "dongguan",
            DUE,
        )
        await open_obligation(Repositories(session), policy, test, now=now)


def labels(message: dict[str, Any]) -> list[str]:
    markup = message["reply_markup"] or {"inline_keyboard": []}
    return [button["text"] for row in markup["inline_keyboard"] for button in row]


def current(bot: LiveBot, message: dict[str, Any]) -> dict[str, Any]:
    """The message as it is now, after any edit."""
    found: dict[str, Any] = bot.emu.message(
        message["chat"]["id"], message["message_id"], bot=BOT_ID
    )
    return found


async def test_a_positive_is_confirmed_then_corrected_and_old_buttons_go(tmp_path: Path) -> None:
    org = ORG.read_text("utf-8")
    start = DUE - timedelta(hours=25)
    async with live_bot(
        tmp_path, org, start, CONFIG, started=(COUNTY, TOWN, LIAISON, RESIDENT)
    ) as bot:
        await bot.settled()
        await due_a_test(bot)
        choices = [
            ZH("checkin-test-button-pending"),
            ZH("checkin-test-button-negative"),
            ZH("checkin-test-button-positive"),
        ]
        await bot.at(DUE - timedelta(hours=24))
        evening = bot.last(RESIDENT)
        await bot.at(DUE - timedelta(hours=2))
        soon = bot.last(RESIDENT)
        assert evening["message_id"] != soon["message_id"]
        # The day before, nothing can be recorded yet: no buttons; on the day, the choices.
        assert labels(evening) == []
        assert labels(soon) == choices

        # A tap on "positive" asks first, in place; nobody hears of anything yet.
        staff_before = {who: len(bot.texts(who)) for who in (COUNTY, TOWN, LIAISON)}
        assert await bot.press(RESIDENT, soon, ZH("checkin-test-button-positive")) == []
        asking = current(bot, soon)
        assert "确认阳性？" in asking["text"]
        assert labels(asking) == [ZH("result-confirm-yes"), ZH("result-confirm-back")]
        assert {who: len(bot.texts(who)) for who in staff_before} == staff_before

        # Confirmed: recorded, the staff alerted, and every reminder of the day answered.
        [told] = await bot.press(RESIDENT, asking, ZH("result-confirm-yes"))
        assert told == ZH("checkin-test-recorded-positive")
        assert current(bot, soon)["reply_markup"] is None
        alert = bot.last(LIAISON)
        assert "阳性" in alert["text"]
        for who in (COUNTY, TOWN):
            assert "孙丽" in bot.last(who)["text"]

        # The liaison corrects it from the alert: the menu, then the correction.
        [menu_text] = await bot.press(LIAISON, alert, ZH("result-fix-button"))
        assert "孙丽" in menu_text
        menu = bot.last(LIAISON)
        await bot.press(LIAISON, menu, ZH("result-name-negative"))
        assert current(bot, menu)["reply_markup"] is None
        assert "阴性" in current(bot, menu)["text"]
        for who in (COUNTY, TOWN):
            assert "不再成立" in bot.last(who)["text"]  # the earlier alert no longer stands
        assert "阴性" in bot.last(RESIDENT)["text"]
        async with bot.database.session() as session:
            assert list(await session.scalars(select(TestRecordRow.result))) == ["negative"]
