"""/report, /zero, /status and the reminder buttons, through the real dispatcher and database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import create_dispatcher
from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.obligations import Obligation, ObligationState
from domain.reports import DEFAULT_FORM, FiledReport, ReportPolicy
from handlers.reports.dialog import ReportDialog
from scheduler.engine import ObligationEngine
from services import obligations, reports
from services.org import load_org_file
from storage import Repositories
from storage.db import open_unit_of_work
from storage.models import OutboxRow
from tests.handlers.conftest import BOT_ID, EN, ZH, Harness, not_understood
from tests.orgs import NANJIE as NANJIE_UNIT
from tests.orgs import Group, Member, Unit, org_toml
from texts.keyboards import (
    ReminderReport,
    ReportStep,
    ReportUnitChoice,
    StatusOpen,
    StatusUnit,
    ZeroConfirm,
)
from texts.obligations import ObligationTexts

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=ZONE)
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
ESCALATION = obligations.EscalationPolicy(DEFAULT_CHAIN_BOOK, WorkCalendar.of(ZONE))
POLICY = ReportPolicy.default()
WORK_GROUP = -1002001
LIAISON, DEPUTY, NANJIE, MULTI, RESIDENT = 2001, 2002, 2003, 2004, 3001
MORE_ORG = org_toml(
    [
        NANJIE_UNIT,
        Unit("liulin", "柳林村", "village", "chengguan"),
        Unit("binhe", "滨河<社区>", "community", "hexi"),
    ],
    [
        Member(DEPUTY, "赵副手", "dongguan", "deputy"),
        Member(NANJIE, "钱联络", "nanjie", "liaison", language="en"),
        Member(MULTI, "孙联络", "liulin", "liaison"),
        Member(MULTI, "孙联络", "binhe", "liaison"),
        Member(RESIDENT, "胡军", "dongguan", "resident"),
    ],
    [Group(WORK_GROUP, "东关村工作群", "dongguan", "work")],
)
# Telegram's name of whoever presses a button in the harness: the bot keeps names up to date.
SHOWN = "用户"
ANSWERS = {
    "returned": 3,
    "returned_risk": 1,
    "central_quarantine": 0,
    "home_quarantine": 2,
    "monitoring": 5,
    "fever_cases": 0,
    "tests_done": 120,
    "abnormal": None,
}


@pytest.fixture(autouse=True)
async def day_opened(harness: Harness) -> None:
    harness.clock.set(MORNING)

    async def act(repos: Repositories) -> None:
        await load_org_file(repos, MORE_ORG, now=MORNING)
        await reports.open_day(repos, ESCALATION, POLICY, DAY, now=MORNING)

    await harness.repos(act)


def q(tr: object, key: str) -> str:
    """The question text of a field, as the dialog labels it."""
    assert callable(tr)
    return str(tr(f"form-unit_report-{key}"))


async def versions(harness: Harness, unit: str = "dongguan") -> list[FiledReport]:
    found: list[FiledReport] = await harness.repos(lambda r: r.reports.versions(unit, DAY))
    return found


async def obligation(harness: Harness, unit: str = "dongguan") -> Obligation:
    found = await harness.repos(lambda r: r.obligations.get(reports.report_key(unit, DAY)))
    assert isinstance(found, Obligation)
    return found


async def group_lines(harness: Harness) -> list[tuple[str, str]]:
    async with harness.database.session() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.chat_id == WORK_GROUP).order_by(OutboxRow.id)
        )
        return [(row.dedupe_key, row.text) for row in rows]


def alert(harness: Harness) -> AnswerCallbackQuery:
    answer: AnswerCallbackQuery = harness.session.of_type(AnswerCallbackQuery)[-1]
    return answer


async def draft_of(harness: Harness, user: int) -> dict[str, object]:
    key = StorageKey(bot_id=BOT_ID, chat_id=user, user_id=user)
    data = await harness.storage.get_data(key)
    draft = data.get("draft")
    assert isinstance(draft, dict)
    return draft


async def dialog_of(harness: Harness, user: int) -> str:
    key = StorageKey(bot_id=BOT_ID, chat_id=user, user_id=user)
    dialog = (await harness.storage.get_data(key)).get("dialog")
    assert isinstance(dialog, str)
    return dialog


async def fill(harness: Harness, user: int = LIAISON, language: str = "zh-hans") -> None:
    """Answer every question of the default form, skipping the abnormal situations."""
    for key in ("returned", "returned_risk", "central_quarantine", "home_quarantine"):
        await harness.send(user, str(ANSWERS[key]), language=language)
    for key in ("monitoring", "fever_cases", "tests_done"):
        await harness.send(user, str(ANSWERS[key]), language=language)
    await harness.press(user, harness.button(ZH("report-button-skip")), language=language)


async def test_a_full_report_with_an_edit_is_filed_and_announced(harness: Harness) -> None:
    [first] = await harness.send(LIAISON, "/report")
    assert first == "\n".join(
        [
            ZH("report-header", unit="东关村", day="2026-11-23", cutoff="截至昨日24时"),
            ZH("report-question", number=1, total=7, question=q(ZH, "returned")),
            ZH("report-hint-count"),
        ]
    )
    buttons = [b.text for row in harness.last_keyboard().inline_keyboard for b in row]
    assert buttons == [ZH("report-button-cancel")]  # no Back on the first, no Skip: required
    [second] = await harness.send(LIAISON, " ３ ")  # full-width digits and spaces are fine
    assert ZH("report-question", number=2, total=8, question=q(ZH, "returned_risk")) in second
    for key in ("returned_risk", "central_quarantine", "home_quarantine", "monitoring"):
        await harness.send(LIAISON, str(ANSWERS[key]))
    await harness.send(LIAISON, "0")
    [last] = await harness.send(LIAISON, "120")
    assert q(ZH, "abnormal") in last
    assert ZH("report-hint-optional") in last
    [summary] = await harness.press(LIAISON, harness.button(ZH("report-button-skip")))
    lines = summary.splitlines()
    assert summary.startswith(
        ZH("report-summary-title", unit="东关村", day="2026-11-23", cutoff="截至昨日24时")
    )
    assert ZH("report-summary-line", field=q(ZH, "home_quarantine"), value=2) in lines
    assert ZH("report-summary-line", field=q(ZH, "abnormal"), value="（未填）") in lines
    assert lines[-1] == ZH("report-summary-footer")
    assert await versions(harness) == []  # nothing is stored before Submit

    # Edit one answer from the summary: its question, then straight back to the summary.
    # Its button has the field's short name (the question is too long for a button).
    edit = harness.button(ZH("report-button-edit", field=q(ZH, "home_quarantine-short")))
    [asked] = await harness.press(LIAISON, edit)
    assert q(ZH, "home_quarantine") in asked
    [again] = await harness.send(LIAISON, "4")
    assert ZH("report-summary-line", field=q(ZH, "home_quarantine"), value=4) in again.splitlines()

    harness.clock.set(datetime(2026, 11, 23, 16, 2, tzinfo=ZONE))
    [done] = await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    assert done == ZH("report-filed", unit="东关村", day="2026-11-23", what="日报告", time="16:02")
    [filed] = await versions(harness)
    assert filed.version == 1
    assert not filed.zero
    assert not filed.late
    assert dict(filed.answers) == {**ANSWERS, "home_quarantine": 4}
    assert filed.filed_by == LIAISON
    assert (await obligation(harness)).state is ObligationState.MET
    assert await group_lines(harness) == [
        ("report:dongguan:2026-11-23:1:group", "📨 东关村 日报告已由 用户 报送（16:02）")
    ]
    # The dialog is over: a number now is nobody's answer.
    assert not_understood(await harness.send(LIAISON, "5"))


@pytest.mark.parametrize(
    ("answer", "refusal"),
    [
        ("-1", ZH("form-negative")),
        ("abc", ZH("form-not-a-number")),
        ("3.5", ZH("form-not-a-number")),
        ("", ZH("form-empty")),
    ],
)
async def test_bad_counts_are_asked_again_with_the_reason(
    harness: Harness, answer: str, refusal: str
) -> None:
    await harness.send(LIAISON, "/report")
    before = await draft_of(harness, LIAISON)
    [reply] = await harness.send(LIAISON, answer or " ")
    lines = reply.splitlines()
    assert lines[0] == ZH("report-refused", reason=refusal)
    assert ZH("report-question", number=1, total=7, question=q(ZH, "returned")) in lines
    assert await draft_of(harness, LIAISON) == before
    assert await versions(harness) == []


async def test_a_sub_count_above_its_total_and_a_too_long_text_are_refused(
    harness: Harness,
) -> None:
    await harness.send(LIAISON, "/report")
    await harness.send(LIAISON, "2")
    [reply] = await harness.send(LIAISON, "3")
    assert reply.splitlines()[0] == ZH(
        "report-refused", reason=ZH("form-exceeds", other=q(ZH, "returned"), limit=2)
    )
    assert q(ZH, "returned_risk") in reply
    for answer in ("2", "0", "0", "0", "0", "0"):
        await harness.send(LIAISON, answer)
    [long] = await harness.send(LIAISON, "长" * 5000)
    assert long.splitlines()[0] == ZH(
        "report-refused", reason=ZH("form-too-long", limit=1000, length=5000)
    )
    assert q(ZH, "abnormal") in long
    [summary] = await harness.send(LIAISON, "  村口<卡点>人手不足  ")
    assert "村口&lt;卡点&gt;人手不足" in summary  # escaped, stripped
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    [filed] = await versions(harness)
    assert filed.answers["abnormal"] == "村口<卡点>人手不足"
    assert filed.answers["returned_risk"] == 2


async def test_english_refusals_name_the_other_field(harness: Harness) -> None:
    await harness.send(NANJIE, "/report", language="en")
    await harness.send(NANJIE, "1", language="en")
    [reply] = await harness.send(NANJIE, "9", language="en")
    assert reply.splitlines()[0] == EN(
        "report-refused", reason=EN("form-exceeds", other="Newly returned people", limit=1)
    )


async def test_back_skip_and_cancel(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    await harness.send(LIAISON, "0")  # nobody returned: "of which from risk areas" is not asked
    stale_cancel = harness.button(ZH("report-button-cancel"))
    [central] = await harness.send(LIAISON, "1")  # the answer to central_quarantine
    assert q(ZH, "home_quarantine") in central
    [back] = await harness.press(LIAISON, harness.button(ZH("report-button-back")))
    assert q(ZH, "central_quarantine") in back
    [back] = await harness.press(LIAISON, harness.button(ZH("report-button-back")))
    assert q(ZH, "returned") in back
    # A button of an earlier question does nothing now.
    assert await harness.press(LIAISON, stale_cancel) == []
    assert alert(harness).text == ZH("button-expired")
    # A forged button without this dialog's id is refused as expired...
    position = (await draft_of(harness, LIAISON))["position"]
    assert isinstance(position, int)
    assert await harness.press(LIAISON, ReportStep(action="skip", position=position).pack()) == []
    assert alert(harness).text == ZH("button-expired")
    # ...and Skip on a required question is refused even with it.
    dialog = await dialog_of(harness, LIAISON)
    forged = ReportStep(action="skip", position=position, dialog=dialog).pack()
    [refused] = await harness.press(LIAISON, forged)
    assert refused.startswith(ZH("report-refused", reason=ZH("form-not-optional")))
    [cancelled] = await harness.press(LIAISON, harness.button(ZH("report-button-cancel")))
    assert cancelled == ZH("report-cancelled")
    assert not_understood(await harness.send(LIAISON, "3"))
    assert await versions(harness) == []
    assert (await obligation(harness)).state is ObligationState.OPEN


async def test_cancel_command_and_restart_keep_or_end_the_dialog(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    await harness.send(LIAISON, "1")
    harness.restart()  # the draft lives in FSM storage, so the dialog goes on
    [reply] = await harness.send(LIAISON, "1")
    assert q(ZH, "central_quarantine") in reply
    assert await harness.send(LIAISON, "/cancel") == [ZH("cancel-done")]
    assert not_understood(await harness.send(LIAISON, "1"))


async def test_a_tampered_draft_restarts_politely(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    key = StorageKey(bot_id=BOT_ID, chat_id=LIAISON, user_id=LIAISON)
    data = await harness.storage.get_data(key)
    await harness.storage.set_data(key, {**data, "draft": {"form": "unit_report", "x": 1}})
    assert await harness.send(LIAISON, "1") == [ZH("report-restart")]
    assert await harness.storage.get_state(key) is None
    await harness.send(LIAISON, "/report")
    await harness.storage.set_data(key, {**data, "draft": {**data["draft"], "position": 99}})
    assert await harness.send(LIAISON, "1") == [ZH("report-restart")]


async def test_a_zero_report_after_one_confirmation(harness: Harness) -> None:
    [ask] = await harness.send(LIAISON, "/zero")
    assert ask == ZH("report-zero-confirm", unit="东关村", day="2026-11-23", cutoff="截至昨日24时")
    confirm = harness.button(ZH("report-button-zero-confirm"))
    [done] = await harness.press(LIAISON, confirm)
    assert done == ZH("report-filed", unit="东关村", day="2026-11-23", what="零报告", time="10:00")
    [filed] = await versions(harness)
    assert filed.zero
    assert dict(filed.answers) == {**{k: 0 for k in ANSWERS}, "abnormal": None}
    assert (await obligation(harness)).state is ObligationState.MET
    assert await group_lines(harness) == [
        ("report:dongguan:2026-11-23:1:group", "📨 东关村 零报告已由 用户 报送（10:00）")
    ]
    # A second tap on the same confirmation files nothing more.
    assert await harness.press(LIAISON, confirm) == []
    assert alert(harness).text == ZH("button-expired")
    assert len(await versions(harness)) == 1


async def test_a_commit_that_fails_is_answered_with_the_error_not_the_success(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await harness.send(LIAISON, "/zero")
    confirm = harness.button(ZH("report-button-zero-confirm"))
    real_commit = AsyncSession.commit
    failures = []

    async def commit_failing_once(session: AsyncSession) -> None:
        # The update's unit of work, the one holding the report: not the duplicate check's.
        if not failures and session is open_unit_of_work():
            failures.append(session)
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        await real_commit(session)

    monkeypatch.setattr(AsyncSession, "commit", commit_failing_once)
    replies = await harness.press(LIAISON, confirm)
    monkeypatch.undo()
    assert failures  # the report's commit, before anyone was told
    assert replies == []
    assert alert(harness).text == ZH("error-generic")
    assert await versions(harness) == []
    assert (await obligation(harness)).state is ObligationState.OPEN
    assert await group_lines(harness) == []


async def test_cancelling_a_zero_report_files_nothing(harness: Harness) -> None:
    await harness.send(DEPUTY, "/zero")  # the deputy may file too
    assert await harness.press(DEPUTY, harness.button(ZH("report-button-cancel"))) == [
        ZH("report-zero-cancelled")
    ]
    assert await versions(harness) == []


async def test_a_correction_keeps_both_versions_and_a_late_one_says_so(harness: Harness) -> None:
    await harness.send(LIAISON, "/zero")
    await harness.press(LIAISON, harness.button(ZH("report-button-zero-confirm")))
    harness.clock.set(DUE + timedelta(minutes=5))
    [start] = await harness.send(DEPUTY, "/report")
    assert start.splitlines()[0] == ZH(
        "report-correction-start", unit="东关村", day="2026-11-23", version=1, next=2
    )
    await fill(harness, DEPUTY)
    [done] = await harness.press(DEPUTY, harness.button(ZH("report-button-submit")))
    assert done.splitlines() == [
        ZH("report-filed", unit="东关村", day="2026-11-23", what="日报告", time="17:05"),
        ZH("report-filed-version", version=2),
    ]
    first, second = await versions(harness)
    assert (first.version, first.zero, first.filed_by) == (1, True, LIAISON)
    assert (second.version, second.zero, second.filed_by) == (2, False, DEPUTY)
    assert dict(second.answers) == ANSWERS
    assert second.late  # filed after the deadline, though the status follows the first
    assert (await obligation(harness)).state is ObligationState.MET
    assert [text for _, text in await group_lines(harness)] == [
        "📨 东关村 零报告已由 用户 报送（10:00）",
        "📨 东关村 日报告已由 用户 报送（17:05，更正第 2 版）",
    ]


async def test_a_late_first_report_is_recorded_late(harness: Harness) -> None:
    harness.clock.set(DUE + timedelta(hours=1))
    await harness.send(NANJIE, "/zero", language="en")
    [done] = await harness.press(
        NANJIE, harness.button(EN("report-button-zero-confirm")), language="en"
    )
    assert done.splitlines() == [
        EN("report-filed", unit="南街社区", day="2026-11-23", what="zero report", time="18:00"),
        EN("report-filed-late", due="17:00"),
    ]
    assert (await obligation(harness, "nanjie")).state is ObligationState.MET_LATE


async def test_several_units_choose_one(harness: Harness) -> None:
    [ask] = await harness.send(MULTI, "/report")
    assert ask == ZH("report-choose-unit")
    names = [b.text for row in harness.last_keyboard().inline_keyboard for b in row]
    assert sorted(names) == ["柳林村", "滨河<社区>"]  # a button's text is not HTML
    [question] = await harness.press(MULTI, harness.button("滨河<社区>"))
    assert question.startswith(
        ZH("report-header", unit="滨河<社区>", day="2026-11-23", cutoff="截至昨日24时")
    )
    assert "滨河&lt;社区&gt;" in question
    await harness.send(MULTI, "/zero")
    [ask] = await harness.press(MULTI, harness.button("柳林村"))
    assert ask == ZH("report-zero-confirm", unit="柳林村", day="2026-11-23", cutoff="截至昨日24时")


async def test_roles_are_checked_and_refusals_audited(harness: Harness) -> None:
    assert await harness.send(RESIDENT, "/report") == [ZH("report-no-unit")]
    assert await harness.send(RESIDENT, "/zero") == [ZH("report-no-unit")]
    assert await harness.send(RESIDENT, "/status") == [ZH("status-no-role")]
    # 南街社区's liaison forges buttons for 东关村.
    choice = ReportUnitChoice(zero=False, unit="dongguan").pack()
    assert await harness.press(NANJIE, choice, language="en") == []
    assert alert(harness).text == EN("report-not-liaison")
    assert alert(harness).show_alert
    confirm = ZeroConfirm(ok=True, unit="dongguan", day="2026-11-23", base=0).pack()
    assert await harness.press(NANJIE, confirm, language="en") == []
    assert alert(harness).text == EN("report-not-liaison", unit="东关村", day="2026-11-23")
    ob = await obligation(harness)
    assert ob.id is not None
    reminder = ReminderReport(zero=True, obligation_id=ob.id).pack()
    assert await harness.press(NANJIE, reminder, language="en") == []
    assert alert(harness).text == EN("report-not-liaison")
    assert await harness.press(NANJIE, ReminderReport(zero=True, obligation_id=999).pack()) == []
    assert alert(harness).text == EN("obligation-unknown")
    # A step button with no dialog is stale.
    assert await harness.press(NANJIE, ReportStep(action="submit", position=8).pack()) == []
    assert alert(harness).text == EN("button-expired")

    assert await versions(harness) == []
    assert (await obligation(harness)).state is ObligationState.OPEN
    audit = await harness.repos(lambda r: r.audit.recent())
    assert [(e.actor_id, e.action, e.target, e.allowed, e.detail) for e in reversed(audit)] == [
        (RESIDENT, "report.file", "", False, "report-no-unit"),
        (RESIDENT, "report.file", "", False, "report-no-unit"),
        (RESIDENT, "report.status", "", False, "status-no-role"),
        (NANJIE, "report.file", "dongguan", False, "report-not-liaison"),
        (NANJIE, "report.file", "dongguan/2026-11-23", False, "report-not-liaison"),
        (NANJIE, "report.file", "dongguan/2026-11-23", False, "report-not-liaison"),
        (NANJIE, "report.file", "999", False, "obligation-unknown"),
    ]


async def test_a_unit_with_nothing_owed_is_told_so(harness: Harness) -> None:
    harness.clock.set(MORNING + timedelta(days=1))  # the next day is not opened
    assert await harness.send(LIAISON, "/report") == [
        ZH("report-not-due", unit="东关村", day="2026-11-24")
    ]
    assert (
        await harness.storage.get_state(StorageKey(bot_id=BOT_ID, chat_id=LIAISON, user_id=LIAISON))
        is None
    )


async def test_the_reminders_buttons_file_a_zero_report_or_start_the_form(
    harness: Harness,
) -> None:
    at = DUE - timedelta(minutes=60)
    engine = ObligationEngine(
        harness.database, ESCALATION.chains, ESCALATION.calendar, ObligationTexts(), now=lambda: at
    )
    await engine.run_due()
    async with harness.database.session() as session:
        rows = list(await session.scalars(select(OutboxRow).where(OutboxRow.chat_id == LIAISON)))
    [reminder] = rows
    assert reminder.reply_markup is not None
    [[file, zero]] = reminder.reply_markup["inline_keyboard"]
    assert (file["text"], zero["text"]) == (ZH("report-button-file"), ZH("report-button-zero"))

    harness.clock.set(at)
    [question] = await harness.press(LIAISON, file["callback_data"])
    assert q(ZH, "returned") in question
    await harness.send(LIAISON, "/cancel")
    [ask] = await harness.press(LIAISON, zero["callback_data"])
    assert ask == ZH("report-zero-confirm", unit="东关村", day="2026-11-23", cutoff="截至昨日24时")
    await harness.press(LIAISON, harness.button(ZH("report-button-zero-confirm")))
    assert (await obligation(harness)).state is ObligationState.MET
    # Once filed, the reminder's buttons say so rather than filing again.
    assert await harness.press(LIAISON, zero["callback_data"]) == []
    assert alert(harness).text == ZH("report-already-filed", unit="东关村", day="2026-11-23")
    assert len(await versions(harness)) == 1


async def _the_day(harness: Harness) -> None:
    """东关村 files a full report, 南街社区 a zero one late; 柳林村 and 滨河社区 file nothing."""
    await harness.send(LIAISON, "/report")
    await fill(harness)
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    harness.clock.set(DUE + timedelta(minutes=20))
    await harness.send(NANJIE, "/zero", language="en")
    await harness.press(NANJIE, harness.button(EN("report-button-zero-confirm")), language="en")
    harness.clock.set(DUE + timedelta(hours=1))


async def test_status_for_supervisors_in_both_languages(harness: Harness) -> None:
    await _the_day(harness)
    [county] = await harness.send(1001, "/status")
    lines = county.splitlines()
    assert lines[:2] == [
        ZH("rollup-title", unit="示范县", day="2026-11-23"),
        ZH("rollup-tally", expected=4, submitted=2, zero=1, late=1, excused=0, missing=2),
    ]
    assert ZH("rollup-missing-line", parent="城关镇", units="柳林村") in lines
    assert ZH("rollup-missing-line", parent="河西街道", units="滨河<社区>") in lines
    assert (
        ZH(
            "rollup-child-line",
            unit="城关镇",
            submitted=2,
            expected=3,
            zero=1,
            late=1,
            excused=0,
            missing=1,
        )
        in lines
    )
    assert ZH("rollup-total-line", field=q(ZH, "tests_done"), value=120) in lines
    assert ZH("rollup-total-line", field=q(ZH, "returned"), value=3) in lines

    [township] = await harness.send(1002, "/status 11-23", language="en")
    lines = township.splitlines()
    assert lines[:2] == [
        EN("rollup-title", unit="城关镇", day="2026-11-23"),
        EN("rollup-tally", expected=3, submitted=2, zero=1, late=1, excused=0, missing=1),
    ]
    assert EN("rollup-missing-line", parent="城关镇", units="柳林村") in lines
    assert EN("rollup-total-line", field="Nucleic-acid tests done", value=120) in lines
    assert "滨河" not in township  # another township's unit

    # Another day: nothing was owed.
    assert await harness.send(1002, "/status 2026-11-20", language="en") == [
        EN("status-none-owed", unit="城关镇", day="2026-11-20")
    ]
    assert await harness.send(1002, "/status yesterday", language="en") == [
        EN("status-none-owed", unit="城关镇", day="2026-11-22")
    ]
    assert await harness.send(1002, "/status 11-31", language="en") == [
        EN("answer-date-invalid") + "\n" + EN("status-usage")
    ]


async def test_status_for_liaisons_shows_their_unit_and_versions(harness: Harness) -> None:
    await _the_day(harness)
    [mine] = await harness.send(LIAISON, "/status")
    assert mine.splitlines() == [
        ZH("status-unit-title", unit="东关村", day="2026-11-23"),
        ZH("status-unit-filed", state="已报送", what="日报告", name=SHOWN, time="10:00"),
        ZH("status-history-title", days=7),
        ZH(
            "status-history-line",
            day="2026-11-23",
            version=1,
            what="日报告",
            name=SHOWN,
            time="10:00",
            late="",
        ),
    ]
    [nanjie] = await harness.send(NANJIE, "/status", language="en")
    assert nanjie.splitlines()[:2] == [
        EN("status-unit-title", unit="南街社区", day="2026-11-23"),
        EN("status-unit-filed", state="Filed late", what="zero report", name=SHOWN, time="17:20"),
    ]
    [liulin, binhe] = await harness.send(MULTI, "/status")
    assert liulin.splitlines()[:2] == [
        ZH("status-unit-title", unit="柳林村", day="2026-11-23"),
        ZH("status-unit-missing", due="17:00"),
    ]
    assert ZH("status-history-none") in liulin
    assert "滨河&lt;社区&gt;" in binhe


async def test_a_county_rollup_opens_its_units_and_a_long_one_is_split_never_cut(
    harness: Harness,
) -> None:
    extra = []
    for index in range(300):
        extra.append(
            f'[[unit]]\ncode = "v{index:03d}"\nname = "第{index:03d}号很长名字的村民委员会"\n'
            'kind = "village"\nparent = "hexi"\n'
        )

    async def act(repos: Repositories) -> None:
        await load_org_file(repos, "\n".join(extra), now=MORNING)
        await reports.open_day(repos, ESCALATION, POLICY, DAY, now=MORNING)

    await harness.repos(act)
    # Past the deadline, the county's roll-up counts the villages missing further down, and
    # opens each unit below with a button.
    harness.clock.set(DUE + timedelta(minutes=5))
    [county] = await harness.send(1001, "/status")
    assert ZH("rollup-missing-many", count=304) in county
    assert "第000号" not in county
    opened = await harness.press(1001, harness.button("河西街道"))
    assert len(opened) > 1
    assert all(len(part) <= 4096 for part in opened)
    joined = "".join(opened)
    for index in range(300):
        assert f"第{index:03d}号很长名字的村民委员会" in joined


async def test_a_forged_status_button_opens_nothing(harness: Harness) -> None:
    async def pressed(user: int, unit: str, day: str) -> list[str]:
        replies = await harness.press(user, StatusOpen(unit=unit, day=day).pack())
        assert alert(harness).text in (ZH("perm-denied"), EN("perm-denied"))
        assert alert(harness).show_alert
        return replies

    day = DAY.isoformat()
    assert await pressed(LIAISON, "chengguan", day) == []  # not a supervisor
    assert await pressed(1002, "county", day) == []  # above the township supervisor
    assert await pressed(1002, "nowhere", day) == []
    assert await pressed(1002, "chengguan", "tomorrow") == []
    assert await pressed(1002, "chengguan", (DAY + timedelta(days=1)).isoformat()) == []
    # The township supervisor's own unit opens.
    [rollup] = await harness.press(1002, StatusOpen(unit="chengguan", day=day).pack())
    assert "城关镇" in rollup


async def test_status_refuses_a_day_to_come_or_older_than_the_reports_kept(
    harness: Harness,
) -> None:
    window = {"first": "2025-11-22", "last": "2026-11-23", "days": 366}
    out_of_range = EN("answer-date-outside", **window) + "\n" + EN("status-usage")
    for arg in ("dongguan 0001-01-01", "0001-01-01", "2026-11-24", "dongguan 9999-12-31"):
        assert await harness.send(1002, f"/status {arg}") == [out_of_range], arg
    assert await harness.send(1002, "/status 2025-11-21") == [out_of_range]
    assert await harness.send(LIAISON, "/status 2026-11-24") == [
        ZH("answer-date-outside", **window) + "\n" + ZH("status-usage")
    ]
    # Both ends are inside.
    assert await harness.send(1002, "/status 2025-11-22") == [
        EN("status-none-owed", unit="城关镇", day="2025-11-22")
    ]
    [today] = await harness.send(1002, "/status dongguan 2026-11-23")
    assert today.startswith(EN("status-unit-title", unit="东关村", day="2026-11-23"))
    # Who may ask is answered before which day: a resident hears that they may not.
    assert await harness.send(RESIDENT, "/status 0001-01-01") == [ZH("status-no-role")]
    assert await harness.send(RESIDENT, "/status dongguan 0001-01-01") == [ZH("perm-denied")]


async def test_a_choice_index_that_is_no_ascii_number_is_refused_not_raised(
    harness: Harness,
) -> None:
    await harness.send(LIAISON, "/report")
    cancel = ReportStep.unpack(harness.button(ZH("report-button-cancel")))
    forged = ReportStep(action="choose", position=cancel.position, key="²", dialog=cancel.dialog)
    [refused] = await harness.press(LIAISON, forged.pack())
    assert ZH("form-not-a-choice") in refused.splitlines()[0]
    assert alert(harness).text is None  # answered quietly, not with an apology


def test_the_dialog_state_is_named() -> None:
    assert ReportDialog.filling.state == "ReportDialog:filling"
    assert DEFAULT_FORM.fields[0].key == "returned"


async def test_a_tampered_answer_is_caught_at_submit(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    await fill(harness)
    key = StorageKey(bot_id=BOT_ID, chat_id=LIAISON, user_id=LIAISON)
    data = await harness.storage.get_data(key)
    draft = dict(data["draft"])
    draft["answers"] = {**draft["answers"], "returned_risk": 9}
    await harness.storage.set_data(key, {**data, "draft": draft})
    [asked] = await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    assert asked.splitlines()[0] == ZH(
        "report-refused", reason=ZH("form-exceeds", other=q(ZH, "returned"), limit=3)
    )
    assert q(ZH, "returned_risk") in asked
    assert await versions(harness) == []
    [summary] = await harness.send(LIAISON, "1")
    assert ZH("report-summary-footer") in summary
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    [filed] = await versions(harness)
    assert dict(filed.answers) == ANSWERS


async def test_a_supervisor_sees_who_filed_a_unit_of_their_subtree_and_when(
    harness: Harness,
) -> None:
    await _the_day(harness)
    [detail] = await harness.send(1002, "/status dongguan 11-23")  # 李镇长 reads English
    assert detail.splitlines()[:2] == [
        EN("status-unit-title", unit="东关村", day="2026-11-23"),
        EN("status-unit-filed", state="Filed", what="daily report", name=SHOWN, time="10:00"),
    ]
    # 滨河社区 is under 河西街道, not the township head's 城关镇.
    # It exists, so they hear it is outside their area (its name escaped), not "no".
    assert await harness.send(1002, "/status binhe") == [EN("status-outside", unit="滨河<社区>")]
    audit = await harness.repos(lambda r: r.audit.recent())
    assert (audit[0].actor_id, audit[0].action, audit[0].target, audit[0].allowed) == (
        1002,
        "report.status",
        "binhe",
        False,
    )
    assert await harness.send(1002, "/status dongguan soon") == [
        EN("unit-not-found", query="dongguan soon") + "\n" + EN("unit-type-again")
    ]
    # A unit that is not the caller's, pressed on a forged button, is refused the same way.
    forged = StatusUnit(unit="binhe", day="2026-11-23", browse=False).pack()
    assert await harness.press(1002, forged) == []
    assert alert(harness).text == EN("perm-denied")


async def test_status_takes_units_by_name_with_choices_and_browsing(harness: Harness) -> None:
    await _the_day(harness)
    title = EN("status-unit-title", unit="东关村", day="2026-11-23")
    [by_part] = await harness.send(1002, "/status 东关 11-23")
    assert by_part.startswith(title)
    [by_code] = await harness.send(1002, "/status ＤＯＮＧＧＵＡＮ")
    assert by_code.startswith(title)
    # Several units match: each is a button, and a press shows that unit.
    assert await harness.send(1002, "/status 村") == [
        EN("unit-several", query="村") + "\n" + EN("unit-type-again")
    ]
    assert harness.labels() == ["东关村", "柳林村"]
    [chosen] = await harness.press(1002, harness.button("柳林村"))
    assert chosen.startswith(EN("status-unit-title", unit="柳林村", day="2026-11-23"))
    # Nothing matches: the township's units to browse, the township itself first.
    assert await harness.send(1002, "/status 无此单位") == [
        EN("unit-not-found", query="无此单位") + "\n" + EN("unit-type-again")
    ]
    assert harness.labels()[0] == EN("unit-pick-this", unit="城关镇")
    assert set(harness.labels()[1:]) == {"东关村", "南街社区", "柳林村"}
    # A unit that files no report of its own shows the roll-up of its units.
    [township] = await harness.press(1002, harness.button(EN("unit-pick-this", unit="城关镇")))
    assert township.startswith(EN("rollup-title", unit="城关镇", day="2026-11-23"))


async def test_a_name_typed_after_no_match_runs_status_again_once_found(
    harness: Harness,
) -> None:
    await _the_day(harness)
    await harness.send(1002, "/status 无此单位 11-23")
    # The day given with the command still holds for the name typed next.
    [found] = await harness.send(1002, "东关")
    assert found.startswith(EN("status-unit-title", unit="东关村", day="2026-11-23"))
    assert harness.session.sent(1002)[-2].reply_markup is not None  # the browser stayed
    # Found: nothing waits any more, so a text is no unit name.
    assert not_understood(await harness.send(1002, "东关"), EN)
    # A pick removes the choices it was among.
    await harness.send(1002, "/status 村")
    await harness.press(1002, harness.button("柳林村"))
    assert isinstance(harness.session.requests[-2], EditMessageReplyMarkup)


async def test_the_county_browses_down_the_tree(harness: Harness) -> None:
    await harness.send(1001, "/status 无此单位")
    assert harness.labels()[:3] == [
        ZH("unit-pick-this", unit="示范县"),
        ZH("unit-open", unit="城关镇"),
        ZH("unit-open", unit="河西街道"),
    ]
    assert await harness.press(1001, harness.button(ZH("unit-open", unit="城关镇"))) == []
    assert harness.labels()[0] == ZH("unit-pick-this", unit="城关镇")
    assert harness.labels()[-1] == ZH("unit-up")
    up = harness.button(ZH("unit-up"), markup=harness.last_markup())
    await harness.press(1001, up)
    assert harness.labels()[0] == ZH("unit-pick-this", unit="示范县")


async def test_a_report_filed_meanwhile_by_the_deputy_is_not_overwritten(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    await fill(harness, LIAISON)  # the liaison reaches the summary...
    submit = harness.button(ZH("report-button-submit"))
    await harness.send(DEPUTY, "/zero")  # ...while the deputy files a zero report
    await harness.press(DEPUTY, harness.button(ZH("report-button-zero-confirm")))
    [refused] = await harness.press(LIAISON, submit)
    assert refused == ZH("report-filed-meanwhile", unit="东关村", day="2026-11-23")
    [only] = await versions(harness)
    assert (only.version, only.zero, only.filed_by) == (1, True, DEPUTY)


async def test_a_summary_left_from_another_units_dialog_does_not_submit_this_one(
    harness: Harness,
) -> None:
    await harness.send(MULTI, "/report")
    await harness.press(MULTI, harness.button("柳林村"))
    await fill(harness, MULTI)
    old_submit = harness.button(ZH("report-button-submit"))
    await harness.send(MULTI, "/report")
    await harness.press(MULTI, harness.button("滨河<社区>"))
    await fill(harness, MULTI)
    # The first dialog's Submit, pressed now, belongs to no running dialog.
    assert await harness.press(MULTI, old_submit) == []
    assert alert(harness).text == ZH("button-expired")
    async with harness.database.session() as session:
        filed = await Repositories(session).reports.for_day(DAY)
    assert filed == []


async def test_a_month_and_day_looks_back_across_the_new_year(harness: Harness) -> None:
    harness.clock.set(datetime(2027, 1, 2, 12, 0, tzinfo=ZONE))
    assert await harness.send(1002, "/status 12-31") == [
        EN("status-none-owed", unit="城关镇", day="2026-12-31")
    ]


# Both presses of a zero report from a reminder: 30 statements in 6 transactions before the
# reports had a service of their own, which reads the obligation, the unit and the versions
# once each (25 in 6, with a commit before each reply).
MOST_STATEMENTS, MOST_COMMITS = 25, 6


async def test_a_zero_report_from_a_reminder_costs_no_more_than_it_did(harness: Harness) -> None:
    at = DUE - timedelta(minutes=60)
    engine = ObligationEngine(
        harness.database, ESCALATION.chains, ESCALATION.calendar, ObligationTexts(), now=lambda: at
    )
    await engine.run_due()
    async with harness.database.session() as session:
        [reminder] = list(
            await session.scalars(select(OutboxRow).where(OutboxRow.chat_id == LIAISON))
        )
    assert reminder.reply_markup is not None
    [[_, zero]] = reminder.reply_markup["inline_keyboard"]
    harness.clock.set(at)
    counts = {"statements": 0, "commits": 0}

    def statement(*_: object) -> None:
        counts["statements"] += 1

    def commit(*_: object) -> None:
        counts["commits"] += 1

    sync = harness.database.engine.sync_engine
    event.listen(sync, "before_cursor_execute", statement)
    event.listen(sync, "commit", commit)
    await harness.press(LIAISON, zero["callback_data"])
    await harness.press(LIAISON, harness.button(ZH("report-button-zero-confirm")))
    event.remove(sync, "before_cursor_execute", statement)
    event.remove(sync, "commit", commit)
    assert (await obligation(harness)).state is ObligationState.MET
    assert counts["statements"] <= MOST_STATEMENTS, counts
    assert counts["commits"] <= MOST_COMMITS, counts


# --- answers shown in their questions (handlers.dialogs) ------------------------------------


PRESSED_MESSAGE = 7  # the message the harness presses buttons on


async def asked_id(harness: Harness, user: int = LIAISON) -> int:
    """The question asked last: the last message sent to the user."""
    return harness.session.last_sent_id(user)


async def test_a_typed_answer_shows_in_its_question_which_loses_its_buttons(
    harness: Harness,
) -> None:
    [first] = await harness.send(LIAISON, "/report")
    question = await asked_id(harness)
    [second] = await harness.send(LIAISON, " ３ ")
    assert q(ZH, "returned_risk") in second
    [echo] = harness.session.of_type(EditMessageText)
    assert (echo.message_id, echo.reply_markup) == (question, None)
    assert echo.text == first + "\n\n" + ZH("dialog-answered", answer=" ３ ")
    assert await asked_id(harness) != question  # the next answer goes into the next question


async def test_a_wrong_answer_shows_in_the_old_question_and_the_new_one_has_the_buttons(
    harness: Harness,
) -> None:
    [first] = await harness.send(LIAISON, "/report")
    [again] = await harness.send(LIAISON, "<b>三</b>")
    assert again.startswith(ZH("report-refused", reason=ZH("form-not-a-number")))
    assert harness.echoes(LIAISON) == [
        first + "\n\n" + ZH("dialog-answered", answer="<b>三</b>")  # escaped by ZH
    ]
    assert "&lt;b&gt;三&lt;/b&gt;" in harness.echoes(LIAISON)[0]
    assert [b.text for row in harness.last_keyboard().inline_keyboard for b in row] == [
        ZH("report-button-cancel")
    ]


async def test_back_changes_the_question_in_place_and_a_long_answer_is_shortened(
    harness: Harness,
) -> None:
    await harness.send(LIAISON, "/report")
    await harness.send(LIAISON, "3")
    question = await asked_id(harness)
    sent = len(harness.session.sent(LIAISON))
    # Back is navigation, not an answer: no echo, no new message; the question on screen
    # becomes the first one again, with its buttons.
    [back] = await harness.press(LIAISON, harness.button(ZH("report-button-back")))
    assert len(harness.session.sent(LIAISON)) == sent
    assert len(harness.echoes(LIAISON)) == 1
    assert q(ZH, "returned") in back  # the first question again, in the same message
    edit = harness.session.of_type(EditMessageText)[-1]
    assert (edit.message_id, edit.text) == (question, back)
    assert edit.reply_markup is not None
    await harness.send(LIAISON, "9" * 300)
    shortened = "9" * 199 + "…"
    assert harness.echoes(LIAISON)[-1] == back + "\n\n" + ZH("dialog-answered", answer=shortened)
    assert harness.session.of_type(EditMessageText)[-1].message_id == question


async def _a_step_delivered_twice(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    update = harness.message_update(LIAISON, "3")
    await harness.feed(update)
    question = await asked_id(harness)
    requests = len(harness.session.requests)
    await harness.feed(update)  # redelivered: found at its first commit, nothing of it stays
    assert len(harness.session.requests) == requests
    [second] = await harness.send(LIAISON, "1")  # the second question took this answer
    assert q(ZH, "central_quarantine") in second
    # ...and shows it, without its buttons: the redelivery forgot nothing of the question.
    [echo] = [e for e in harness.session.of_type(EditMessageText) if e.message_id == question]
    assert echo.text.endswith(ZH("dialog-answered", answer="1"))


async def test_a_dialog_step_delivered_twice_is_taken_once(harness: Harness) -> None:
    await _a_step_delivered_twice(harness)


async def test_a_dialog_step_delivered_twice_is_taken_once_with_dialogs_in_memory(
    harness: Harness,
) -> None:
    """A dialog storage outside the database (Redis, memory) is not rolled back: the
    redelivery is recognised before its handler runs."""
    harness.storage = MemoryStorage()
    harness.dispatcher = create_dispatcher(
        harness.settings, harness.database, clock=harness.clock, storage=harness.storage
    )
    await _a_step_delivered_twice(harness)


async def test_back_after_a_restart_changes_the_pressed_question_in_place(
    harness: Harness,
) -> None:
    await harness.send(LIAISON, "/report")
    await harness.send(LIAISON, "3")
    harness.restart()  # the process no longer remembers which message the question is
    sent = len(harness.session.sent(LIAISON))
    [back] = await harness.press(LIAISON, harness.button(ZH("report-button-back")))
    assert q(ZH, "returned") in back
    assert len(harness.session.sent(LIAISON)) == sent
    edit = harness.session.of_type(EditMessageText)[-1]
    assert (edit.message_id, edit.text) == (PRESSED_MESSAGE, back)


async def test_typing_at_the_summary_is_not_echoed_and_submit_is(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    await fill(harness)  # ends with a skip: an answer, shown with the button's label
    assert harness.echoes(LIAISON)[-1].endswith(
        ZH("dialog-answered", answer=ZH("report-button-skip"))
    )
    await harness.send(LIAISON, "done?")  # typing at the summary: not an answer, no echo
    assert not any("done?" in echo for echo in harness.echoes(LIAISON))
    assert harness.session.texts(LIAISON)[-1].startswith(ZH("report-use-buttons"))
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    assert len(await versions(harness)) == 1
    assert harness.echoes(LIAISON)[-1].endswith(
        ZH("dialog-answered", answer=ZH("report-button-submit"))
    )


async def test_a_photo_takes_the_buttons_off_and_an_uneditable_question_changes_nothing(
    harness: Harness,
) -> None:
    await harness.send(LIAISON, "/report")
    await harness.send(LIAISON, "3")
    question = await asked_id(harness)
    photo = harness.message_update(LIAISON, "x").model_copy(deep=True)
    assert photo.message is not None
    photo.message.__dict__["text"] = None  # a message without text, as a photo is
    await harness.feed(photo)
    [dropped] = harness.session.of_type(EditMessageReplyMarkup)
    assert (dropped.message_id, dropped.reply_markup) == (question, None)
    assert harness.session.texts(LIAISON)[-1].startswith(ZH("report-text-only"))
    # Telegram refuses the edit (a question too old): the answer is taken all the same.
    harness.session.fail_on[EditMessageText] = TelegramBadRequest(
        EditMessageText(text="x"), "message can't be edited"
    )
    [third] = await harness.send(LIAISON, "1")
    assert q(ZH, "central_quarantine") in third


async def test_cancel_and_a_new_dialog_leave_no_live_buttons(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    first = await asked_id(harness)
    await harness.send(LIAISON, "/cancel")
    await harness.send(LIAISON, "/report")
    second = await asked_id(harness)
    await harness.send(LIAISON, "/report")  # starting again leaves the last question too
    dropped = [r.message_id for r in harness.session.of_type(EditMessageReplyMarkup)]
    assert dropped == [first, second]
