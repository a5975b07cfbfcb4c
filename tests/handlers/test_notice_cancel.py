"""/notices cancels a scheduled notice before its time: its author (or an admin) only; its
queued messages are withdrawn (the author's card stays), its confirmations owed excused."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery

from domain.notices import NoticeState
from domain.obligations import ObligationKind, ObligationState
from domain.outbox import OutboxState
from services.notices.sending import PREFIX, period
from storage import Repositories
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_notice_compose import COUNTY, NOW, TOWNSHIP
from tests.handlers.test_notice_sending import compose_to, notices
from texts.notice_ledger import LedgerAct, NoticeLedger


@pytest.fixture(autouse=True)
def at_nine(harness: Harness) -> None:
    harness.clock.set(NOW)


async def test_the_author_cancels_a_scheduled_notice(harness: Harness) -> None:
    await compose_to(harness, COUNTY, ZH, "下午检查名单", "ncp-when-at")
    await harness.send(COUNTY, "16:00")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-yes")))
    await harness.send(COUNTY, "18:00")
    await harness.press(COUNTY, harness.button(ZH("ncp-button-schedule")))
    [notice] = await notices(harness)
    await harness.send(COUNTY, "/notices")
    cancel = harness.button(ZH("ncl-button-cancel", id=notice.id))
    # Someone who sees it but did not write it may not cancel it.
    await harness.press(TOWNSHIP, cancel, language="en")
    assert harness.session.of_type(AnswerCallbackQuery)[-1].text == EN("ncp-forged")
    replies = await harness.press(COUNTY, cancel)
    assert replies[-1] == ZH("ncl-notice-cancelled", id=notice.id)

    async def read(repos: Repositories):  # type: ignore[no-untyped-def]
        got = await repos.notices.get(notice.id)
        rows = await repos.outbox.with_prefix(f"{PREFIX}{notice.id}:")
        owed = await repos.obligations.for_period(ObligationKind.NOTICE_ACK, period(notice.id))
        return got, rows, owed

    got, rows, owed = await harness.repos(read)
    assert got.state is NoticeState.CANCELLED
    card = [r for r in rows if r.message.dedupe_key.endswith(":card")]
    others = [r for r in rows if not r.message.dedupe_key.endswith(":card")]
    assert others
    assert all(r.state is OutboxState.WITHDRAWN for r in others)
    assert [r.state is OutboxState.WITHDRAWN for r in card] == [False]
    assert owed
    assert all(o.state is ObligationState.EXCUSED for o in owed)
    # Pressed again: already cancelled, said so; no button for it in the ledger any more.
    replies = await harness.press(COUNTY, cancel)
    assert replies[-1] == ZH("ncl-notice-not-cancellable", id=notice.id)
    await harness.send(COUNTY, "/notices")
    assert ZH("ncl-button-cancel", id=notice.id) not in harness.labels()


async def test_a_sent_notice_has_no_cancel_button(harness: Harness) -> None:
    await compose_to(harness, COUNTY, ZH, "内部通知", "ncp-when-now")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-no")))
    await harness.press(COUNTY, harness.button(ZH("ncp-button-send")))
    [notice] = await notices(harness)
    await harness.send(COUNTY, "/notices")
    assert ZH("ncl-button-cancel", id=notice.id) not in harness.labels()
    replies = await harness.press(COUNTY, NoticeLedger(act=LedgerAct.CANCEL, id=notice.id).pack())
    assert replies[-1] == ZH("ncl-notice-not-cancellable", id=notice.id)


async def test_the_authors_listing_is_paged_newest_first(harness: Harness) -> None:
    for text in ("第一条", "第二条"):
        await compose_to(harness, COUNTY, ZH, text, "ncp-when-now")
        await harness.press(COUNTY, harness.button(ZH("ncp-ack-no")))
        await harness.press(COUNTY, harness.button(ZH("ncp-button-send")))

    async def pages(repos: Repositories):  # type: ignore[no-untyped-def]
        first = await repos.notices.listing(author_id=COUNTY, limit=1)
        second = await repos.notices.listing(author_id=COUNTY, limit=1, offset=1)
        other = await repos.notices.listing(author_id=TOWNSHIP)
        return first, second, other

    first, second, other = await harness.repos(pages)
    assert [n.content.text for n in first + second] == ["第二条", "第一条"]
    assert other == []


async def test_once_its_time_has_come_it_is_no_longer_cancelled(harness: Harness) -> None:
    await compose_to(harness, COUNTY, ZH, "下午检查名单", "ncp-when-at")
    await harness.send(COUNTY, "16:00")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-no")))
    await harness.press(COUNTY, harness.button(ZH("ncp-button-schedule")))
    [notice] = await notices(harness)
    await harness.send(COUNTY, "/notices")
    cancel = harness.button(ZH("ncl-button-cancel", id=notice.id))
    harness.clock.set(NOW.replace(hour=16, minute=1))
    replies = await harness.press(COUNTY, cancel)
    assert replies[-1] == ZH("ncl-notice-not-cancellable", id=notice.id)
    [after] = await notices(harness)
    assert after.state is NoticeState.SCHEDULED
