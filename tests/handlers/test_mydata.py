"""/mydata: the caller's own data and nobody else's, as a message and a JSON file; a
correction request answered by the unit's liaison with a reason (and refused to anyone else);
an erasure refused while a measure runs, with the explanation, and carried out after."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendDocument
from sqlalchemy import select

from bot.wiring import followup_config
from domain.checkins import CheckinAnswer
from domain.declarations import RiskLevel
from domain.obligations import expire
from domain.org import Language, Role, RoleAssignment
from domain.risk_areas import RiskArea
from services.declarations import DeclarationService
from storage import Repositories
from storage.models import AuditLogRow, CorrectionRequestRow, OutboxRow
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_cases import FEVER
from texts.case_keyboards import CaseAct, CaseAction
from texts.mydata import CorrectionAct, CorrectionDecision, MyAction, MyDataAct

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)
LIAISON, TRACKER, RESIDENT, NEIGHBOUR, STRANGER = 2001, 2301, 3001, 3002, 4001
OTHER_PHONE = "13900001111"
PROXIED_NAME = "代报老人"
AFTER = datetime(2026, 12, 10, 10, 0, tzinfo=ZONE)  # FEVER's 14 days ended on 12-02
EXPIRED = datetime(2026, 12, 20, 10, 0, tzinfo=ZONE)  # its obligations expired (14 days on)


@pytest.fixture
async def declared(harness: Harness) -> int:
    harness.clock.set(NOW)
    service = DeclarationService(followup_config(harness.settings))

    async def setup(repos: Repositories) -> int:
        area = RiskArea("420111", RiskLevel.MID, date(2026, 11, 1), name="洪山区")
        await repos.risk_areas.replace([area], by=None, now=NOW)
        for person, name, language, role in (
            (RESIDENT, "胡军", Language.ZH_CN, Role.RESIDENT),
            (NEIGHBOUR, "王二", Language.EN, Role.RESIDENT),
            (TRACKER, "钱包保", Language.ZH_CN, Role.TRACKER),
        ):
            await repos.people.ensure(person, name, language, now=NOW)
            await repos.roles.grant(
                RoleAssignment(person, "dongguan", role), granted_by=None, now=NOW
            )
        own = await service.submit(
            repos, FEVER, unit_code="dongguan", filed_by=RESIDENT, resident_id=RESIDENT, now=NOW
        )
        other = replace(FEVER, name="王二", phone=OTHER_PHONE, id_number=None, id_type=None)
        await service.submit(
            repos, other, unit_code="dongguan", filed_by=NEIGHBOUR, resident_id=NEIGHBOUR, now=NOW
        )
        proxied = replace(FEVER, name=PROXIED_NAME, phone="13700002222", id_number=None)
        await service.submit(
            repos, proxied, unit_code="dongguan", filed_by=TRACKER, resident_id=None, now=NOW
        )
        return own.declaration_id

    return int(await harness.repos(setup))


async def expire_stale(repos: Repositories) -> None:
    """What the daily `expire_obligations` job does with obligations 14 days past due."""
    now = EXPIRED.astimezone(UTC)
    for obligation in await repos.obligations.stale_open(now - timedelta(days=14), 1000):
        await repos.obligations.save(expire(obligation, now).obligation, now=now)


def documents(harness: Harness) -> list[SendDocument]:
    return [r for r in harness.session.requests if isinstance(r, SendDocument)]


def parsed(request: SendDocument) -> dict[str, object]:
    document = request.document
    assert not isinstance(document, str)
    data = document.data  # type: ignore[attr-defined]
    return json.loads(data.decode("utf-8"))  # type: ignore[no-any-return]


async def audit_actions(harness: Harness, actor: int) -> list[tuple[str, bool, str | None]]:
    async with harness.database.session() as session:
        rows = await session.scalars(
            select(AuditLogRow).where(AuditLogRow.actor_id == actor).order_by(AuditLogRow.id)
        )
        return [(row.action, row.allowed, row.detail) for row in rows]


async def test_mydata_shows_the_callers_data_and_nobody_elses(
    harness: Harness, declared: int
) -> None:
    await harness.press(LIAISON, CaseAct(declaration=declared, action=CaseAction.VIEW).pack())
    harness.session.clear()
    replies = await harness.send(RESIDENT, "/mydata")
    text = "\n".join(replies)
    assert ZH("mydata-title") in text
    assert "胡军" in text
    # Units and languages by name, never by the organisation file's codes.
    assert ZH("mydata-role", role=ZH("role-resident"), unit="东关村") in text
    assert "dongguan" not in text
    assert "zh_CN" not in text
    assert FEVER.phone in text
    assert f"{declared}" in text
    assert "王二" not in text
    assert OTHER_PHONE not in text
    assert PROXIED_NAME not in text
    [sent] = documents(harness)
    assert sent.chat_id == RESIDENT
    assert sent.document.filename.startswith("mydata-2026")  # type: ignore[union-attr]
    data = parsed(sent)
    assert set(data) >= {"person", "roles", "declarations", "access_log", "corrections"}
    [declaration] = data["declarations"]  # type: ignore[misc]
    assert declaration["answers"]["name"] == "胡军"
    assert declaration["category"]
    assert declaration["measure"]["days"] == 14
    assert OTHER_PHONE not in json.dumps(data, ensure_ascii=False)
    access = data["access_log"]
    assert any(e["action"] == "case.view" for e in access), access  # type: ignore[attr-defined,index]
    assert ("privacy.mydata", True) in [
        (a, ok) for a, ok, _ in await audit_actions(harness, RESIDENT)
    ]


async def test_a_proxy_filer_sees_only_a_count_of_what_they_filed(
    harness: Harness, declared: int
) -> None:
    harness.session.clear()
    text = "\n".join(await harness.send(TRACKER, "/mydata"))
    assert PROXIED_NAME not in text
    assert ZH("mydata-filed-for-others", n=1) in text
    data = parsed(documents(harness)[0])
    assert data["declarations"] == []
    assert data["filed_for_others"] == 1
    assert PROXIED_NAME not in json.dumps(data, ensure_ascii=False)


async def test_in_english(harness: Harness, declared: int) -> None:
    text = "\n".join(await harness.send(NEIGHBOUR, "/mydata", language="en"))
    assert EN("mydata-title") in text
    assert "王二" in text
    assert "胡军" not in text


async def _request_correction(harness: Harness) -> int:
    await harness.send(RESIDENT, "/mydata")
    await harness.press(RESIDENT, MyDataAct(action=MyAction.CORRECT).pack())
    replies = await harness.send(RESIDENT, "电话号码写错了，应为 13800000000")
    async with harness.database.session() as session:
        request = await session.scalar(  # the latest
            select(CorrectionRequestRow).order_by(CorrectionRequestRow.id.desc()).limit(1)
        )
        assert request is not None
    assert replies == [ZH("mydata-correction-sent", id=request.id)]
    return int(request.id)


async def outbox_to(harness: Harness, chat: int, prefix: str) -> list[OutboxRow]:
    async with harness.database.session() as session:
        rows = await session.scalars(select(OutboxRow).where(OutboxRow.chat_id == chat))
        return [row for row in rows if row.dedupe_key.startswith(prefix)]


@pytest.mark.parametrize("accept", [True, False])
async def test_a_correction_is_answered_by_the_liaison_with_a_reason(
    harness: Harness, declared: int, accept: bool
) -> None:
    request = await _request_correction(harness)
    [to_liaison] = await outbox_to(harness, LIAISON, "correction:")
    assert "电话号码写错了" in to_liaison.text
    assert await outbox_to(harness, NEIGHBOUR, "correction:") == []
    decision = CorrectionDecision.ACCEPT if accept else CorrectionDecision.REFUSE
    data = CorrectionAct(request=request, decision=decision).pack()
    key = "mydata-reason-accept" if accept else "mydata-reason-refuse"
    assert await harness.press(LIAISON, data) == [ZH(key, id=request)]
    done = "mydata-decided-accept" if accept else "mydata-decided-refuse"
    assert await harness.send(LIAISON, "已核实，将更新") == [ZH(done, id=request)]
    [told] = await outbox_to(harness, RESIDENT, "correction-outcome:")
    outcome = "mydata-correction-accepted" if accept else "mydata-correction-refused"
    assert told.text == ZH(outcome, id=request, reason="已核实，将更新")
    # Answered once: a second press is refused.
    assert await harness.press(LIAISON, data) == []
    actions = await audit_actions(harness, LIAISON)
    assert ("privacy.correction_decide", True, "accepted" if accept else "refused") in actions


async def test_a_correction_is_refused_to_anyone_but_the_units_liaison(
    harness: Harness, declared: int
) -> None:
    request = await _request_correction(harness)
    for presser in (NEIGHBOUR, TRACKER, STRANGER):
        data = CorrectionAct(request=request, decision=CorrectionDecision.ACCEPT).pack()
        await harness.press(presser, data)
        assert ("privacy.correction_decide", False, "mydata-not-yours") in await audit_actions(
            harness, presser
        )
    # An id that is no request is refused the same way.
    forged = CorrectionAct(request=request + 99, decision=CorrectionDecision.REFUSE).pack()
    await harness.press(LIAISON, forged)
    assert ("privacy.correction_decide", False, "mydata-not-yours") in await audit_actions(
        harness, LIAISON
    )
    async with harness.database.session() as session:
        row = await session.get(CorrectionRequestRow, request)
        assert row is not None
        assert row.state == "pending"


async def test_erasure_is_refused_while_the_measure_runs_and_done_after(
    harness: Harness, declared: int
) -> None:
    async def check_in(repos: Repositories) -> None:
        answer = CheckinAnswer(37.9)
        await repos.checkins.add_checkin(declared, date(2026, 11, 21), answer, by=RESIDENT, now=NOW)

    await harness.repos(check_in)
    harness.session.clear()
    assert ZH("mydata-checkin", day="2026-11-21", temperature=37.9) in "\n".join(
        await harness.send(RESIDENT, "/mydata")
    )
    erase = MyDataAct(action=MyAction.ERASE).pack()
    replies = await harness.press(RESIDENT, erase)
    [refusal] = replies
    assert "2026-12-02" in refusal
    assert str(declared) in refusal
    assert ("privacy.erasure", False) in [
        (a, ok) for a, ok, _ in await audit_actions(harness, RESIDENT)
    ]
    # The measure is over, but its missed check-ins and the unhandled report are still open.
    harness.clock.set(AFTER)
    assert await harness.press(RESIDENT, erase) == [ZH("mydata-erase-open", id=declared)]
    harness.clock.set(EXPIRED)
    await harness.repos(expire_stale)
    assert await harness.press(RESIDENT, erase) == [ZH("mydata-erase-confirm", n=1)]
    replies = await harness.press(RESIDENT, MyDataAct(action=MyAction.ERASE_YES).pack())
    assert replies
    assert replies[-1].startswith("🗑")
    erased = [
        d for a, ok, d in await audit_actions(harness, RESIDENT) if a == "privacy.erasure" and ok
    ]
    assert erased
    assert "1 declarations" in (erased[0] or "")
    assert FEVER.phone not in (erased[0] or "")
    harness.session.clear()
    text = "\n".join(await harness.send(RESIDENT, "/mydata"))
    assert FEVER.phone not in text
    assert ZH("mydata-checkin-erased", day="2026-11-21") in text
    data = parsed(documents(harness)[0])
    [declaration] = data["declarations"]  # type: ignore[misc]
    assert "name" not in declaration["answers"]
    assert "phone" not in declaration["answers"]
    # The neighbour's data is untouched.
    harness.session.clear()
    assert OTHER_PHONE in "\n".join(await harness.send(NEIGHBOUR, "/mydata"))


async def test_erasure_explained_in_english(harness: Harness, declared: int) -> None:
    replies = await harness.press(NEIGHBOUR, MyDataAct(action=MyAction.ERASE).pack(), language="en")
    assert replies
    assert "2026-12-02" in replies[0]
    assert "runs until" in replies[0]


async def test_a_deputy_covers_an_away_liaison(harness: Harness, declared: int) -> None:
    deputy = 2011

    async def setup(repos: Repositories) -> None:
        await repos.people.ensure(deputy, "李副", Language.EN, now=NOW)
        await repos.roles.grant(
            RoleAssignment(deputy, "dongguan", Role.DEPUTY), granted_by=None, now=NOW
        )
        await repos.absences.set(LIAISON, date(2026, 11, 30), now=NOW)

    await harness.repos(setup)
    request = await _request_correction(harness)
    assert await outbox_to(harness, LIAISON, "correction:") == []
    [to_deputy] = await outbox_to(harness, deputy, "correction:")
    assert EN("mydata-correction-accept") in json.dumps(to_deputy.reply_markup)
    refuse = CorrectionAct(request=request, decision=CorrectionDecision.REFUSE).pack()
    assert await harness.press(deputy, refuse) == [EN("mydata-reason-refuse", id=request)]
    assert await harness.send(deputy, "信息无误") == [EN("mydata-decided-refuse", id=request)]
    [told] = await outbox_to(harness, RESIDENT, "correction-outcome:")
    assert told.text == ZH("mydata-correction-refused", id=request, reason="信息无误")


async def test_refused_attempts_show_as_refused(harness: Harness, declared: int) -> None:
    request = await _request_correction(harness)
    await harness.press(
        STRANGER, CorrectionAct(request=request, decision=CorrectionDecision.ACCEPT).pack()
    )
    harness.session.clear()
    text = "\n".join(await harness.send(RESIDENT, "/mydata"))
    refused = [line for line in text.splitlines() if line.endswith(ZH("mydata-access-refused"))]
    assert len(refused) == 1
    assert ZH("audit-target-correction", id=request) in refused[0]
    assert "correction " not in text
    access = parsed(documents(harness)[0])["access_log"]
    decided = [e for e in access if e["action"] == "privacy.correction_decide"]  # type: ignore[attr-defined,index]
    assert [e["allowed"] for e in decided] == [False]  # type: ignore[index]
    assert all(e["allowed"] for e in access if e not in decided)  # type: ignore[attr-defined,index]


@pytest.mark.parametrize(("language", "tr"), [("en", EN), ("zh-hans", ZH)])
async def test_nobody_has_accessed_says_so(
    harness: Harness, language: str, tr: Callable[..., str]
) -> None:
    harness.clock.set(NOW)
    text = "\n".join(await harness.send(STRANGER, "/mydata", language=language))
    assert tr("mydata-access-none") in text
    assert tr("mydata-access-title", n=0) not in text


async def test_an_answered_request_loses_its_buttons(harness: Harness, declared: int) -> None:
    sent_request = await _request_correction(harness)
    [sent] = await outbox_to(harness, LIAISON, f"correction:{sent_request}:")
    await harness.repos(lambda r: r.outbox.mark_sent(sent.id, 777, now=NOW))
    unsent_request = await _request_correction(harness)
    for request in (sent_request, unsent_request):
        decide = CorrectionAct(request=request, decision=CorrectionDecision.ACCEPT).pack()
        await harness.press(LIAISON, decide)
        assert await harness.send(LIAISON, "好的") == [ZH("mydata-decided-accept", id=request)]
    [edit] = await outbox_to(harness, LIAISON, "correction-unbutton:")
    assert (edit.edit_message_id, edit.text, edit.reply_markup) == (777, "", None)
    [unsent] = await outbox_to(harness, LIAISON, f"correction:{unsent_request}:")
    assert unsent.state == "pending"
    assert unsent.reply_markup is None
    assert "电话号码写错了" in unsent.text
