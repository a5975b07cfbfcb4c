from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import select

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.obligations import Obligation, ObligationKind, ObligationState
from handlers.excuse import ExcuseDialog
from scheduler.engine import ObligationEngine
from services import obligations
from storage import Repositories
from storage.models import OutboxRow
from tests.handlers.conftest import ADMIN_ID, BOT_ID, EN, ZH, Harness, not_understood
from texts.keyboards import ExcuseObligation
from texts.obligations import ObligationTexts

ZONE = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=ZONE)
POLICY = obligations.EscalationPolicy(DEFAULT_CHAIN_BOOK, WorkCalendar.of(ZONE))
FACTS_ZH = {"unit": "东关村", "kind": ZH("obligation-kind-unit_report"), "due": "11-23 17:00"}
FACTS_EN = {"unit": "东关村", "kind": EN("obligation-kind-unit_report"), "due": "11-23 17:00"}


def report(unit: str = "dongguan") -> Obligation:
    return Obligation(ObligationKind.UNIT_REPORT, unit, "2026-11-23", unit, unit, DUE)


async def open_report(harness: Harness, unit: str = "dongguan") -> int:
    async def act(repos: Repositories) -> Obligation:
        stored, _ = await obligations.open_obligation(
            repos, POLICY, report(unit), now=DUE - timedelta(hours=8)
        )
        return stored

    stored = await harness.repos(act)
    assert stored.id is not None
    return int(stored.id)


async def stored(harness: Harness, obligation_id: int) -> Obligation:
    found = await harness.repos(lambda r: r.obligations.get_by_id(obligation_id))
    assert isinstance(found, Obligation)
    return found


def alert(harness: Harness) -> AnswerCallbackQuery:
    answer: AnswerCallbackQuery = harness.session.of_type(AnswerCallbackQuery)[-1]
    return answer


@pytest.fixture(autouse=True)
def after_the_deadline(harness: Harness) -> None:
    harness.clock.set(DUE + timedelta(hours=1))


async def test_the_escalations_button_excuses_with_a_reason(harness: Harness) -> None:
    # The engine escalates the missing report to 城关镇's supervisor with the button on it.
    await open_report(harness)
    at = DUE + timedelta(minutes=31)
    engine = ObligationEngine(
        harness.database, POLICY.chains, POLICY.calendar, ObligationTexts(), now=lambda: at
    )
    await engine.run_due()
    async with harness.database.session() as session:
        rows = list(await session.scalars(select(OutboxRow).where(OutboxRow.chat_id == 1002)))
    [escalation] = [row for row in rows if row.reply_markup]
    assert escalation.text == EN("obligation-unit-report-escalate", who="张联络", **FACTS_EN)
    assert escalation.reply_markup is not None
    [[button]] = escalation.reply_markup["inline_keyboard"]
    assert button["text"] == EN("obligation-excuse-button")

    prompt = await harness.press(1002, button["callback_data"], language="en")
    assert prompt == [EN("excuse-ask-reason", limit=500, **FACTS_EN)]
    reason = "村委停电，<已电话报告>"
    assert await harness.send(1002, reason, language="en") == [
        EN("excuse-done", reason=reason, **FACTS_EN)
    ]
    excused = await stored(harness, ExcuseObligation.unpack(button["callback_data"]).obligation_id)
    assert excused.state is ObligationState.EXCUSED
    assert excused.excuse_reason == reason
    assert excused.closed_by == 1002
    assert excused.next_action_at is None  # nothing more is sent for it
    audit = await harness.repos(lambda r: r.audit.recent())
    assert [(e.actor_id, e.action, e.allowed, e.detail) for e in audit] == [
        (1002, "obligation.excuse", True, reason)
    ]
    assert not_understood(await harness.send(1002, "again", language="en"), EN)  # it is over


