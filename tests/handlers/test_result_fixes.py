"""Staff correct a recorded test result: from the positive's alert or /results, role-checked,
audited (who, old → new), and the people concerned told: a positive taken back reaches those it
alerted, a result corrected to positive is alerted as a positive is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import select

from domain.declaration_json import declaration_to_dict
from domain.declarations import TestResult
from domain.obligations import ObligationKind
from storage.models import AuditLogRow, OutboxRow, TestRecordRow
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.followups import (
    LIAISON,
    RESIDENT,
    STRANGER,
    TRACKER,
    followup,
    load_more_org,
    refusal,
)
from tests.handlers.test_cases import FEVER
from texts.case_keyboards import CaseAct, CaseAction
from texts.checkin_keyboards import TestConfirm, TestRecord
from texts.result_keyboards import ResultFix, ResultOpen

COUNTY, TOWN = 1001, 1002  # the supervisors of xian (zh) and chengguan (en) above dongguan


@pytest.fixture(autouse=True)
async def org(harness: Harness) -> None:
    await load_more_org(harness)


@dataclass(frozen=True)
class Sent:
    chat: int
    text: str
    markup: Any  # Bot API JSON


async def outbox(harness: Harness, *, since: int = 0) -> list[Sent]:
    async with harness.database.session() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.id > since).order_by(OutboxRow.chat_id)
        )
        return [Sent(r.chat_id, r.text, r.reply_markup) for r in rows]


async def last_outbox_id(harness: Harness) -> int:
    async with harness.database.session() as session:
        ids = list(await session.scalars(select(OutboxRow.id)))
        return max(ids, default=0)


async def recorded(harness: Harness, result: TestResult) -> int:
    """The resident records the day's result from the reminder; the record's id."""
    ob = await followup(harness, kind=ObligationKind.TEST_DUE)
    await harness.press(RESIDENT, TestRecord(obligation_id=ob, result=result).pack())
    if result is TestResult.POSITIVE:
        await harness.press(RESIDENT, TestConfirm(obligation_id=ob, back=False).pack())
    async with harness.database.session() as session:
        [record] = await session.scalars(select(TestRecordRow.id))
        return record


async def result(harness: Harness) -> str:
    async with harness.database.session() as session:
        [value] = await session.scalars(select(TestRecordRow.result))
        return value


async def corrections(harness: Harness) -> list[tuple[int | None, str | None, str | None]]:
    async with harness.database.session() as session:
        rows = await session.execute(
            select(AuditLogRow.actor_id, AuditLogRow.target, AuditLogRow.detail).where(
                AuditLogRow.action == "test.correct", AuditLogRow.allowed.is_(True)
            )
        )
        return [tuple(row) for row in rows]


def fix(record: int, was: TestResult, to: TestResult) -> str:
    return ResultFix(record=record, was=was, to=to).pack()


def open_(record: int, *, close: bool = False) -> str:
    return ResultOpen(record=record, close=close).pack()


async def test_a_positive_is_taken_back_from_its_alert_and_everyone_alerted_told(
    harness: Harness,
) -> None:
    record = await recorded(harness, TestResult.POSITIVE)
    alerts = await outbox(harness)
    assert [a.chat for a in alerts] == [COUNTY, TOWN, LIAISON, TRACKER]
    firsts = {ZH("case-button-view"), EN("case-button-view")}
    # Every alert carries the case's buttons, then "Correct result", in its reader's language.
    assert all(a.markup["inline_keyboard"][0][0]["text"] in firsts for a in alerts)
    labels = {a.chat: a.markup["inline_keyboard"][-1][0] for a in alerts}
    assert labels[TRACKER] == {"text": ZH("result-fix-button"), "callback_data": open_(record)}
    assert labels[TOWN]["text"] == EN("result-fix-button")
    before = await last_outbox_id(harness)
    [menu] = await harness.press(TRACKER, open_(record))
    assert menu == (
        ZH(
            "result-fix-menu",
            name="胡军",
            unit="东关村",
            day="2026-11-23",
            result=ZH("result-name-positive"),
            by="用户",  # the recorder's Telegram name (the harness's)
            at="11-23 09:00",
        )
    )
    assert harness.labels() == [
        ZH("result-fix-to", result=ZH("result-name-negative")),
        ZH("result-fix-cancel"),
    ]
    [done] = await harness.press(TRACKER, harness.button(harness.labels()[0]))
    assert done == ZH(
        "result-fixed",
        name="胡军",
        day="2026-11-23",
        was=ZH("result-name-positive"),
        result=ZH("result-name-negative"),
        n=4,
    )
    assert await result(harness) == "negative"
    assert await corrections(harness) == [
        (TRACKER, "test_due/declaration:1/2026-11-23", "positive -> negative")
    ]
    told = await outbox(harness, since=before)
    assert [t.chat for t in told] == [COUNTY, TOWN, LIAISON, RESIDENT]
    retract = {
        "name": "胡军",
        "unit": "东关村",
        "day": "2026-11-23",
        "by": "用户",
    }
    assert told[0].text == ZH(
        "result-fix-retract",
        **retract,
        was=ZH("result-name-positive"),
        result=ZH("result-name-negative"),
    )
    assert told[1].text == EN(
        "result-fix-retract",
        **retract,
        was=EN("result-name-positive"),
        result=EN("result-name-negative"),
    )
    assert told[3].text == ZH(
        "result-fix-resident",
        name="胡军",
        day="2026-11-23",
        by="用户",
        result=ZH("result-name-negative"),
    )
    assert told[3].markup is None  # the resident cannot correct it


async def test_a_negative_is_corrected_to_positive_from_results_and_alerted(
    harness: Harness,
) -> None:
    record = await recorded(harness, TestResult.NEGATIVE)
    assert await outbox(harness) == []  # a negative alerts nobody
    [listing] = await harness.send(LIAISON, "/results")
    assert listing == ZH("result-recent", days=7)
    entry = ZH("result-recent-entry", name="胡军", day="11-23", result=ZH("result-name-negative"))
    assert harness.labels() == [entry]
    await harness.press(LIAISON, harness.button(entry))
    assert harness.labels() == [
        ZH("result-fix-to", result=ZH("result-name-positive")),
        ZH("result-fix-cancel"),
    ]
    await harness.press(LIAISON, fix(record, TestResult.NEGATIVE, TestResult.POSITIVE))
    assert await result(harness) == "positive"
    told = await outbox(harness)
    # As a positive is alerted: the unit's staff and the supervisors up the chain.
    assert [t.chat for t in told] == [COUNTY, TOWN, TRACKER, RESIDENT]
    assert told[2].text == ZH(
        "result-fix-alert",
        name="胡军",
        unit="东关村",
        day="2026-11-23",
        was=ZH("result-name-negative"),
        result=ZH("result-name-positive"),
        by="用户",
    )
    assert told[3].text.endswith("\n" + ZH("result-fix-resident-positive"))
    assert await corrections(harness) == [
        (LIAISON, "test_due/declaration:1/2026-11-23", "negative -> positive")
    ]


async def test_only_staff_of_the_unit_and_its_supervisors_may_correct(harness: Harness) -> None:
    record = await recorded(harness, TestResult.NEGATIVE)
    for who in (RESIDENT, STRANGER):  # the resident themselves; a tracker of another unit
        assert await harness.press(who, open_(record)) == []
        assert refusal(harness) == ZH("result-fix-not-staff")
        assert await harness.press(who, fix(record, TestResult.NEGATIVE, TestResult.POSITIVE)) == []
        assert refusal(harness) == ZH("result-fix-not-staff")
    assert await harness.send(RESIDENT, "/results") == [ZH("result-fix-not-staff")]
    assert await result(harness) == "negative"
    async with harness.database.session() as session:
        refused = list(
            await session.scalars(
                select(AuditLogRow.actor_id).where(
                    AuditLogRow.action == "test.correct", AuditLogRow.allowed.is_(False)
                )
            )
        )
    assert sorted(refused) == [RESIDENT, RESIDENT, RESIDENT, STRANGER, STRANGER]
    # The county's supervisor answers for the whole subtree.
    assert len(await harness.press(COUNTY, open_(record))) == 1
    await harness.press(COUNTY, fix(record, TestResult.NEGATIVE, TestResult.POSITIVE))
    assert await result(harness) == "positive"


async def test_forged_or_stale_corrections_change_nothing(harness: Harness) -> None:
    record = await recorded(harness, TestResult.NEGATIVE)
    cases = [
        (fix(record, TestResult.POSITIVE, TestResult.NEGATIVE), "result-fix-same"),
        (fix(record, TestResult.NEGATIVE, TestResult.PENDING), "result-fix-unknown"),
        (fix(record + 1, TestResult.NEGATIVE, TestResult.POSITIVE), "result-fix-unknown"),
        # The menu showed "pending" but someone has recorded the result since.
        (fix(record, TestResult.PENDING, TestResult.POSITIVE), "result-fix-changed"),
    ]
    for data, key in cases:
        assert await harness.press(TRACKER, data) == []
        assert refusal(harness) == ZH(key)
    assert await result(harness) == "negative"
    assert await corrections(harness) == []
    assert await outbox(harness) == []


async def test_a_pending_result_corrected_tells_only_the_resident(harness: Harness) -> None:
    record = await recorded(harness, TestResult.PENDING)
    await harness.press(TRACKER, fix(record, TestResult.PENDING, TestResult.NEGATIVE))
    assert await result(harness) == "negative"
    assert [t.chat for t in await outbox(harness)] == [RESIDENT]


async def test_cancel_takes_the_menus_buttons_off(harness: Harness) -> None:
    record = await recorded(harness, TestResult.NEGATIVE)
    await harness.press(TRACKER, open_(record))
    assert await harness.press(TRACKER, open_(record, close=True)) == []
    assert refusal(harness) == ZH("result-fix-cancelled")
    assert await result(harness) == "negative"


async def test_the_case_card_lists_the_positive_alert_and_the_correction(
    harness: Harness,
) -> None:
    answers = declaration_to_dict(replace(FEVER, name="胡军"))
    ob = await followup(harness, kind=ObligationKind.TEST_DUE, answers=answers)
    await harness.press(RESIDENT, TestRecord(obligation_id=ob, result=TestResult.POSITIVE).pack())
    await harness.press(RESIDENT, TestConfirm(obligation_id=ob, back=False).pack())
    await harness.press(TRACKER, open_(1))
    await harness.press(TRACKER, harness.button(harness.labels()[0]))
    view = CaseAct(declaration=1, action=CaseAction.VIEW).pack()
    card = (await harness.press(TRACKER, view))[-1]
    # The positive's alert went to the county, the town, the liaison and the tracker.
    at = "2026-11-23 09:00"
    assert ZH("case-card-alert-positive", at=at, staff=4, delivered=0) in card
    assert (
        ZH(
            "case-entry-result_fixed",
            at=at,
            name="用户",  # the corrector's Telegram name (the harness's)
            day="2026-11-23",
            was=ZH("case-test-positive"),
            to=ZH("case-test-negative"),
        )
        in card
    )
    assert ZH("case-card-test", day="2026-11-23", result=ZH("case-test-negative")) in card
