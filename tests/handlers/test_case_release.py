"""Ending a measure early (解除) from the case card: the reason asked, a confirmation, the
follow-up excused, the resident told in their language, the card, /cases and /mine showing it,
refusals audited; and the end of a measure by date told to the resident and the liaisons."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.wiring import followup_config, jobs_config
from domain.declarations import RiskLevel, TestResult
from domain.obligations import ObligationState
from domain.org import Language, Role, RoleAssignment
from domain.risk_areas import RiskArea
from scheduler.actions import announce_measure_ends
from scheduler.context import JobContext
from scheduler.engine import OUTBOX_PREFIX
from services.declarations import DeclarationService
from storage import Repositories
from storage.models import ObligationRow, OutboxRow
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.followups import engine_at
from tests.handlers.test_cases import FEVER
from texts.case_keyboards import CaseAct, CaseAction
from texts.checkin_keyboards import TestRecord
from texts.measure_end import MEASURE_TEXTS

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)
LIAISON, DEPUTY, TRACKER, RESIDENT, STRANGER = 2001, 2011, 2301, 3001, 4001
REASON = "复核：行程不经过中风险区"
# FEVER arrived on 11-19 from an area listed mid-risk: 14 days of home quarantine (11-19 to
# 12-02), with an immediate report to handle.
END = date(2026, 12, 3)  # the first day after the period


def act(declaration: int, action: CaseAction) -> str:
    return CaseAct(declaration=declaration, action=action).pack()


@pytest.fixture
async def declared(harness: Harness) -> int:
    harness.clock.set(NOW)
    service = DeclarationService(followup_config(harness.settings))

    async def setup(repos: Repositories) -> int:
        area = RiskArea("420111", RiskLevel.MID, date(2026, 11, 1), name="洪山区")
        await repos.risk_areas.replace([area], by=None, now=NOW)
        for person, name, language, role in (
            (RESIDENT, "胡军", Language.EN, Role.RESIDENT),
            (TRACKER, "钱包保", Language.ZH_CN, Role.TRACKER),
            (DEPUTY, "李副", Language.EN, Role.DEPUTY),
        ):
            await repos.people.ensure(person, name, language, now=NOW)
            await repos.roles.grant(
                RoleAssignment(person, "dongguan", role), granted_by=None, now=NOW
            )
        result = await service.submit(
            repos, FEVER, unit_code="dongguan", filed_by=RESIDENT, resident_id=RESIDENT, now=NOW
        )
        return result.declaration_id

    return int(await harness.repos(setup))


async def obligation_states(harness: Harness, declaration: int) -> dict[str, str]:
    async with harness.database.session() as session:
        rows = await session.scalars(
            select(ObligationRow).where(ObligationRow.subject == f"declaration:{declaration}")
        )
        return {f"{row.kind}:{row.period}": row.state for row in rows}


async def outbox_to(harness: Harness, chat: int, prefix: str) -> list[OutboxRow]:
    async with harness.database.session() as session:
        rows = await session.scalars(select(OutboxRow).where(OutboxRow.chat_id == chat))
        return [row for row in rows if row.dedupe_key.startswith(prefix)]


async def test_a_liaison_ends_a_measure_early_after_giving_a_reason_and_confirming(
    harness: Harness, declared: int
) -> None:
    [card] = await harness.press(LIAISON, act(declared, CaseAction.VIEW))
    assert ZH("case-button-release") in harness.labels()
    assert await harness.press(LIAISON, act(declared, CaseAction.RELEASE)) == [
        ZH("case-release-ask", id=declared, name="胡军")
    ]
    [confirm] = await harness.send(LIAISON, REASON)
    assert REASON in confirm
    assert confirm.startswith(
        ZH(
            "case-release-confirm",
            id=declared,
            name="胡军",
            category=ZH("followup-category-home_quarantine"),
            reason=REASON,
        ).split("\n")[0]
    )
    assert harness.labels() == [ZH("case-release-yes"), ZH("case-release-no")]
    # Nothing has happened before the confirmation.
    states = await obligation_states(harness, declared)
    assert set(states.values()) == {ObligationState.OPEN.value}
    assert "case_handling:handling" in states

    replies = await harness.press(LIAISON, act(declared, CaseAction.RELEASE_YES))
    assert replies[-1] == ZH("case-release-done", id=declared, name="胡军")
    # Every open obligation of the follow-up is excused: check-ins, tests, the handling.
    states = await obligation_states(harness, declared)
    assert set(states.values()) == {ObligationState.EXCUSED.value}
    stored = await harness.repos(lambda r: r.declarations.get(declared))
    assert stored.release is not None
    assert (stored.release.by, stored.release.reason) == (LIAISON, REASON)
    # The resident is told, in English, with the reason.
    [told] = await outbox_to(harness, RESIDENT, "case-release:")
    notice = EN(
        "measure-released",
        unit="东关村",
        category=EN("followup-category-home_quarantine"),
        id=declared,
        day="2026-11-20",
        reason=REASON,
    )
    assert told.text == notice
    # Audited, without the reason (it may concern the person's health).
    audit = await harness.repos(lambda r: r.audit.recent())
    [entry] = [e for e in audit if e.action == "case.release"]
    assert (entry.actor_id, entry.allowed) == (LIAISON, True)
    assert entry.detail.endswith("obligations excused")
    assert all(REASON not in (e.detail or "") for e in audit)

    # The card shows it, with no button to end it again; a second try is refused.
    [card] = await harness.press(LIAISON, act(declared, CaseAction.VIEW))
    assert REASON in card
    assert ZH("case-button-release") not in harness.labels()
    assert await harness.press(LIAISON, act(declared, CaseAction.RELEASE)) == []
    assert harness.session.requests[-1].text == ZH("case-release-already")
    # /cases: no longer under a measure. /mine: ended early, with the reason.
    [listed] = await harness.send(LIAISON, "/cases")
    assert "胡军" not in listed
    [mine] = await harness.send(RESIDENT, "/mine", language="en")
    assert EN("mine-released", day="2026-11-20", reason=REASON) in mine
    assert EN("declare-active-period", start="", last="", day=0, days=0)[:6] not in mine


async def test_cancelling_keeps_the_measure_and_the_old_confirmation_goes_dead(
    harness: Harness, declared: int
) -> None:
    await harness.press(LIAISON, act(declared, CaseAction.RELEASE))
    await harness.send(LIAISON, REASON)
    assert await harness.press(LIAISON, act(declared, CaseAction.RELEASE_NO)) == [
        ZH("case-release-cancelled")
    ]
    assert await harness.press(LIAISON, act(declared, CaseAction.RELEASE_YES)) == []
    assert harness.session.requests[-1].text == ZH("button-expired")
    stored = await harness.repos(lambda r: r.declarations.get(declared))
    assert stored.release is None
    states = await obligation_states(harness, declared)
    assert set(states.values()) == {ObligationState.OPEN.value}
    assert await outbox_to(harness, RESIDENT, "case-release:") == []


async def test_a_supervisor_may_end_it_in_english(harness: Harness, declared: int) -> None:
    # The township's supervisor works the case too.
    await harness.press(1002, act(declared, CaseAction.RELEASE), language="en")
    [confirm] = await harness.send(1002, "Cleared by the county CDC", language="en")
    assert confirm.startswith(
        EN(
            "case-release-confirm",
            id=declared,
            name="胡军",
            category=EN("followup-category-home_quarantine"),
            reason="x",
        ).split("\n")[0]
    )
    replies = await harness.press(1002, act(declared, CaseAction.RELEASE_YES), language="en")
    assert replies[-1] == EN("case-release-done", id=declared, name="胡军")


async def test_outsiders_and_forged_buttons_are_refused_and_audited(
    harness: Harness, declared: int
) -> None:
    for who in (RESIDENT, STRANGER):
        for action in (CaseAction.RELEASE, CaseAction.RELEASE_YES, CaseAction.RELEASE_NO):
            assert await harness.press(who, act(declared, action)) == []
            said = EN if who == RESIDENT else ZH  # the resident reads English
            assert harness.session.requests[-1].text == said("case-not-yours")
    ghost = act(declared + 999, CaseAction.RELEASE)
    assert await harness.press(LIAISON, ghost) == []
    assert harness.session.requests[-1].text == ZH("case-not-yours")
    audit = await harness.repos(lambda r: r.audit.recent())
    refused = [e for e in audit if e.action == "case.release" and not e.allowed]
    assert {e.actor_id for e in refused} >= {RESIDENT, STRANGER, LIAISON}
    # A confirmation pressed for another declaration than the reason was typed for.
    await harness.press(LIAISON, act(declared, CaseAction.RELEASE))
    await harness.send(LIAISON, REASON)
    config = followup_config(harness.settings)
    other = await harness.repos(lambda r: _second(r, DeclarationService(config)))
    assert await harness.press(LIAISON, act(other, CaseAction.RELEASE_YES)) == []
    assert harness.session.requests[-1].text == ZH("button-expired")
    for declaration in (declared, other):
        stored = await harness.repos(lambda r, d=declaration: r.declarations.get(d))
        assert stored.release is None


async def _second(repos: Repositories, service: DeclarationService) -> int:
    """Another resident's declaration in the same unit."""
    await repos.people.ensure(3002, "钱居民", Language.ZH_CN, now=NOW)
    await repos.roles.grant(
        RoleAssignment(3002, "dongguan", Role.RESIDENT), granted_by=None, now=NOW
    )
    result = await service.submit(
        repos, FEVER, unit_code="dongguan", filed_by=3002, resident_id=3002, now=NOW
    )
    return result.declaration_id


