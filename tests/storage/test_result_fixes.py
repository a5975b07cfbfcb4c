"""Corrections of test results and answered reminders' buttons on both databases: the record
changed under its lock, the audit, who is told (found by the outbox's keys), the keyboards an
obligation's steps sent (found through the escalation log)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.declarations import TestResult
from domain.obligations import ObligationKind
from domain.outbox import OutboxMessage, Priority
from services import reminder_buttons, result_fixes, result_recording
from services.refusal import Refused
from storage import Repositories
from storage.models import AuditLogRow, OutboxRow, TestRecordRow
from storage.repos import EscalationRecord
from tests.storage.test_checkins import (
    COUNTY_HEAD,
    DAY,
    LIAISON,
    RESIDENT,
    TOWN_HEAD,
    TRACKER,
    WEST_TRACKER,
    actor,
    at,
    declaration,
    followup,
    org,
)
from texts.checkins import render_alert
from texts.result_fixes import ResultTexts

__all__ = ["org"]  # the fixture, used by name


async def positive(repos: Repositories) -> tuple[int, int]:
    """A positive result recorded by the resident: (obligation id, record id)."""
    ob = await followup(repos, await declaration(repos), kind=ObligationKind.TEST_DUE)
    texts = ResultTexts()
    await result_recording.record_test(
        repos,
        await actor(repos, RESIDENT),
        ob,
        TestResult.POSITIVE,
        render=render_alert,
        now=at(DAY, 11),
        today=DAY,
        fix_markup=texts.fix_markup,
    )
    [record] = await repos.session.scalars(select(TestRecordRow.id))
    return ob, record


async def correct(
    repos: Repositories, who: int, record: int, was: TestResult, to: TestResult
) -> result_fixes.Corrected:
    return await result_fixes.correct(
        repos, await actor(repos, who), record, was, to, texts=ResultTexts(), now=at(DAY, 15)
    )


async def chats(repos: Repositories, key_prefix: str) -> list[int]:
    rows = await repos.session.scalars(
        select(OutboxRow.chat_id).where(OutboxRow.dedupe_key.startswith(key_prefix))
    )
    return sorted(rows)


async def test_a_positive_taken_back_reaches_everyone_it_alerted(org: Repositories) -> None:
    repos = org
    ob, record = await positive(repos)
    assert await chats(repos, f"test-alert:{ob}:") == [COUNTY_HEAD, TOWN_HEAD, LIAISON, TRACKER]
    # The liaison's role is taken away meanwhile: the positive alerted them, so they still hear
    # that it no longer stands.
    [liaison] = [a for a, p, role in await repos.roles.in_unit("east") if p.telegram_id == LIAISON]
    assert await repos.roles.revoke(liaison)
    corrected = await correct(repos, TRACKER, record, TestResult.POSITIVE, TestResult.NEGATIVE)
    assert corrected.told == 4
    assert await chats(repos, f"test-fix:{record}:") == [COUNTY_HEAD, TOWN_HEAD, LIAISON, RESIDENT]
    [value] = await repos.session.scalars(select(TestRecordRow.result))
    assert value == "negative"
    [audit] = await repos.session.scalars(
        select(AuditLogRow).where(AuditLogRow.action == "test.correct")
    )
    assert (audit.actor_id, audit.detail) == (TRACKER, "positive -> negative")
    # A second press of the same correction changes nothing; back to positive is an alert.
    with pytest.raises(Refused) as stale:
        await correct(repos, TRACKER, record, TestResult.POSITIVE, TestResult.NEGATIVE)
    assert stale.value.key == "result-fix-same"
    again = await correct(repos, COUNTY_HEAD, record, TestResult.NEGATIVE, TestResult.POSITIVE)
    assert again.correction.notice.value == "alert"


async def test_only_staff_answering_for_the_unit_may_correct(org: Repositories) -> None:
    repos = org
    _, record = await positive(repos)
    for who in (RESIDENT, WEST_TRACKER):
        with pytest.raises(Refused) as refused:
            await correct(repos, who, record, TestResult.POSITIVE, TestResult.NEGATIVE)
        assert refused.value.key == "result-fix-not-staff"
    [value] = await repos.session.scalars(select(TestRecordRow.result))
    assert value == "positive"


async def test_an_answered_obligations_keyboards_are_taken_off(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos), kind=ObligationKind.TEST_DUE)
    _, pending = await reminders(repos, ob)
    assert await reminder_buttons.take_off(repos, ob, now=at(DAY, 12)) == 1
    edit = await repos.session.scalar(select(OutboxRow).where(OutboxRow.edit_message_id == 77))
    assert edit is not None
    assert (edit.chat_id, edit.recipient_id, edit.reply_markup) == (RESIDENT, RESIDENT, None)
    unsent = await repos.session.get(OutboxRow, pending, populate_existing=True)
    assert unsent is not None
    assert unsent.reply_markup is None  # it goes out without them
    # Once only: a second answer of the same day queues nothing more.
    assert await reminder_buttons.take_off(repos, ob, now=at(DAY, 13)) == 0


async def reminders(repos: Repositories, obligation_id: int) -> tuple[int, int]:
    """Two reminders of the obligation with buttons, logged as the clock logs them; the first
    sent (Telegram's message 77), the second not yet: their outbox ids."""
    ids = []
    for step, chat in ((0, RESIDENT), (1, TRACKER)):
        key = f"obligation:{obligation_id}#{step}.0:{chat}"
        markup = {"inline_keyboard": [[{"text": "🟢", "callback_data": "v1tst:1:negative"}]]}
        message = OutboxMessage(key, chat, "⏰", at(DAY, 9), Priority.REMINDER, markup, chat)
        assert await repos.outbox.enqueue(message, now=at(DAY, 9))
        record = EscalationRecord(obligation_id, step, 0, "sent", "m", at(DAY, 9), outbox_key=key)
        await repos.escalations.record([record])
        ids.append(
            await repos.session.scalar(select(OutboxRow.id).where(OutboxRow.dedupe_key == key))
        )
    assert await repos.outbox.mark_sent(ids[0], 77, now=at(DAY, 9))
    return ids[0], ids[1]
