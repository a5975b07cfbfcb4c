"""The retention purge (services/retention.py): erases exactly what is due, leaves the counts
and statistics as they were, writes a receipt, skips held cases, and a second run erases
nothing more (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from domain.cases import CaseStep
from domain.declaration_json import declaration_to_dict
from domain.permissions import Actor
from domain.retention import ERASED
from services import case_list, retention
from storage import Database, Repositories
from storage.models import (
    AuditLogRow,
    CaseActionRow,
    CheckinRow,
    DeclarationRow,
    FsmStateRow,
    TestRecordRow,
)
from storage.repos.declarations import StoredDeclaration
from tests.declaration_rows import monitoring_row
from tests.handlers.test_cases import FEVER

from .conftest import sample_plan

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 12, 31)
NOW = datetime.combine(TODAY, time(3, 45), ZONE)
DAYS = 14
ADMIN = Actor(1, is_admin=True)
PLACES = [{"code": "420111", "from": None, "to": None}]


async def _declaration(
    repos: Repositories,
    *,
    ended_ago: int,
    resident: int,
    days: int = DAYS,
    category: str = "",
    released_ago: int | None = None,
) -> int:
    """A declaration whose period ended `ended_ago` days before TODAY, with a check-in and a
    test on its first day and a staff note."""
    start = TODAY - timedelta(days=ended_ago + days)
    row = monitoring_row(
        unit_code="dongguan",
        resident=resident,
        filed_by=resident,
        at=datetime.combine(start, time(9), ZONE),
        start=start,
        answers=declaration_to_dict(FEVER),
    )
    row.measure = {"days": days, "checkins": True}
    row.places = PLACES
    if category:
        row.category = category
    if released_ago is not None:
        row.released_at = datetime.combine(TODAY - timedelta(days=released_ago), time(10), ZONE)
        row.released_by = 1
        row.release_reason = "复核排除，体温正常"
    repos.session.add(row)
    await repos.session.flush()
    at = datetime.combine(start, time(12), ZONE)
    repos.session.add_all(
        [
            CheckinRow(
                declaration_id=row.id,
                day=start,
                temperature=38.6,
                symptoms=["dry_cough"],
                recorded_at=at,
                recorded_by=resident,
            ),
            TestRecordRow(
                declaration_id=row.id, day=start, result="positive", recorded_at=at, recorded_by=1
            ),
            CaseActionRow(
                declaration_id=row.id, action=CaseStep.CALLED.value, note="发烧", by=1, at=at
            ),
        ]
    )
    await repos.session.flush()
    return int(row.id)


async def _statistics(repos: Repositories) -> dict[str, Any]:
    """What counting reads: declarations by their classification, unit and dates, the rows
    and days of check-ins and tests, and the supervisors' counts on the days measures ran."""
    declarations = await repos.session.execute(
        select(
            DeclarationRow.id,
            DeclarationRow.unit_code,
            DeclarationRow.category,
            DeclarationRow.rule_name,
            DeclarationRow.measure,
            DeclarationRow.risk_level,
            DeclarationRow.immediate_report,
            DeclarationRow.start_date,
            DeclarationRow.submitted_at,
            DeclarationRow.places,
            DeclarationRow.superseded_by,
            DeclarationRow.released_at,
            DeclarationRow.unlocated_places,
        ).order_by(DeclarationRow.id)
    )
    checkins = await repos.session.execute(select(CheckinRow.declaration_id, CheckinRow.day))
    tests = await repos.session.execute(select(TestRecordRow.declaration_id, TestRecordRow.day))
    actions = await repos.session.execute(select(CaseActionRow.declaration_id))
    counts = []
    for back in range(0, 60, 3):
        day = TODAY - timedelta(days=back)
        found = await case_list.case_counts(repos, ADMIN, unit="", today=day, now=NOW)
        counts.append([(row.unit.code, row.residents, row.missing) for row in found.rows])
    return {
        "declarations": [tuple(row) for row in declarations],
        "checkins": Counter(tuple(row) for row in checkins),
        "tests": Counter(tuple(row) for row in tests),
        "actions": Counter(row[0] for row in actions),
        "counts": counts,
        "by_category": Counter((d.classification.category, d.unit_code) for d in await _all(repos)),
    }


async def _all(repos: Repositories) -> list[StoredDeclaration]:
    ids = await repos.session.scalars(select(DeclarationRow.id))
    return list((await repos.declarations.many(list(ids))).values())


def _erased(stored: StoredDeclaration) -> bool:
    d = stored.declaration
    return (
        stored.purged
        and d.name is None
        and d.phone is None
        and d.id_number is None
        and d.temperature is None
        and not d.symptoms
        and d.health_code is None
        and d.origin.region_codes == FEVER.origin.region_codes  # type: ignore[union-attr]
    )


