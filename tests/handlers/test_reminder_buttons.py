"""Answered reminders lose their buttons: once a check-in or a test result is recorded, by any
path, the reminders that carried its buttons are edited through the outbox (never a request
inside the recording's transaction), and those not sent yet go out without them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain.declarations import TestResult
from domain.obligations import ObligationKind
from storage import Repositories
from storage.models import OutboxRow
from tests.handlers.conftest import Harness
from tests.handlers.followups import (
    DUE,
    LIAISON,
    RESIDENT,
    TRACKER,
    engine_at,
    followup,
    load_more_org,
)
from texts.checkin_keyboards import CheckinStart, CheckinSymptom, TestConfirm, TestRecord


@pytest.fixture(autouse=True)
async def org(harness: Harness) -> None:
    await load_more_org(harness)


@dataclass(frozen=True)
class Row:
    id: int
    chat: int
    markup: dict[str, Any] | None
    edits: int | None  # the message id an edit row takes the keyboard off


async def rows(harness: Harness) -> list[Row]:
    async with harness.database.session() as session:
        found = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        return [Row(r.id, r.chat_id, r.reply_markup, r.edit_message_id) for r in found]


async def remind(harness: Harness, at: datetime) -> list[Row]:
    """Run the clock at `at`; the reminders it queued with buttons."""
    before = {r.id for r in await rows(harness)}
    await engine_at(harness, at).run_due()
    return [r for r in await rows(harness) if r.id not in before and r.markup]


async def deliver(harness: Harness, *reminders: Row) -> dict[int, int]:
    """What the sender would record: each row sent, with a Telegram message id."""
    ids = {r.id: 500 + r.id for r in reminders}

    async def act(repos: Repositories) -> None:
        for outbox_id, message_id in ids.items():
            assert await repos.outbox.mark_sent(outbox_id, message_id, now=DUE)

    await harness.repos(act)
    return ids


async def edits(harness: Harness) -> list[tuple[int, int]]:
    """(chat, message id) of each keyboard edit queued; an edit never carries new buttons."""
    found = [r for r in await rows(harness) if r.edits is not None]
    assert all(r.markup is None for r in found)
    return sorted((r.chat, r.edits) for r in found if r.edits is not None)


async def check_in(harness: Harness, who: int, obligation_id: int) -> None:
    await harness.press(who, CheckinStart(obligation_id=obligation_id).pack())
    await harness.send(who, "36.5")
    await harness.press(who, CheckinSymptom(obligation_id=obligation_id, choice="none").pack())


async def test_a_check_in_takes_the_buttons_off_its_reminders(harness: Harness) -> None:
    ob = await followup(harness)
    [early] = await remind(harness, DUE - timedelta(hours=2))
    sent = await deliver(harness, early)
    [soon] = await remind(harness, DUE - timedelta(minutes=30))  # not sent yet
    harness.clock.set(DUE - timedelta(minutes=20))
    await harness.send(RESIDENT, "/checkin")
    await harness.send(RESIDENT, "36.5")
    await harness.press(RESIDENT, CheckinSymptom(obligation_id=ob, choice="none").pack())
    assert await edits(harness) == [(RESIDENT, sent[early.id])]
    # The one still waiting goes out without buttons; it needs no edit.
    [pending] = [r for r in await rows(harness) if r.id == soon.id]
    assert pending.markup is None


async def test_a_tracker_recording_for_the_resident_takes_everyones_buttons_off(
    harness: Harness,
) -> None:
    ob = await followup(harness)
    missed = await remind(harness, DUE)  # the resident and the tracker, each with the button
    assert sorted(r.chat for r in missed) == [TRACKER, RESIDENT]
    sent = await deliver(harness, *missed)
    harness.clock.set(DUE + timedelta(minutes=10))
    await check_in(harness, TRACKER, ob)
    assert await edits(harness) == sorted((r.chat, sent[r.id]) for r in missed)


async def test_a_proxy_filers_check_in_takes_its_buttons_off(harness: Harness) -> None:
    ob = await followup(harness, resident=None, assignee=LIAISON, name="赵老汉")
    [early] = await remind(harness, DUE - timedelta(hours=2))
    assert early.chat == LIAISON
    sent = await deliver(harness, early)
    await check_in(harness, LIAISON, ob)
    assert await edits(harness) == [(LIAISON, sent[early.id])]


async def test_a_pending_test_keeps_the_buttons_a_result_takes_them_off(
    harness: Harness,
) -> None:
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)
    # The reminder of the day (the day before's has no buttons: nothing to record yet).
    [reminder] = await remind(harness, DUE - timedelta(hours=2))
    sent = await deliver(harness, reminder)
    harness.clock.set(DUE - timedelta(hours=1))
    await harness.press(RESIDENT, TestRecord(obligation_id=ob, result=TestResult.PENDING).pack())
    assert await edits(harness) == []  # the result is still to be given from them
    await harness.press(RESIDENT, TestRecord(obligation_id=ob, result=TestResult.NEGATIVE).pack())
    assert await edits(harness) == [(RESIDENT, sent[reminder.id])]


async def test_a_confirmed_positive_takes_the_buttons_off(harness: Harness) -> None:
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)
    # The reminder of the day (the day before's has no buttons: nothing to record yet).
    [reminder] = await remind(harness, DUE - timedelta(hours=2))
    sent = await deliver(harness, reminder)
    harness.clock.set(DUE - timedelta(hours=1))
    await harness.press(RESIDENT, TestRecord(obligation_id=ob, result=TestResult.POSITIVE).pack())
    assert await edits(harness) == []  # only asked to confirm
    await harness.press(RESIDENT, TestConfirm(obligation_id=ob, back=False).pack())
    assert await edits(harness) == [(RESIDENT, sent[reminder.id])]
