"""`/cases`: a liaison's list of the residents under a measure (day n of N, today's check-in,
search, pages, the card), a supervisor's counts with drill-down, and refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.wiring import followup_config
from domain.declaration_json import declaration_to_dict
from domain.obligations import Obligation, ObligationKind
from domain.org import Language, Role, RoleAssignment
from domain.policy import Category
from services import case_handling, obligations
from services.case_handling import HandlingPolicy
from services.declarations import DeclarationService
from storage import Repositories
from storage.models import CheckinRow
from tests.declaration_rows import monitoring_row
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.followups import ESCALATION
from tests.handlers.test_cases import FEVER
from texts.case_keyboards import CaseAct, CaseAction
from texts.case_list import CaseCountsOpen, CaseListPage, list_data
from texts.declarations import category_text

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)
TODAY = date(2026, 11, 20)
LIAISON, TOWN, COUNTY, RESIDENT, STRANGER = 2001, 1002, 1001, 3001, 4001


async def monitored(
    harness: Harness,
    name: str,
    *,
    start: date,
    days: int = 14,
    unit: str = "dongguan",
    checkin: str | None = None,  # None: none owed; "open" or "done"
    superseded: bool = False,
    category: Category = Category.HOME_HEALTH_MONITORING,
    full: bool = False,  # every answer (FEVER's), so that its card can be shown
) -> int:
    async def act(repos: Repositories) -> int:
        row = monitoring_row(
            unit_code=unit,
            resident=None,
            filed_by=LIAISON,
            at=NOW,
            start=start,
            answers=declaration_to_dict(FEVER) if full else {"name": name},
        )
        row.measure = {"days": days, "checkins": True}
        row.category = category.value
        row.superseded_by = 99 if superseded else None
        repos.session.add(row)
        await repos.session.flush()
        if checkin is not None:
            due = NOW.replace(hour=20)
            ob = Obligation(
                ObligationKind.HEALTH_CHECKIN,
                f"declaration:{row.id}",
                TODAY.isoformat(),
                LIAISON,
                unit,
                due,
            )
            await obligations.open_obligation(repos, ESCALATION, ob, now=NOW)
        if checkin == "done":
            repos.session.add(
                CheckinRow(
                    declaration_id=row.id,
                    day=TODAY,
                    temperature=36.5,
                    symptoms=[],
                    recorded_at=NOW,
                    recorded_by=LIAISON,
                )
            )
        return int(row.id)

    return int(await harness.repos(act))


async def declared(harness: Harness) -> int:
    """胡军 through the service: fever, symptoms (a category above registration)."""
    service = DeclarationService(followup_config(harness.settings))

    async def act(repos: Repositories) -> int:
        await repos.people.ensure(RESIDENT, "胡军", Language.ZH_CN, now=NOW)
        await repos.roles.grant(
            RoleAssignment(RESIDENT, "dongguan", Role.RESIDENT), granted_by=None, now=NOW
        )
        result = await service.submit(
            repos, FEVER, unit_code="dongguan", filed_by=RESIDENT, resident_id=RESIDENT, now=NOW
        )
        return result.declaration_id

    return int(await harness.repos(act))


async def test_a_liaison_sees_their_residents_day_n_of_n_and_todays_checkin(
    harness: Harness,
) -> None:
    harness.clock.set(NOW)
    hu = await monitored(
        harness,
        "胡军",
        start=TODAY - timedelta(days=2),
        days=21,
        category=Category.HOME_QUARANTINE,
        full=True,
    )
    qian = await monitored(harness, "钱多多", start=TODAY - timedelta(days=4), checkin="open")
    sun = await monitored(harness, "孙done", start=TODAY - timedelta(days=1), checkin="done")
    # Not listed: a period over, a replaced version, a period not yet begun, another unit.
    await monitored(harness, "周过期", start=TODAY - timedelta(days=14))
    await monitored(harness, "吴旧版", start=TODAY, superseded=True)
    await monitored(harness, "郑未来", start=TODAY + timedelta(days=1))
    await monitored(harness, "王河西", start=TODAY, unit="hexi")
    await monitored(harness, "冯登记", start=TODAY, category=Category.REGISTRATION_ONLY)
    [text] = await harness.send(LIAISON, "/cases")
    assert text.startswith(ZH("cases-title", count=3))
    for absent in ("周过期", "吴旧版", "郑未来", "王河西", "冯登记"):
        assert absent not in text
    # The worse measure first.
    quarantine = category_text(ZH, Category.HOME_QUARANTINE)
    assert ZH("cases-line", index=1, name="胡军", category=quarantine, day=3, days=21) in text
    monitoring = category_text(ZH, Category.HOME_HEALTH_MONITORING)
    assert ZH("cases-line", index=3, name="钱多多", category=monitoring, day=5, days=14) in text
    assert ZH("cases-line", index=2, name="孙done", category=monitoring, day=2, days=14) in text
    lines = {line.split(".")[0]: line for line in text.splitlines() if line[:1].isdigit()}
    missing = ZH("cases-checkin", state=ZH("cases-checkin-missing"))
    done = ZH("cases-checkin", state=ZH("cases-checkin-done"))
    not_owed = ZH("cases-checkin", state=ZH("cases-checkin-not_owed"))
    assert missing in lines["3"]
    assert done in lines["2"]
    assert not_owed in lines["1"]
    assert ZH("cases-flag-no-action") in text
    # Each line opens the case card.
    view = CaseAct(declaration=qian, action=CaseAction.VIEW).pack()
    assert harness.button(ZH("cases-open", index=3, name="钱多多")) == view
    [card] = await harness.press(LIAISON, harness.button(ZH("cases-open", index=1, name="胡军")))
    assert card.startswith(ZH("case-card-title", id=hu, unit="东关村"))
    assert sun not in (hu, qian)


async def test_a_case_with_an_action_loses_its_flag_and_no_phone_is_listed(
    harness: Harness,
) -> None:
    harness.clock.set(NOW)
    hu = await declared(harness)
    await monitored(harness, "钱多多", start=TODAY)
    called = CaseAct(declaration=hu, action=CaseAction.CALLED).pack()
    await harness.press(LIAISON, called)
    [text] = await harness.send(LIAISON, "/cases")
    assert "钱多多" in text
    assert text.count(ZH("cases-flag-no-action")) == 1
    assert "139" not in text  # no phone numbers in the list


async def test_a_case_owing_the_handling_of_a_positive_is_flagged(harness: Harness) -> None:
    """Called long ago, then a positive result: the case owes handling again, and the list
    says so until someone records it handled."""
    harness.clock.set(NOW)
    qian = await monitored(harness, "钱多多", start=TODAY, full=True)
    await harness.press(LIAISON, CaseAct(declaration=qian, action=CaseAction.CALLED).pack())
    [text] = await harness.send(LIAISON, "/cases")
    assert ZH("cases-flag-no-action") not in text
    assert ZH("cases-flag-unhandled") not in text
    policy = HandlingPolicy(ESCALATION, timedelta(minutes=60))

    async def positive(repos: Repositories) -> None:
        await case_handling.owe_positive(repos, policy, qian, "dongguan", TODAY, now=NOW)

    await harness.repos(positive)
    [text] = await harness.send(LIAISON, "/cases")
    assert ZH("cases-flag-unhandled") in text
    await harness.press(LIAISON, CaseAct(declaration=qian, action=CaseAction.HANDLED).pack())
    await harness.send(LIAISON, "已送医")
    [text] = await harness.send(LIAISON, "/cases")
    assert ZH("cases-flag-unhandled") not in text


async def test_search_by_part_of_the_name_and_pages_of_ten(harness: Harness) -> None:
    harness.clock.set(NOW)
    for n in range(12):
        await monitored(harness, f"李{n:02d}", start=TODAY)
    await monitored(harness, "胡军", start=TODAY)
    [found] = await harness.send(LIAISON, "/cases 胡")
    assert found.startswith(ZH("cases-title", count=1))
    assert ZH("cases-search", query="胡") in found
    assert "胡军" in found
    assert "李00" not in found
    [none] = await harness.send(LIAISON, "/cases 赵")
    assert ZH("cases-none-found") in none
    [first] = await harness.send(LIAISON, "/cases 李")
    assert first.startswith(ZH("cases-title", count=12))
    assert "李09" in first
    assert "李10" not in first
    assert ZH("cases-page", page=1, pages=2) in first
    assert ZH("cases-previous") not in harness.labels()
    [second] = await harness.press(LIAISON, harness.button(ZH("cases-next")))
    assert "李10" in second
    assert "李11" in second
    assert "李09" not in second
    assert "胡军" not in second  # the search is kept across pages
    assert ZH("cases-page", page=2, pages=2) in second
    assert ZH("cases-next") not in harness.labels()


async def test_a_supervisor_gets_counts_and_drills_down(harness: Harness) -> None:
    harness.clock.set(NOW)
    await monitored(harness, "钱多多", start=TODAY, checkin="open")
    await monitored(harness, "孙done", start=TODAY, checkin="done")
    await monitored(harness, "王河西", start=TODAY, unit="hexi", checkin="open")
    [counts] = await harness.send(COUNTY, "/cases")
    assert counts.startswith(ZH("cases-counts-title-unit", unit="示范县"))
    assert ZH("cases-count", unit="城关镇", residents=2, missing=1) in counts
    assert ZH("cases-count", unit="河西街道", residents=1, missing=1) in counts
    assert ZH("cases-counts-total", residents=3, missing=2) in counts
    # 城关镇 has units below: its counts; 东关村 has none: its list.
    [town] = await harness.press(COUNTY, harness.button(ZH("cases-drill", unit="城关镇")))
    assert ZH("cases-count", unit="东关村", residents=2, missing=1) in town
    [village] = await harness.press(COUNTY, harness.button(ZH("cases-drill", unit="东关村")))
    assert village.startswith(ZH("cases-title-unit", unit="东关村", count=2))
    assert "钱多多" in village
    assert "王河西" not in village
    # The township's supervisor (English) sees its subtree only.
    [mine] = await harness.send(TOWN, "/cases", language="en")
    assert mine.startswith(EN("cases-counts-title-unit", unit="城关镇"))
    assert "河西街道" not in mine


async def test_residents_strangers_and_forged_buttons_are_refused(harness: Harness) -> None:
    harness.clock.set(NOW)
    await declared(harness)
    await monitored(harness, "王河西", start=TODAY, unit="hexi")
    for person in (RESIDENT, STRANGER):
        assert await harness.send(person, "/cases") == [ZH("cases-not-staff")]
    # A liaison of 东关村 forging a page of 河西街道, or the counts of the county.
    forged = [
        CaseListPage(unit="hexi", page=0, query="").pack(),
        CaseListPage(unit="nowhere", page=3, query="王").pack(),
        CaseCountsOpen(unit="xian").pack(),
        CaseCountsOpen(unit="").pack(),
    ]
    for data in forged:
        assert await harness.press(LIAISON, data) == []
        assert harness.session.requests[-1].text in (
            ZH("cases-unit-not-yours"),
            ZH("cases-not-staff"),
        )
    # The township's (English) supervisor forging the county's counts or 河西街道's list.
    hexi = CaseListPage(unit="hexi", page=0, query="").pack()
    for data in (CaseCountsOpen(unit="xian").pack(), hexi):
        assert await harness.press(TOWN, data, language="en") == []
        assert harness.session.requests[-1].text == EN("cases-unit-not-yours")
    # A resident pressing an honest-looking page of their own unit.
    own = CaseListPage(unit="dongguan", page=0, query="").pack()
    assert await harness.press(RESIDENT, own) == []
    assert harness.session.requests[-1].text == ZH("cases-unit-not-yours")
    audit = await harness.repos(lambda r: r.audit.recent())
    assert sum(1 for e in audit if e.action == "cases.list" and not e.allowed) >= 8


def test_a_page_button_fits_64_bytes_with_the_longest_unit_code() -> None:
    data = list_data("u" * 40, 9999, "胡军:" * 10)
    assert len(data.encode()) <= 64
    assert CaseListPage.unpack(data).query.startswith("胡军胡")
    assert len(CaseCountsOpen(unit="u" * 40).pack().encode()) <= 64