async def test_purge_erases_what_is_due_keeps_statistics_and_writes_a_receipt(
    org: Repositories,
) -> None:
    repos = org
    due = await _declaration(repos, ended_ago=31, resident=3001)
    recent = await _declaration(repos, ended_ago=29, resident=3002)
    held = await _declaration(repos, ended_ago=31, resident=3003)
    released = await _declaration(repos, ended_ago=-10, resident=3004, released_ago=31)
    released_recently = await _declaration(repos, ended_ago=-10, resident=3005, released_ago=29)
    registration = await _declaration(
        repos, ended_ago=31, resident=3006, days=0, category="registration_only"
    )
    # An update 31 days ago superseded `old`; `new` runs on.
    old = await _declaration(repos, ended_ago=-3, resident=3007)
    new = await _declaration(repos, ended_ago=-5, resident=3007)
    await repos.declarations.supersede(old, new)
    await repos.session.execute(
        DeclarationRow.__table__.update()  # type: ignore[attr-defined]
        .where(DeclarationRow.id == new)
        .values(submitted_at=NOW - timedelta(days=31))
    )
    await retention.hold(repos, ADMIN, held, "under review by the CDC", NOW - timedelta(days=1))
    # A stale half-finished dialog of a purged resident goes, a fresh one of another stays.
    repos.session.add_all(
        [
            FsmStateRow(
                key="fsm:9:3001:3001:default",
                state="x",
                data={"phone": "13900008000"},
                updated_at=NOW - timedelta(days=40),
            ),
            FsmStateRow(
                key="fsm:9:3002:3002:default",
                state="x",
                data={"phone": "13900008001"},
                updated_at=NOW - timedelta(days=40),
            ),
        ]
    )
    await repos.session.commit()
    before = await _statistics(repos)

    receipt = await retention.purge(repos, now=NOW, zone=ZONE, retention_days=30)
    await repos.session.commit()

    erased_ids = {due, released, registration, old}
    assert receipt.declarations == 4
    assert (receipt.checkins, receipt.tests, receipt.case_notes) == (4, 4, 4)
    assert (receipt.held, receipt.drafts) == (1, 1)
    stored = {s.id: s for s in await _all(repos)}
    assert {i for i, s in stored.items() if s.purged} == erased_ids
    for i in erased_ids:
        assert _erased(stored[i]), i
    for i in (recent, held, released_recently, new):
        kept = stored[i].declaration
        assert (kept.name, kept.phone, kept.temperature) == (FEVER.name, FEVER.phone, 38.6)
        assert not stored[i].purged
    assert stored[released].release is not None
    assert stored[released].release.reason == ""
    assert stored[held].hold is not None
    assert stored[held].hold.reason == "under review by the CDC"
    checkins = {c.declaration_id: c for c in await repos.session.scalars(select(CheckinRow))}
    assert checkins[due].temperature is None
    assert checkins[due].symptoms == []
    assert checkins[recent].temperature == 38.6
    tests = {t.declaration_id: t for t in await repos.session.scalars(select(TestRecordRow))}
    assert tests[due].result is None
    assert tests[due].purged_at is not None
    assert tests[held].result == "positive"
    notes = {a.declaration_id: a.note for a in await repos.session.scalars(select(CaseActionRow))}
    assert notes[due] is None
    assert notes[recent] == "发烧"
    keys = set(await repos.session.scalars(select(FsmStateRow.key)))
    assert keys == {"fsm:9:3002:3002:default"}
    # The case card still opens an erased declaration, its places' texts gone.
    assert all(stay.place == ERASED for stay in stored[due].declaration.stays)

    assert await _statistics(repos) == before

    receipts = list(
        await repos.session.scalars(
            select(AuditLogRow).where(AuditLogRow.action == retention.PURGE)
        )
    )
    assert len(receipts) == 1
    assert receipts[0].actor_id is None
    assert receipts[0].allowed
    assert receipts[0].detail == (
        "declarations=4 checkins=4 tests=4 case_notes=4 excuses=0 outbox=0 corrections=0 "
        "drafts=1 held=1"
    )

    # Idempotent: a second run erases nothing more; its receipt says so.
    again = await retention.purge(repos, now=NOW, zone=ZONE, retention_days=30)
    await repos.session.commit()
    assert again == retention.PurgeReceipt(held=1)
    count = await repos.session.scalar(
        select(func.count()).select_from(AuditLogRow).where(AuditLogRow.action == retention.PURGE)
    )
    assert count == 2
    assert await _statistics(repos) == before

    # Released from the hold: the next run takes it.
    await retention.release_hold(repos, ADMIN, held, NOW)
    third = await retention.purge(repos, now=NOW, zone=ZONE, retention_days=30)
    assert (third.declarations, third.held) == (1, 0)


async def test_the_calendar_job_purges(sqlite_database: Database) -> None:
    from bot.config import Settings
    from bot.wiring import jobs_config
    from scheduler.jobs import CalendarJobs

    async with sqlite_database.transaction() as session:
        repos = Repositories(session)
        await repos.org.apply_plan(sample_plan(), now=NOW)
        await _declaration(repos, ended_ago=40, resident=3001)
    settings = Settings.model_validate({"privacy": {"retention_days": 30}})
    jobs = CalendarJobs(sqlite_database, jobs_config(settings), now=lambda: NOW.astimezone(UTC))
    assert jobs.jobs["purge_personal_data"].cron == "45 3 * * *"
    summary = await jobs.run_now("purge_personal_data")
    assert summary == {"declarations": 1, "checkins": 1, "tests": 1, "held": 0}
    assert (await jobs.run_now("purge_personal_data"))["declarations"] == 0
