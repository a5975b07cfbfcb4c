"""/notice sent: the preview is what the recipient's message says, a notice at a time waits,
a repeated daily notice makes one notice per day from the calendar (and stops at its end or
when stopped with its button), and /notices shows each with its rate and exports the
confirmations as .xlsx."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, SendDocument, SendMessage
from openpyxl import load_workbook

from bot.wiring import jobs_config, notice_service
from domain.notices import NoticeState, RecipientKind
from scheduler.context import JobContext
from scheduler.notice_repeats import fire_notice_repeats
from services.notices.sending import recipient_key
from storage import Repositories
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_notice_compose import COUNTY, LIAISON, NOW, TOWNSHIP, ZONE, to_when
from texts.i18n import Translator
from texts.notice_ledger import LedgerAct, NoticeLedger


@pytest.fixture(autouse=True)
def at_nine(harness: Harness) -> None:
    harness.clock.set(NOW)


async def compose_to(harness: Harness, user: int, tr: Translator, text: str, when: str) -> None:
    """A notice to 东关村's liaison, `when` pressed: the next question."""
    language = "en" if tr is EN else "zh-hans"
    await harness.send(user, "/notice", language=language)
    await harness.send(user, text, language=language)
    for label in ("ncp-button-no-file", "ncp-scope-units"):
        await harness.press(user, harness.button(tr(label)), language=language)
    if user == COUNTY:  # 王主任 starts at the county: open 城关镇 first
        await harness.press(user, harness.button(tr("ncp-unit-open")), language=language)
    await harness.press(user, harness.button("东关村"), language=language)
    await harness.press(user, harness.button(tr("ncp-button-done", count=1)), language=language)
    await harness.press(user, harness.button(tr("ncp-audience-liaisons")), language=language)
    await harness.press(user, harness.button(tr("ncp-button-done", count=1)), language=language)
    await harness.press(user, harness.button(tr(when)), language=language)


async def notices(harness: Harness) -> list:  # type: ignore[type-arg]
    async def listing(repos: Repositories) -> list:  # type: ignore[type-arg]
        return await repos.notices.listing(author_id=COUNTY, limit=50)

    return list(reversed(await harness.repos(listing)))


async def liaison_message(harness: Harness, notice_id: int) -> str:
    key = recipient_key(notice_id, RecipientKind.LIAISON, "dongguan", LIAISON)

    async def read(repos: Repositories) -> str:
        return (await repos.outbox.by_keys([key]))[key].message.text

    return await harness.repos(read)


async def test_sent_now_the_recipient_gets_the_preview(harness: Harness) -> None:
    await compose_to(harness, COUNTY, ZH, "今晚八点前完成<b>排查</b>", "ncp-when-now")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-yes")))
    replies = await harness.send(COUNTY, "18:00")
    preview = replies[-2]
    replies = await harness.press(COUNTY, harness.button(ZH("ncp-button-send")))
    [notice] = await notices(harness)
    assert replies[-1] == ZH("ncp-sent", id=notice.id)
    assert notice.unit_codes == ("dongguan",)
    assert notice.ack_by == datetime(2026, 11, 23, 18, 0, tzinfo=ZONE)
    assert await liaison_message(harness, notice.id) == preview