async def test_a_registration_or_a_measure_over_cannot_be_ended(
    harness: Harness, declared: int
) -> None:
    harness.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=ZONE))  # the period is over
    assert await harness.press(LIAISON, act(declared, CaseAction.RELEASE)) == []
    assert harness.session.requests[-1].text == ZH("case-release-no-measure")


async def end_job(harness: Harness, at: datetime) -> dict[str, int]:
    harness.clock.set(at)
    context = JobContext(
        harness.database, at, jobs_config(harness.settings), measure_texts=MEASURE_TEXTS
    )
    return await announce_measure_ends(context)


async def test_the_end_by_date_is_told_to_the_resident_and_the_liaisons_once(
    harness: Harness, declared: int
) -> None:
    # On the last day, nothing yet.
    assert await end_job(harness, datetime(2026, 12, 2, 9, 0, tzinfo=ZONE)) == {"messages": 0}

    # The liaison is away that morning: the deputy covers, as for alerts.
    async def away(repos: Repositories) -> None:
        await repos.absences.set(LIAISON, date(2026, 12, 5), now=NOW)

    await harness.repos(away)
    morning = datetime(2026, 12, 3, 9, 0, tzinfo=ZONE)
    assert await end_job(harness, morning) == {"messages": 3}
    [resident] = await outbox_to(harness, RESIDENT, "measure-ends:")
    category_en = EN("followup-category-home_quarantine")
    assert resident.text == EN("measure-ended", id=declared, category=category_en, day="2026-12-02")
    [tracker] = await outbox_to(harness, TRACKER, "measure-ends:")
    assert tracker.text == ZH(
        "measure-ended-staff",
        id=declared,
        name="胡军",
        unit="东关村",
        category=ZH("followup-category-home_quarantine"),
        day="2026-12-02",
    )
    # The staff's message opens the case card (checked again when pressed).
    view = CaseAct(declaration=declared, action=CaseAction.VIEW).pack()
    assert tracker.reply_markup == {
        "inline_keyboard": [[{"text": ZH("case-button-view"), "callback_data": view}]]
    }
    assert resident.reply_markup is None
    [deputy] = await outbox_to(harness, DEPUTY, "measure-ends:")
    assert deputy.text == EN(
        "measure-ended-staff",
        id=declared,
        name="胡军",
        unit="东关村",
        category=category_en,
        day="2026-12-02",
    )
    assert await outbox_to(harness, LIAISON, "measure-ends:") == []
    # Run again (or a second instance): nothing twice; after the catch-up days, nothing.
    assert await end_job(harness, morning + timedelta(hours=1)) == {"messages": 0}
    assert await end_job(harness, morning + timedelta(days=5)) == {"messages": 0}