async def test_a_non_supervisor_is_refused_and_audited(harness: Harness) -> None:
    obligation_id = await open_report(harness)
    data = ExcuseObligation(obligation_id=obligation_id).pack()
    assert await harness.press(2001, data) == []  # the liaison who owes it
    assert alert(harness).text == ZH("perm-not-supervisor")
    assert alert(harness).show_alert
    assert await harness.press(4001, data) == []  # a stranger
    # 城关镇's supervisor has no say over 河西街道.
    other = await open_report(harness, "hexi")
    assert await harness.press(1002, ExcuseObligation(obligation_id=other).pack()) == []
    assert alert(harness).text == EN("perm-not-supervisor")

    audit = await harness.repos(lambda r: r.audit.recent())
    assert [(e.actor_id, e.action, e.target, e.allowed, e.detail) for e in audit] == [
        (1002, "obligation.excuse", "unit_report/hexi/2026-11-23", False, "perm-not-supervisor"),
        (
            4001,
            "obligation.excuse",
            "unit_report/dongguan/2026-11-23",
            False,
            "perm-not-supervisor",
        ),
        (
            2001,
            "obligation.excuse",
            "unit_report/dongguan/2026-11-23",
            False,
            "perm-not-supervisor",
        ),
    ]
    # No reason is being asked for: a text afterwards is not taken as one.
    assert not_understood(await harness.send(2001, "不用报了"))
    assert (await stored(harness, obligation_id)).state is ObligationState.OPEN


async def test_forged_and_unknown_ids_are_refused(harness: Harness) -> None:
    assert await harness.press(1001, ExcuseObligation(obligation_id=987654).pack()) == []
    assert alert(harness).text == ZH("obligation-unknown")
    audit = await harness.repos(lambda r: r.audit.recent())
    assert [(e.actor_id, e.target, e.allowed) for e in audit] == [(1001, "987654", False)]
    # Not an id at all: the filter does not parse it, so it is a stale button.
    assert await harness.press(1001, "v1exc:1;DROP") == []
    assert alert(harness).text == ZH("button-expired")


async def test_a_report_filed_before_the_press_is_not_excused(harness: Harness) -> None:
    obligation_id = await open_report(harness)
    await harness.repos(
        lambda r: obligations.meet(r, report().key, at=DUE - timedelta(minutes=5), by=2001)
    )
    data = ExcuseObligation(obligation_id=obligation_id).pack()
    assert await harness.press(1001, data) == []
    assert alert(harness).text == ZH("obligation-closed")
    assert (await stored(harness, obligation_id)).state is ObligationState.MET


async def test_a_report_filed_while_the_reason_is_typed_wins(harness: Harness) -> None:
    obligation_id = await open_report(harness)
    await harness.press(1001, ExcuseObligation(obligation_id=obligation_id).pack())
    await harness.repos(lambda r: obligations.meet(r, report().key, at=DUE, by=2001))
    assert await harness.send(1001, "联络员请假") == [ZH("obligation-closed")]
    met = await stored(harness, obligation_id)
    assert met.state is ObligationState.MET
    assert met.excuse_reason is None


async def test_a_too_long_reason_is_asked_again(harness: Harness) -> None:
    obligation_id = await open_report(harness)
    await harness.press(1001, ExcuseObligation(obligation_id=obligation_id).pack())
    assert await harness.send(1001, "长" * 501) == [
        ZH("excuse-reason-too-long", limit=500, length=501)
    ]
    state = await harness.storage.get_state(_key(1001))
    assert state == ExcuseDialog.reason.state
    assert await harness.send(1001, "长" * 500) == [
        ZH("excuse-done", reason="长" * 500, **FACTS_ZH)
    ]
    assert (await stored(harness, obligation_id)).closed_by == 1001


async def test_cancel_leaves_the_reason_question(harness: Harness) -> None:
    obligation_id = await open_report(harness)
    await harness.press(1001, ExcuseObligation(obligation_id=obligation_id).pack())
    assert await harness.send(1001, "/cancel") == [ZH("cancel-done")]
    assert not_understood(await harness.send(1001, "联络员请假"))
    assert (await stored(harness, obligation_id)).state is ObligationState.OPEN


async def test_a_role_lost_while_typing_is_checked_again(harness: Harness) -> None:
    obligation_id = await open_report(harness)
    await harness.press(ADMIN_ID, ExcuseObligation(obligation_id=obligation_id).pack())
    # Admins may excuse anything; pretend the admin list changed before the reason came.
    harness.settings.admins.telegram_ids.clear()
    harness.restart()
    assert await harness.send(ADMIN_ID, "理由") == [ZH("perm-not-supervisor")]
    assert (await stored(harness, obligation_id)).state is ObligationState.OPEN


def _key(user: int) -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=user, user_id=user)