async def test_at_a_time_the_notice_waits(harness: Harness) -> None:
    await compose_to(harness, TOWNSHIP, EN, "Check the lists", "ncp-when-at")
    await harness.send(TOWNSHIP, "14:30", language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-ack-no")), language="en")
    # The time passes while the author reads the preview: asked again, nothing sent.
    harness.clock.set(NOW.replace(hour=15))
    replies = await harness.press(
        TOWNSHIP, harness.button(EN("ncp-button-schedule")), language="en"
    )
    assert EN("ncp-past") in replies[-1]
    await harness.send(TOWNSHIP, "16:00", language="en")

    async def count(repos: Repositories) -> int:
        return len(await repos.notices.listing(author_id=TOWNSHIP))

    assert await harness.repos(count) == 0
    replies = await harness.press(
        TOWNSHIP, harness.button(EN("ncp-button-schedule")), language="en"
    )
    assert replies[-1] == EN("ncp-scheduled", at="2026-11-23 16:00")

    async def first(repos: Repositories):  # type: ignore[no-untyped-def]
        return (await repos.notices.listing(author_id=TOWNSHIP))[0]

    notice = await harness.repos(first)
    assert notice.state is NoticeState.SCHEDULED
    assert notice.send_at == datetime(2026, 11, 23, 16, 0, tzinfo=ZONE)


async def fire(harness: Harness, at: datetime) -> dict[str, int]:
    context = JobContext(
        database=harness.database,
        now=at,
        config=jobs_config(harness.settings),
        notices=notice_service(harness.settings).config,
    )
    return await fire_notice_repeats(context)


async def daily_repeat(harness: Harness, until: str = "2026-11-25") -> None:
    await compose_to(harness, COUNTY, ZH, "每日提醒：测体温", "ncp-when-daily")
    await harness.send(COUNTY, "08:00")
    await harness.send(COUNTY, until)
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-yes")))
    await harness.send(COUNTY, "18:00")
    replies = await harness.press(COUNTY, harness.button(ZH("ncp-button-schedule")))
    assert replies[-1] == ZH("ncp-repeat-created", at="2026-11-24 08:00")


async def test_a_daily_repeat_fires_once_a_day_each_its_own_notice(harness: Harness) -> None:
    await daily_repeat(harness)
    assert await notices(harness) == []  # nothing before its first time
    day_one = datetime(2026, 11, 24, 8, 0, 20, tzinfo=ZONE)
    assert await fire(harness, day_one) == {"fired": 1}
    assert await fire(harness, day_one + timedelta(seconds=30)) == {"fired": 0}
    assert await fire(harness, day_one + timedelta(hours=3)) == {"fired": 0}
    # The bot was down at 08:00 on the second day: the run after catches up once.
    assert await fire(harness, day_one + timedelta(days=1, minutes=7)) == {"fired": 1}
    assert await fire(harness, day_one + timedelta(days=2)) == {"fired": 0}  # ended on the 25th
    first, second = await notices(harness)
    assert first.id != second.id
    assert first.repeat_id == second.repeat_id is not None
    assert first.ack_by == datetime(2026, 11, 24, 18, 0, tzinfo=ZONE)
    assert second.ack_by == datetime(2026, 11, 25, 18, 0, tzinfo=ZONE)
    for notice in (first, second):
        assert "每日提醒：测体温" in await liaison_message(harness, notice.id)


async def test_the_ledger_stops_a_repeat_with_its_button(harness: Harness) -> None:
    await daily_repeat(harness)
    await fire(harness, datetime(2026, 11, 24, 8, 0, 5, tzinfo=ZONE))
    replies = await harness.send(COUNTY, "/notices")
    assert "R1" in replies[-1]
    stop = harness.button(ZH("ncl-button-stop", id=1))
    # Another supervisor, not over these units, cannot stop it with the same data.
    await harness.press(TOWNSHIP, stop, language="en")
    assert harness.session.of_type(AnswerCallbackQuery)[-1].text == EN("ncp-forged")
    replies = await harness.press(COUNTY, stop)
    assert replies[-1] == ZH("ncl-repeat-stopped", id=1)
    assert await fire(harness, datetime(2026, 11, 25, 8, 1, tzinfo=ZONE)) == {"fired": 0}
    assert len(await notices(harness)) == 1
    replies = await harness.press(COUNTY, stop)
    assert replies[-1] == ZH("ncl-repeat-already", id=1)


async def test_the_ledger_rate_and_the_export(harness: Harness) -> None:
    await compose_to(harness, COUNTY, ZH, "请确认收到", "ncp-when-now")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-yes")))
    await harness.send(COUNTY, "18:00")
    await harness.press(COUNTY, harness.button(ZH("ncp-button-send")))
    [notice] = await notices(harness)
    assert "0/1" in (await harness.send(COUNTY, "/notices"))[-1]

    async def delivered(repos: Repositories) -> None:
        # Telegram accepts the liaison's message two minutes later (quiet hours, say).
        [recipient] = await repos.notices.recipients(notice.id)
        assert recipient.outbox_key is not None
        entry = (await repos.outbox.by_keys([recipient.outbox_key]))[recipient.outbox_key]
        assert entry.id is not None
        await repos.outbox.mark_sent(entry.id, 77, now=NOW + timedelta(minutes=2))
        await repos.notices.sync_delivery()

    async def confirm(repos: Repositories) -> None:
        [recipient] = await repos.notices.recipients(notice.id)
        await repos.notices.acknowledge(recipient, by=LIAISON, at=NOW + timedelta(minutes=30))

    await harness.repos(delivered)

    await harness.repos(confirm)
    assert (
        ZH("ncl-rate", confirmed=1, total=1, percent=100)
        in (await harness.send(COUNTY, "/notices"))[-1]
    )
    await harness.press(COUNTY, harness.button(ZH("ncl-button-export")))
    document = harness.session.of_type(SendDocument)[-1]
    book = load_workbook(io.BytesIO(document.document.data))  # type: ignore[union-attr]
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:6] == tuple(
        ZH(f"ncl-col-{c}") for c in ("who", "unit", "kind", "state", "sent", "confirmed")
    )
    assert rows[1][:4] == ("张联络", "东关村", ZH("ncl-kind-liaison"), ZH("ncl-state-acknowledged"))
    # Local times: the message's own sending, then the confirmation.
    assert rows[1][4:6] == (datetime(2026, 11, 23, 9, 2), datetime(2026, 11, 23, 9, 30))

    async def exported(repos: Repositories) -> list[str]:
        return [e.action for e in await repos.audit.recent(20)]

    assert "notice.export" in await harness.repos(exported)