async def test_a_measure_ended_early_is_not_told_again_by_date(
    harness: Harness, declared: int
) -> None:
    await harness.press(LIAISON, act(declared, CaseAction.RELEASE))
    await harness.send(LIAISON, REASON)
    await harness.press(LIAISON, act(declared, CaseAction.RELEASE_YES))
    assert await end_job(harness, datetime(2026, 12, 3, 9, 0, tzinfo=ZONE)) == {"messages": 0}


async def test_ended_early_its_reminders_lose_their_buttons(
    harness: Harness, declared: int
) -> None:
    # The day's check-in reminder is queued to the resident, with its button.
    await engine_at(harness, NOW.replace(hour=19)).run_due()

    async def reminders() -> list[OutboxRow]:
        rows = await outbox_to(harness, RESIDENT, "")
        return [row for row in rows if row.dedupe_key.startswith(OUTBOX_PREFIX)]

    # (The test reminder of the day before has no buttons: nothing can be recorded yet.)
    queued = [row.id for row in await reminders() if row.reply_markup]
    assert queued
    harness.clock.set(NOW.replace(hour=19, minute=5))
    await harness.press(LIAISON, act(declared, CaseAction.RELEASE))
    await harness.send(LIAISON, REASON)
    await harness.press(LIAISON, act(declared, CaseAction.RELEASE_YES))
    # Not sent yet: it goes out without; nothing is left to answer.
    assert [row.reply_markup for row in await reminders() if row.id in queued] == [None] * len(
        queued
    )
    # A test-day button pressed before the edit reached it: said of the test, not a check-in.
    async with harness.database.session() as session:
        test_ids = await session.scalars(
            select(ObligationRow.id).where(
                ObligationRow.subject == f"declaration:{declared}",
                ObligationRow.kind == "test_due",
            )
        )
        test_id = next(iter(test_ids))
    await harness.press(
        RESIDENT, TestRecord(obligation_id=test_id, result=TestResult.NEGATIVE).pack()
    )
    assert harness.session.requests[-1].text == EN("checkin-test-closed")
