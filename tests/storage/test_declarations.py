"""Submitting declarations and re-screening them on a real database: the stored row, the
follow-up obligations, the alerts in the outbox (to whom, and with nothing personal in clear),
refusals, and re-classification when the risk-area list changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.config.infrastructure import AdminsSettings
from bot.wiring import followup_config
from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    OverseasOrigin,
    RiskLevel,
)
from domain.obligations import ObligationKind, ObligationState
from domain.policy import Category
from domain.risk_areas import RiskArea, RiskList
from services import declarations as service
from services.declarations import DeclarationRefused
from services.org import load_org_file
from storage import Database, Repositories
from storage.models import DeclarationRow, ObligationRow, OutboxRow, RiskAreaRow
from tests.orgs import COUNTY_SUPERVISOR, COUNTY_TREE, TOWN_SUPERVISOR_EN, Member, org_toml

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZONE)
COUNTY_HEAD, TOWN_HEAD, LIAISON, TRACKER, WEST_LIAISON = 1, 2, 10, 12, 20
RESIDENT, OTHER_RESIDENT, STRANGER, ADMIN = 100, 101, 555, 99
PHONE = "13912348000"
ID_NUMBER = "110101199003074514"
WUHAN_HONGSHAN = "420111"  # 湖北省武汉市洪山区
WUHAN_JIANGHAN = "420103"  # 湖北省武汉市江汉区
CHANGSHA = "430102"  # 湖南省长沙市芙蓉区

ORG = org_toml(
    COUNTY_TREE,
    [
        COUNTY_SUPERVISOR,
        TOWN_SUPERVISOR_EN,
        Member(LIAISON, "张联络", "east", "liaison"),
        Member(TRACKER, "Tracker Tom", "east", "tracker", language="en"),
        Member(WEST_LIAISON, "钱联络", "west", "liaison"),
        Member(RESIDENT, "李四", "east", "resident"),
        Member(OTHER_RESIDENT, "Ann", "east", "resident", language="en"),
    ],
)

CONFIG = followup_config(Settings(admins=AdminsSettings(telegram_ids=[ADMIN])))

CALM = Declaration(
    status=DeclarationStatus.RETURNED,
    origin=DomesticOrigin((WUHAN_HONGSHAN[:2] + "0000", WUHAN_HONGSHAN[:4] + "00", WUHAN_HONGSHAN)),
    arrival=datetime(2026, 11, 19, 18, 0),  # local, the day before NOW
    health_code=CodeColour.GREEN,
    itinerary_card=CodeColour.GREEN,
    temperature=36.5,
    attested=True,
    name="李四",
    phone=PHONE,
    id_number=ID_NUMBER,
)
ARRIVAL = date(2026, 11, 19)


@pytest.fixture
async def org(database: Database) -> Database:
    async with database.transaction() as session:
        await load_org_file(Repositories(session), ORG, now=NOW)
    return database


async def set_areas(database: Database, areas: list[RiskArea]) -> None:
    """Store the list as the risk-area repository would (its owner is another part)."""
    async with database.transaction() as session:
        await session.execute(RiskAreaRow.__table__.delete())
        for area in areas:
            session.add(
                RiskAreaRow(
                    region_code=area.region_code,
                    name=area.name,
                    level=area.level.value,
                    effective_from=area.effective_from,
                    effective_to=area.effective_to,
                    loaded_at=NOW,
                    loaded_by=None,
                )
            )


async def submit(
    database: Database,
    declaration: Declaration = CALM,
    *,
    unit: str = "east",
    filed_by: int = RESIDENT,
    resident_id: int | None = RESIDENT,
    now: datetime = NOW,
) -> service.Submitted:
    async with database.transaction() as session:
        return await service.DeclarationService(CONFIG).submit(
            Repositories(session),
            declaration,
            unit_code=unit,
            filed_by=filed_by,
            resident_id=resident_id,
            now=now,
        )


async def outbox(database: Database) -> list[OutboxRow]:
    async with database.session() as session:
        return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.chat_id)))


async def obligations(database: Database, declaration_id: int) -> list[ObligationRow]:
    async with database.session() as session:
        rows = await session.scalars(
            select(ObligationRow)
            .where(ObligationRow.subject == f"declaration:{declaration_id}")
            .order_by(ObligationRow.period, ObligationRow.kind)
        )
        return list(rows)


def assert_nothing_personal(rows: list[OutboxRow]) -> None:
    """The ID number never; the phone in full only to those who must call (the unit's
    liaison and tracker), masked to others; private chats only, never a group."""
    for row in rows:
        if row.chat_id not in (LIAISON, TRACKER, WEST_LIAISON):
            assert PHONE not in row.text
        assert ID_NUMBER not in row.text
        assert row.chat_id > 0


# --- submit -----------------------------------------------------------------------------


async def test_a_low_risk_returnee_is_registered_and_nobody_is_alerted(org: Database) -> None:
    result = await submit(org)
    assert result.classification.category is Category.REGISTRATION_ONLY
    assert (result.start_date, result.end_date) == (ARRIVAL, ARRIVAL)
    assert result.checkin_days == ()
    assert result.test_dates == ()
    async with org.session() as session:
        row = await session.get(DeclarationRow, result.declaration_id)
        assert row is not None
        assert (row.unit_code, row.resident_id, row.filed_by, row.proxy) == (
            "east",
            RESIDENT,
            RESIDENT,
            False,
        )
        assert (row.category, row.risk_level, row.version) == ("registration_only", "low", 1)
        assert row.start_date == ARRIVAL
        assert row.places == [{"code": WUHAN_HONGSHAN, "from": "2026-11-19", "to": "2026-11-19"}]
    assert await obligations(org, result.declaration_id) == []
    assert await outbox(org) == []


async def test_a_mid_risk_returnee_gets_home_quarantine_obligations_and_alerts(
    org: Database,
) -> None:
    await set_areas(org, [RiskArea(WUHAN_HONGSHAN, RiskLevel.MID, date(2026, 11, 1))])
    result = await submit(org)
    c = result.classification
    assert (c.category, c.rule_name, c.immediate_report) == (
        Category.HOME_QUARANTINE,
        "mid_risk",
        False,
    )
    assert result.facts.level is RiskLevel.MID
    assert result.end_date == ARRIVAL + timedelta(days=14)
    assert result.test_dates == (ARRIVAL + timedelta(days=1), ARRIVAL + timedelta(days=13))
    # The resident is told the days still ahead: the arrival day's check-in is past.
    assert result.checkin_days[0] == ARRIVAL + timedelta(days=1)
    assert len(result.checkin_days) == 13

    rows = await obligations(org, result.declaration_id)
    checkins = [r for r in rows if r.kind == ObligationKind.HEALTH_CHECKIN.value]
    tests = [r for r in rows if r.kind == ObligationKind.TEST_DUE.value]
    # The arrival day's check-in (due 20:00 on the 19th) is past at submission: not opened.
    assert [r.period for r in checkins] == [
        (ARRIVAL + timedelta(days=n)).isoformat() for n in range(1, 14)
    ]
    assert [r.period for r in tests] == ["2026-11-20", "2026-12-02"]
    assert {r.assignee_person for r in rows} == {RESIDENT}
    assert {r.unit_code for r in rows} == {"east"}
    assert all(r.state == "open" and r.next_action_at is not None for r in rows)
    first = checkins[0].due_at.astimezone(ZONE)
    assert (first.date(), first.hour) == (date(2026, 11, 20), 20)

    sent = await outbox(org)
    assert [r.chat_id for r in sent] == [LIAISON, TRACKER]  # no supervisors, no resident
    assert all(r.priority == 0 for r in sent)
    assert_nothing_personal(sent)
    tracker = next(r for r in sent if r.chat_id == TRACKER)
    assert "李四" in tracker.text
    assert PHONE in tracker.text  # the tracker calls: the number in full
    assert "东关村" in tracker.text
    assert "home quarantine" in tracker.text  # the tracker reads English
    liaison = next(r for r in sent if r.chat_id == LIAISON)
    assert "居家隔离" in liaison.text


async def test_planning_opens_no_follow_up_and_asks_on_the_return_day(org: Database) -> None:
    await set_areas(org, [RiskArea(WUHAN_HONGSHAN, RiskLevel.MID, date(2026, 11, 1))])
    planned = date(2026, 11, 30)
    leaving = replace(
        CALM,
        status=DeclarationStatus.PLANNING_LEAVE,
        arrival=None,
        departure_date=date(2026, 11, 24),
        planned_date=planned,
    )
    result = await submit(org, leaving)
    assert await obligations(org, result.declaration_id) == []  # no monitoring before leaving
    assert (result.checkin_days, result.test_dates) == ((), ())
    due = [r for r in await outbox(org) if r.dedupe_key.startswith("return-due:")]
    assert [(r.chat_id, r.recipient_id) for r in due] == [(RESIDENT, RESIDENT)]
    assert due[0].not_before.astimezone(ZONE) == datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)
    assert "/declare" in due[0].text
    assert "返回" in due[0].text

    returning = replace(
        CALM, status=DeclarationStatus.PLANNING_RETURN, arrival=None, planned_date=planned
    )
    other = await submit(org, returning, resident_id=OTHER_RESIDENT, filed_by=OTHER_RESIDENT)
    assert await obligations(org, other.declaration_id) == []
    [english] = [r for r in await outbox(org) if r.chat_id == OTHER_RESIDENT]
    assert "/declare" in english.text
    assert "planned to be back" in english.text


async def test_submitting_twice_does_not_duplicate_alert_keys(org: Database) -> None:
    await set_areas(org, [RiskArea(WUHAN_HONGSHAN, RiskLevel.MID, date(2026, 11, 1))])
    first = await submit(org)
    second = await submit(org)
    assert first.declaration_id != second.declaration_id
    keys = [r.dedupe_key for r in await outbox(org)]
    assert len(keys) == len(set(keys)) == 4


@pytest.mark.parametrize(
    ("changes", "category", "immediate"),
    [
        (
            {"origin": OverseasOrigin("KR", arrival_documents=True)},
            Category.CENTRALISED_QUARANTINE,
            False,
        ),
        (
            {"contacts": frozenset({ContactKind.CLOSE_CONTACT})},
            Category.CENTRALISED_QUARANTINE,
            False,
        ),
        ({"temperature": 38.2}, Category.FEVER_CLINIC_REFERRAL, True),
    ],
)
async def test_each_category_gets_its_row_and_alerts(
    org: Database, changes: dict[str, object], category: Category, immediate: bool
) -> None:
    result = await submit(org, replace(CALM, **changes))  # type: ignore[arg-type]
    assert result.classification.category is category
    assert result.classification.immediate_report is immediate
    async with org.session() as session:
        row = await session.get(DeclarationRow, result.declaration_id)
        assert row is not None
        assert (row.category, row.immediate_report) == (category, immediate)
    sent = await outbox(org)
    # The supervisor chain hears of an immediate report and of the high category at once.
    chain = immediate or category is Category.CENTRALISED_QUARANTINE
    expected = [LIAISON, TRACKER] + ([COUNTY_HEAD, TOWN_HEAD] if chain else [])
    assert sorted(r.chat_id for r in sent) == sorted(expected)
    assert_nothing_personal(sent)
    if immediate:
        assert "即有即报" in next(r.text for r in sent if r.chat_id == COUNTY_HEAD)
        # No follow-up to owe, but the case must be recorded as handled, or it escalates.
        [handling] = await obligations(org, result.declaration_id)
        assert (handling.kind, handling.period) == ("case_handling", "handling")
        assert handling.assignee_unit == "east"


async def test_a_high_risk_returnee_with_fever_keeps_quarantine_and_reaches_supervisors(
    org: Database,
) -> None:
    await set_areas(org, [RiskArea(WUHAN_HONGSHAN[:4] + "00", RiskLevel.HIGH, date(2026, 11, 1))])
    result = await submit(org, replace(CALM, temperature=38.6))
    c = result.classification
    assert (c.category, c.immediate_report) == (Category.CENTRALISED_QUARANTINE, True)
    assert sorted(r.chat_id for r in await outbox(org)) == [
        COUNTY_HEAD,
        TOWN_HEAD,
        LIAISON,
        TRACKER,
    ]
    owed = await obligations(org, result.declaration_id)
    # 13 check-ins, 2 test days, and the handling of the immediate report.
    assert sorted(o.kind for o in owed).count("case_handling") == 1
    assert len(owed) == 13 + 2 + 1


async def test_a_proxy_declaration_is_assigned_to_the_filer(org: Database) -> None:
    await set_areas(org, [RiskArea(WUHAN_HONGSHAN, RiskLevel.MID, date(2026, 11, 1))])
    result = await submit(org, filed_by=TRACKER, resident_id=None)
    async with org.session() as session:
        row = await session.get(DeclarationRow, result.declaration_id)
        assert row is not None
        assert (row.proxy, row.resident_id, row.filed_by) == (
            True,
            None,
            TRACKER,
        )
    assert {r.assignee_person for r in await obligations(org, result.declaration_id)} == {TRACKER}
    sent = await outbox(org)
    assert sorted(r.chat_id for r in sent) == [LIAISON]  # the tracker filed it: knows
    # A supervisor of an ancestor may file for someone too.
    await submit(org, filed_by=TOWN_HEAD, resident_id=None)


@pytest.mark.parametrize(
    ("filed_by", "resident_id", "unit", "key"),
    [
        (WEST_LIAISON, None, "east", "followup-not-allowed"),  # another unit's liaison
        (RESIDENT, None, "east", "followup-not-allowed"),  # a resident filing as proxy
        (RESIDENT, OTHER_RESIDENT, "east", "followup-not-allowed"),  # for someone else
        (STRANGER, STRANGER, "east", "followup-not-onboarded"),
        (RESIDENT, RESIDENT, "nowhere", "followup-unknown-unit"),
    ],
)
async def test_refusals_store_nothing_and_are_audited(
    org: Database, filed_by: int, resident_id: int | None, unit: str, key: str
) -> None:
    # Caught inside the transaction, as a caller does: the audit entry then commits.
    async with org.transaction() as session:
        with pytest.raises(DeclarationRefused) as caught:
            await service.DeclarationService(CONFIG).submit(
                Repositories(session),
                CALM,
                unit_code=unit,
                filed_by=filed_by,
                resident_id=resident_id,
                now=NOW,
            )
    assert caught.value.key == key
    async with org.session() as session:
        assert list(await session.scalars(select(DeclarationRow))) == []
        entries = await Repositories(session).audit.recent()
    assert [(e.action, e.allowed, e.detail) for e in entries[:1]] == [
        ("declaration.submit", False, key)
    ]


async def test_an_unattested_declaration_is_refused(org: Database) -> None:
    with pytest.raises(DeclarationRefused) as caught:
        await submit(org, replace(CALM, attested=False))
    assert caught.value.key == "followup-not-attested"


# --- rescreen ---------------------------------------------------------------------------


async def rescreen(
    database: Database, areas: list[RiskArea], now: datetime = NOW
) -> service.RescreenReport:
    await set_areas(database, areas)
    async with database.transaction() as session:
        return await service.rescreen(Repositories(session), CONFIG, RiskList(areas), now=now)


async def test_rescreen_reclassifies_a_declaration_that_now_matches_and_alerts(
    org: Database,
) -> None:
    earlier = await submit(org)
    elsewhere = await submit(
        org, replace(CALM, origin=DomesticOrigin(("430000", "430100", CHANGSHA)))
    )
    assert await outbox(org) == []
    later = NOW + timedelta(hours=3)
    areas = [RiskArea(WUHAN_HONGSHAN, RiskLevel.HIGH, date(2026, 11, 10), name="洪山区某街道")]
    report = await rescreen(org, areas, later)
    assert (report.screened, report.changed, report.reclassified) == (2, 1, 1)
    [change] = report.reclassifications
    assert change == service.Reclassified(
        earlier.declaration_id,
        "李四",
        "东关村",
        Category.REGISTRATION_ONLY,
        Category.CENTRALISED_QUARANTINE,
        False,
        14,
        0,
    )
    assert report.kept == ()

    async with org.session() as session:
        row = await session.get(DeclarationRow, earlier.declaration_id)
        other = await session.get(DeclarationRow, elsewhere.declaration_id)
    assert row is not None
    assert other is not None
    assert (row.category, row.risk_level, row.version, row.matched) == (
        "centralised_quarantine",
        "high",
        2,
        ["洪山区某街道"],
    )
    assert (other.category, other.version) == ("registration_only", 1)
    rows = await obligations(org, earlier.declaration_id)
    assert len([r for r in rows if r.kind == "health_checkin"]) == 13
    # Day 1's test was due at 10:00, before the re-screen at 12:00: not opened.
    assert [r.period for r in rows if r.kind == "test_due"] == ["2026-12-02"]

    sent = await outbox(org)
    # Now centralised quarantine: the supervisor chain hears of it too.
    staff = [COUNTY_HEAD, TOWN_HEAD, LIAISON, TRACKER]
    assert sorted(r.chat_id for r in sent) == sorted([*staff, RESIDENT])
    assert_nothing_personal([r for r in sent if r.chat_id != RESIDENT])
    tracker = next(r for r in sent if r.chat_id == TRACKER)
    assert "registration only → <b>centralised quarantine</b>" in tracker.text
    assert "李四" in tracker.text
    assert PHONE in tracker.text
    resident = next(r for r in sent if r.chat_id == RESIDENT)
    assert "集中隔离" in resident.text
    assert "洪山区某街道" in resident.text
    assert all(r.priority == 0 for r in sent)

    again = await rescreen(org, areas, later + timedelta(minutes=5))
    assert (again.screened, again.changed, again.reclassifications, again.kept) == (2, 0, (), ())
    assert len(await outbox(org)) == len(sent)  # nothing more
    assert len(await obligations(org, earlier.declaration_id)) == len(rows)


async def test_a_feverish_resident_reclassified_is_still_sent_to_the_fever_clinic(
    org: Database,
) -> None:
    from domain.org import Language
    from texts.i18n import Translator

    advice = Translator(Language.ZH_CN)("followup-result-fever-clinic")
    first = await submit(org, replace(CALM, temperature=38.6))
    assert first.classification.category is Category.FEVER_CLINIC_REFERRAL
    assert first.fever_clinic
    high = [RiskArea(WUHAN_HONGSHAN, RiskLevel.HIGH, date(2026, 11, 10))]
    report = await rescreen(org, high, NOW + timedelta(hours=1))
    assert [c.category for c in report.reclassifications] == [Category.CENTRALISED_QUARANTINE]
    [told] = [r for r in await outbox(org) if r.chat_id == RESIDENT]
    assert "集中隔离" in told.text
    assert advice in told.text


async def test_a_worse_category_excuses_what_no_longer_applies(org: Database) -> None:
    # Home health monitoring (tests Mon and Thu) becomes home quarantine (days 1 and 13).
    city = WUHAN_JIANGHAN
    await set_areas(org, [RiskArea(city, RiskLevel.MID, date(2026, 11, 1))])
    monitored = await submit(org)
    assert monitored.classification.category is Category.HOME_HEALTH_MONITORING
    before = {(r.kind, r.period) for r in await obligations(org, monitored.declaration_id)}
    report = await rescreen(org, [RiskArea(WUHAN_HONGSHAN, RiskLevel.MID, date(2026, 11, 1))])
    assert report.reclassified == 1
    rows = await obligations(org, monitored.declaration_id)
    states = {(r.kind, r.period): (r.state, r.excuse_reason) for r in rows}
    assert states[("test_due", "2026-11-23")][0] == ObligationState.EXCUSED.value  # a Monday
    assert "home_health_monitoring -> home_quarantine" in (
        states[("test_due", "2026-11-23")][1] or ""
    )
    assert states[("test_due", "2026-12-02")][0] == "open"  # day 13, new
    checkins = [k for k in states if k[0] == "health_checkin"]
    assert all(states[k][0] == "open" for k in checkins)  # the same days, kept
    assert {k for k in before if k[0] == "health_checkin"} == set(checkins)


async def test_a_lowered_risk_does_not_lift_a_running_measure(org: Database) -> None:
    high = [RiskArea(WUHAN_HONGSHAN, RiskLevel.HIGH, date(2026, 11, 1))]
    await set_areas(org, high)
    result = await submit(org)
    assert result.classification.category is Category.CENTRALISED_QUARANTINE
    sent_before = len(await outbox(org))
    report = await rescreen(org, [])
    assert (report.changed, report.reclassified) == (1, 0)
    assert report.kept == (
        service.KeptForReview(
            result.declaration_id,
            "李四",
            "东关村",
            RiskLevel.LOW,
            RiskLevel.HIGH,
            Category.CENTRALISED_QUARANTINE,
            Category.REGISTRATION_ONLY,
        ),
    )
    async with org.session() as session:
        row = await session.get(DeclarationRow, result.declaration_id)
    assert row is not None
    assert (row.category, row.risk_level, row.version) == ("centralised_quarantine", "low", 1)
    assert all(r.state == "open" for r in await obligations(org, result.declaration_id))
    assert len(await outbox(org)) == sent_before
    # And the high level coming back is not "worse" than the measure already running.
    report = await rescreen(org, high)
    assert (report.changed, report.reclassified) == (1, 0)


async def test_rescreen_only_reads_the_look_back_window(org: Database) -> None:
    old = replace(CALM, arrival=datetime(2026, 10, 1, 9, 0))
    await submit(org, old)
    await submit(org)
    report = await rescreen(org, [RiskArea(WUHAN_HONGSHAN, RiskLevel.HIGH, date(2026, 9, 1))])
    assert (report.screened, report.changed, report.reclassified) == (1, 1, 1)


async def test_the_residents_result_says_category_dates_tests_and_what_to_do(
    org: Database,
) -> None:
    from domain.org import Language
    from texts.declarations import resident_result
    from texts.i18n import Translator

    await set_areas(org, [RiskArea(WUHAN_HONGSHAN, RiskLevel.MID, date(2026, 11, 1))])
    result = await submit(org)
    english = resident_result(Translator(Language.EN), result)
    assert f"No. {result.declaration_id}" in english
    assert "home quarantine" in english
    assert "2026-11-19 to 2026-12-02 (14 days)" in english
    assert "2026-11-20, 2026-12-02" in english
    assert "/checkin" in english
    assert "stay at home" in english
    chinese = resident_result(Translator(Language.ZH_CN), result)
    assert "居家隔离" in chinese
    assert "/checkin" in chinese