async def test_a_forged_ledger_button_is_refused(harness: Harness) -> None:
    await compose_to(harness, COUNTY, ZH, "内部通知", "ncp-when-now")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-no")))
    await harness.press(COUNTY, harness.button(ZH("ncp-button-send")))
    [notice] = await notices(harness)
    # 李镇长 supervises 城关镇, which holds 东关村: he sees it; the liaison does not.
    export = NoticeLedger(act=LedgerAct.EXPORT, id=notice.id).pack()
    await harness.press(LIAISON, export)
    assert harness.session.of_type(AnswerCallbackQuery)[-1].text == ZH("ncp-not-allowed")
    await harness.press(
        TOWNSHIP, NoticeLedger(act=LedgerAct.OPEN, id=notice.id).pack(), language="en"
    )
    cards = [r for r in harness.session.of_type(SendMessage) if r.chat_id == TOWNSHIP]
    assert f"#{notice.id}" in cards[-1].text
    await harness.press(COUNTY, NoticeLedger(act=LedgerAct.EXPORT, id=notice.id + 99).pack())
    assert harness.session.of_type(AnswerCallbackQuery)[-1].text == ZH("ncp-forged")


async def test_the_ledger_shows_the_authors_text_escaped_once(harness: Harness) -> None:
    await compose_to(harness, COUNTY, ZH, "戴口罩 <勤洗手> & 消毒", "ncp-when-now")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-no")))
    await harness.press(COUNTY, harness.button(ZH("ncp-button-send")))
    ledger = (await harness.send(COUNTY, "/notices"))[-1]
    assert "戴口罩 &lt;勤洗手&gt; &amp; 消毒" in ledger
    assert "&amp;lt;" not in ledger


async def test_a_township_head_sees_the_countys_notice_for_his_units_only(
    harness: Harness,
) -> None:
    await to_when(harness)  # the whole county, liaisons
    await harness.press(COUNTY, harness.button(ZH("ncp-when-now")))
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-yes")))
    await harness.send(COUNTY, "18:00")
    await harness.press(COUNTY, harness.button(ZH("ncp-button-send")))
    [notice] = await notices(harness)

    # The county's liaisons: 东关村's (queued) and 河西街道's (none, so unreachable); 李镇长
    # heads 城关镇, which holds 东关村 but not 河西街道.
    whole = ZH("ncl-rate", confirmed=0, total=2, percent=0)
    assert whole + ZH("ncl-part-mark") not in (await harness.send(COUNTY, "/notices"))[-1]
    assert whole in harness.session.texts(COUNTY)[-1]
    ledger = (await harness.send(TOWNSHIP, "/notices", language="en"))[-1]
    assert EN("ncl-rate", confirmed=0, total=1, percent=0) + EN("ncl-part-mark") in ledger

    await harness.press(TOWNSHIP, harness.button(EN("ncl-button-open", id=notice.id)))
    card, pending = [r for r in harness.session.of_type(SendMessage) if r.chat_id == TOWNSHIP][-2:]
    assert EN("ntc-card-units", confirmed=0, total=1) in card.text
    assert EN("ncl-card-part") in card.text
    assert card.reply_markup is None  # reminding and answering stay the author's
    assert "东关村" in pending.text
    assert "河西" not in pending.text

    await harness.press(TOWNSHIP, harness.button(EN("ncl-button-export")), language="en")
    document = harness.session.of_type(SendDocument)[-1]
    book = load_workbook(io.BytesIO(document.document.data))  # type: ignore[union-attr]
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert [row[1] for row in rows[1:]] == ["东关村"]
