"""Check-ins and test days on a real database: recording, meeting the obligation, alerts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.calendar import WorkCalendar
from domain.checkins import CheckinAnswer
from domain.declarations import Symptom, TestResult
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.obligations import Obligation, ObligationKind, ObligationState
from domain.outbox import Priority
from domain.permissions import Actor
from services import checkins, result_recording
from services.obligations import EscalationPolicy, open_obligation
from services.org import load_org_file
from services.refusal import Refused
from storage import Repositories
from storage.models import AuditLogRow, CheckinRow, OutboxRow, TestRecordRow
from tests.declaration_rows import monitoring_row
from tests.orgs import COUNTY_SUPERVISOR, COUNTY_TREE, TOWN_SUPERVISOR_EN, Member, org_toml
from texts.checkins import render_alert

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
POLICY = EscalationPolicy(DEFAULT_CHAIN_BOOK, WorkCalendar.of(ZONE))
THRESHOLD = 37.3
COUNTY_HEAD, TOWN_HEAD = 1, 2
LIAISON, TRACKER, RESIDENT = 10, 12, 50
WEST_TRACKER = 22
ORG = org_toml(
    COUNTY_TREE,
    [
        COUNTY_SUPERVISOR,
        TOWN_SUPERVISOR_EN,
        Member(LIAISON, "张联络", "east", "liaison"),
        Member(TRACKER, "刘网格", "east", "tracker"),
        Member(WEST_TRACKER, "钱网格", "west", "tracker"),
        Member(RESIDENT, "陈居民", "east", "resident", phone="13912345678"),
    ],
)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), ZONE)


@pytest.fixture
async def org(repos: Repositories) -> Repositories:
    await load_org_file(repos, ORG, now=at(DAY, 0))
    await repos.session.commit()
    return repos


async def declaration(
    repos: Repositories, *, resident: int | None = RESIDENT, filed_by: int = RESIDENT
) -> int:
    row = monitoring_row(
        unit_code="east",
        resident=resident,
        filed_by=filed_by,
        at=at(DAY, 0),
        start=DAY,
        answers={"name": "陈居民" if resident else "赵老汉", "phone": "13912345678"},
    )
    repos.session.add(row)
    await repos.session.flush()
    return row.id


async def followup(
    repos: Repositories,
    declaration_id: int,
    day: date = DAY,
    *,
    kind: ObligationKind = ObligationKind.HEALTH_CHECKIN,
    assignee: int = RESIDENT,
) -> int:
    ob = Obligation(
        kind, f"declaration:{declaration_id}", day.isoformat(), assignee, "east", at(day, 20)
    )
    stored, _ = await open_obligation(repos, POLICY, ob, now=at(day, 0))
    assert stored.id is not None
    return stored.id


async def actor(repos: Repositories, telegram_id: int) -> Actor:
    return Actor(telegram_id, assignments=tuple(await repos.roles.of_person(telegram_id)))


async def check_in(
    repos: Repositories, who: int, obligation_id: int, answer: CheckinAnswer, day: date = DAY
) -> checkins.Recorded:
    return await checkins.record_checkin(
        repos,
        await actor(repos, who),
        obligation_id,
        answer,
        fever_threshold=THRESHOLD,
        render=render_alert,
        now=at(day, 10),
    )


async def refused_check_in(
    repos: Repositories, who: int, obligation_id: int, answer: CheckinAnswer
) -> str:
    """The key of the refusal `check_in` gets."""
    with pytest.raises(Refused) as refused:
        await check_in(repos, who, obligation_id, answer)
    return refused.value.key


async def outbox(repos: Repositories) -> list[OutboxRow]:
    return list(await repos.session.scalars(select(OutboxRow).order_by(OutboxRow.chat_id)))


async def state_of(repos: Repositories, obligation_id: int) -> ObligationState:
    ob = await repos.obligations.get_by_id(obligation_id)
    assert ob is not None
    return ob.state


async def test_a_normal_check_in_is_stored_and_meets_the_obligation(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos))
    recorded = await check_in(repos, RESIDENT, ob, CheckinAnswer(36.6))
    assert (recorded.key, recorded.alerted) == ("checkin-recorded", 0)
    [row] = list(await repos.session.scalars(select(CheckinRow)))
    assert (row.day, row.temperature, row.symptoms, row.recorded_by) == (DAY, 36.6, [], RESIDENT)
    assert await state_of(repos, ob) is ObligationState.MET
    assert await outbox(repos) == []
    audit = await repos.session.scalar(
        select(AuditLogRow).where(AuditLogRow.action == "checkin.record")
    )
    assert audit is not None
    assert audit.detail == "by the assignee"
    assert "36.6" not in (audit.detail or "")


async def test_the_first_check_in_of_a_day_stands(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos))
    await check_in(repos, RESIDENT, ob, CheckinAnswer(38.5))
    again = await refused_check_in(repos, RESIDENT, ob, CheckinAnswer(36.5))
    assert again == "checkin-already"
    temperatures = list(await repos.session.scalars(select(CheckinRow.temperature)))
    assert temperatures == [38.5]


async def test_fever_alerts_liaison_tracker_and_supervisors_privately(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos))
    recorded = await check_in(repos, RESIDENT, ob, CheckinAnswer(38.2))
    assert recorded.key == "checkin-recorded-alert"
    rows = await outbox(repos)
    assert [r.chat_id for r in rows] == [COUNTY_HEAD, TOWN_HEAD, LIAISON, TRACKER]
    assert recorded.alerted == 4
    for row in rows:
        assert row.chat_id > 0  # private chats only
        assert row.recipient_id == row.chat_id
        assert row.priority == Priority.ALERT
        assert "陈居民" in row.text
        assert "38.2" in row.text
        # Those who must call see the number in full; the supervisors, masked.
        if row.chat_id in (LIAISON, TRACKER):
            assert "13912345678" in row.text
        else:
            assert "13912345678" not in row.text
            assert "139****5678" in row.text
    english = next(r for r in rows if r.chat_id == TOWN_HEAD)
    assert "Health alert" in english.text


async def test_symptoms_alone_alert_too(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos))
    answer = CheckinAnswer(36.5, frozenset({Symptom.DRY_COUGH}))
    recorded = await check_in(repos, RESIDENT, ob, answer)
    assert recorded.alerted == 4
    [row] = [r for r in await outbox(repos) if r.chat_id == LIAISON]
    assert "干咳" in row.text


async def test_identical_temperatures_are_flagged_to_the_tracker_on_day_three(
    org: Repositories,
) -> None:
    repos = org
    decl = await declaration(repos)
    flagged = []
    for offset in range(4):
        day = DAY + timedelta(days=offset)
        ob = await followup(repos, decl, day)
        recorded = await check_in(repos, RESIDENT, ob, CheckinAnswer(36.5), day)
        flagged.append(recorded.flagged)
    assert flagged == [0, 0, 1, 1]
    rows = await outbox(repos)
    assert {r.chat_id for r in rows} == {TRACKER}
    assert all("36.5" in r.text for r in rows)


async def test_a_different_value_breaks_the_run(org: Repositories) -> None:
    repos = org
    decl = await declaration(repos)
    flagged = []
    for offset, value in enumerate([36.5, 36.5, 36.6]):
        day = DAY + timedelta(days=offset)
        ob = await followup(repos, decl, day)
        flagged.append((await check_in(repos, RESIDENT, ob, CheckinAnswer(value), day)).flagged)
    assert flagged == [0, 0, 0]


async def test_the_tracker_may_record_for_the_resident_and_the_audit_says_so(
    org: Repositories,
) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos))
    recorded = await check_in(repos, TRACKER, ob, CheckinAnswer(37.8))
    assert recorded.access.on_behalf
    assert recorded.access is not None
    assert recorded.access.on_behalf
    # The tracker who entered it knows; everyone else is told.
    assert [r.chat_id for r in await outbox(repos)] == [COUNTY_HEAD, TOWN_HEAD, LIAISON]
    audit = await repos.session.scalar(
        select(AuditLogRow).where(AuditLogRow.action == "checkin.record")
    )
    assert audit is not None
    assert audit.actor_id == TRACKER
    assert audit.detail == "on behalf of the resident"


async def test_another_units_tracker_is_refused_and_audited(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos))
    recorded = await refused_check_in(repos, WEST_TRACKER, ob, CheckinAnswer(36.5))
    assert recorded == "checkin-not-yours"
    assert list(await repos.session.scalars(select(CheckinRow))) == []
    assert await state_of(repos, ob) is ObligationState.OPEN
    refusal = await repos.session.scalar(select(AuditLogRow).where(AuditLogRow.allowed.is_(False)))
    assert refusal is not None
    assert refusal.actor_id == WEST_TRACKER


async def test_a_test_obligation_is_not_a_check_in(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos), kind=ObligationKind.TEST_DUE)
    recorded = await refused_check_in(repos, RESIDENT, ob, CheckinAnswer(36.5))
    assert recorded == "checkin-unknown"
    missing = await refused_check_in(repos, RESIDENT, 999_999, CheckinAnswer(36.5))
    assert missing == "checkin-unknown"


async def test_a_proxy_filer_checks_in_for_the_resident(org: Repositories) -> None:
    repos = org
    decl = await declaration(repos, resident=None, filed_by=LIAISON)
    ob = await followup(repos, decl, assignee=LIAISON)
    assert [
        o.id for o in await checkins.open_checkins(repos, await actor(repos, LIAISON), DAY)
    ] == [ob]
    recorded = await check_in(repos, LIAISON, ob, CheckinAnswer(37.5))
    assert not recorded.access.on_behalf
    rows = await outbox(repos)
    assert [r.chat_id for r in rows] == [COUNTY_HEAD, TOWN_HEAD, TRACKER]
    assert all("赵老汉" in r.text for r in rows)


async def record_test(
    repos: Repositories, who: int, obligation_id: int, result: TestResult
) -> checkins.Recorded:
    return await result_recording.record_test(
        repos,
        await actor(repos, who),
        obligation_id,
        result,
        render=render_alert,
        now=at(DAY, 11),
        today=DAY,
    )


async def test_done_then_a_positive_result_alerts(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos), kind=ObligationKind.TEST_DUE)
    done = await record_test(repos, RESIDENT, ob, TestResult.PENDING)
    assert (done.key, done.alerted) == ("checkin-test-recorded-pending", 0)
    assert await state_of(repos, ob) is ObligationState.MET
    assert await outbox(repos) == []
    positive = await record_test(repos, RESIDENT, ob, TestResult.POSITIVE)
    assert (positive.key, positive.alerted) == ("checkin-test-recorded-positive", 4)
    assert list(await repos.session.scalars(select(TestRecordRow.result))) == ["positive"]
    rows = await outbox(repos)
    assert all("阳性" in r.text or "positive" in r.text for r in rows)
    # A final result stands.
    with pytest.raises(Refused) as again:
        await record_test(repos, RESIDENT, ob, TestResult.NEGATIVE)
    assert again.value.key == "checkin-test-already"


async def test_a_negative_result_meets_the_test_day_without_alerts(org: Repositories) -> None:
    repos = org
    ob = await followup(repos, await declaration(repos), kind=ObligationKind.TEST_DUE)
    recorded = await record_test(repos, RESIDENT, ob, TestResult.NEGATIVE)
    assert (recorded.key, recorded.alerted) == ("checkin-test-recorded-negative", 0)
    assert await state_of(repos, ob) is ObligationState.MET
    with pytest.raises(Refused) as refused:
        await record_test(repos, WEST_TRACKER, ob, TestResult.POSITIVE)
    assert refused.value.key == "checkin-not-yours"
