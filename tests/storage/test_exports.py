"""The .xlsx ledgers on a real database, read back with openpyxl: exactly the rows and numbers
stored, headers in the reader's language, a frozen header row, filters, dates as dates, the
footer, the summary sheet first, and phone and ID numbers masked by role."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from bot.config import Settings
from domain.declaration_json import declaration_to_dict
from domain.declarations import Declaration, DeclarationStatus, DomesticOrigin, Stay
from domain.exports import ExportKind, ExportScope
from domain.obligations import ObligationKind
from domain.org import Language, Role, RoleAssignment
from domain.periods import Period
from domain.permissions import Actor
from domain.place_names import english_full_name
from domain.reports import FiledReport
from domain.retention import erase_answers
from services import exports
from services.org import load_org_file
from storage import Database, Repositories
from storage.models import CheckinRow, EscalationLogRow, ObligationRow, TestRecordRow
from tests.declaration_rows import monitoring_row
from tests.orgs import CHENGGUAN, DONGGUAN, HEXI, XIAN, XIAN_SUPERVISOR, Member, org_toml
from tests.storage.test_reports import FULL as FIGURES
from texts.export_workbook import Footer, write_ledger
from texts.i18n import Translator

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=ZONE)
DAY1, DAY2 = date(2026, 12, 1), date(2026, 12, 2)
WEEK = Period(date(2026, 11, 30), date(2026, 12, 6))
ZH, EN = Translator(Language.ZH_CN), Translator(Language.EN)
LIAISON = 2001
SUPERVISOR = Actor(1001, assignments=(RoleAssignment(1001, "xian", Role.SUPERVISOR),))
CALLER = Actor(LIAISON, assignments=(RoleAssignment(LIAISON, "dongguan", Role.LIAISON),))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


async def seed(repos: Repositories) -> None:
    org = org_toml(
        [XIAN, CHENGGUAN, HEXI, DONGGUAN],
        [XIAN_SUPERVISOR, Member(LIAISON, "张联络", "dongguan", "liaison")],
    )
    await load_org_file(repos, org, now=NOW)


def obligation(
    kind: ObligationKind, subject: str, unit: str, day: date, state: str
) -> ObligationRow:
    due = at(day, 17)
    return ObligationRow(
        kind=kind.value,
        subject=subject,
        period=day.isoformat(),
        assignee_person=None,
        assignee_unit=unit,
        unit_code=unit,
        due_at=due,
        state=state,
        step_reached=0,
        repeats_done=0,
        created_at=due - timedelta(hours=9),
        updated_at=due,
    )


async def export(
    database: Database,
    kind: ExportKind,
    tmp_path: Path,
    *,
    tr: Translator = EN,
    actor: Actor | None = None,
    unit: str = "xian",
) -> tuple[int, Workbook | None]:
    path = tmp_path / f"{kind.value}.xlsx"
    async with database.session() as session:
        repos = Repositories(session)
        tree = await repos.org.load_tree()
        scope = ExportScope(kind, unit, WEEK)
        policy = Settings().reports.policy()
        ledger = exports.open_ledger(repos, scope, tree, policy, ZONE, NOW, exports.masker(actor))
        rows = await write_ledger(tr, ZONE, ledger, Footer("王主任", NOW, False), path)
    return rows, (load_workbook(path) if rows else None)


def body(book: Workbook) -> list[tuple[object, ...]]:
    sheet = list(book.worksheets[1].iter_rows(values_only=True))
    return sheet[1 : sheet.index(tuple(None for _ in sheet[0]))] if sheet else []


def column(book: Workbook, header: str) -> list[object]:
    names = next(book.worksheets[1].iter_rows(values_only=True))
    return [row[names.index(header)] for row in body(book)]


def summary(book: Workbook) -> dict[object, object]:
    return {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True) if row[0]}


async def seed_reports(database: Database) -> None:
    async with database.transaction() as session:
        repos = Repositories(session)
        await seed(repos)
        await repos.people.ensure(LIAISON, "张联络", Language.ZH_CN, now=NOW)
        session.add_all(
            [
                obligation(ObligationKind.UNIT_REPORT, "dongguan", "dongguan", DAY1, "met"),
                obligation(ObligationKind.UNIT_REPORT, "dongguan", "dongguan", DAY2, "expired"),
                obligation(ObligationKind.UNIT_REPORT, "hexi", "hexi", DAY1, "met_late"),
            ]
        )
        reports = [
            FiledReport("dongguan", DAY1, 1, False, FIGURES, LIAISON, at(DAY1, 9), False),
            FiledReport(
                "dongguan",
                DAY1,
                2,
                False,
                {**FIGURES, "returned": 4, "abnormal": "一人发热，已送医"},
                LIAISON,
                at(DAY1, 11, 30),
                False,
            ),
            FiledReport("hexi", DAY1, 1, True, {}, LIAISON, at(DAY1, 18), True),
        ]
        for report in reports:
            await repos.reports.add_version(report)


async def test_the_report_ledger_has_every_unit_day_and_the_latest_figures(
    database: Database, tmp_path: Path
) -> None:
    await seed_reports(database)
    rows, book = await export(database, ExportKind.REPORTS, tmp_path)
    assert rows == 3
    assert book is not None
    assert book.sheetnames == [EN("export-sheet-summary"), EN("export-sheet-reports")]
    sheet = book.worksheets[1]
    header = next(sheet.iter_rows(values_only=True))
    assert header[:4] == tuple(EN(f"export-col-{key}") for key in ("day", "unit", "code",
                                                                  "report-status"))  # fmt: skip
    assert header[-1] == EN("export-col-abnormal")
    assert EN("form-unit_report-returned") in header
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}4"
    assert sheet.column_dimensions["B"].width == 18
    found = body(book)
    assert [(r[0], r[2], r[3], r[6]) for r in found] == [
        (datetime(2026, 12, 1), "dongguan", EN("export-status-submitted"), 2),
        (datetime(2026, 12, 1), "hexi", EN("export-status-late"), 1),
        (datetime(2026, 12, 2), "dongguan", EN("export-status-missing"), 0),
    ]
    first = found[0]
    assert sheet["A2"].is_date
    assert sheet["E2"].is_date
    assert (first[4], first[5], first[7]) == (datetime(2026, 12, 1, 9), "张联络",
                                              datetime(2026, 12, 1, 11, 30))  # fmt: skip
    assert column(book, EN("form-unit_report-returned")) == [4, None, None]
    assert column(book, EN("form-unit_report-tests_done")) == [12, None, None]
    assert column(book, EN("export-col-abnormal")) == ["一人发热，已送医", None, None]
    figures = summary(book)
    assert figures[EN("export-summary-rows")] == 3
    assert figures[EN("export-status-missing")] == 1
    assert figures[EN("form-unit_report-returned")] == 4
    assert figures[EN("export-summary-from")] == datetime(2026, 11, 30)
    footer = list(sheet.iter_rows(values_only=True))[-1]
    assert footer == (
        EN("export-footer-by"), "王主任", EN("export-footer-at"), datetime(2026, 12, 6, 20),
        EN("export-footer-scope"), "示范县（xian） 2026-11-30 to 2026-12-06",
    ) + (None,) * (len(header) - 6)  # fmt: skip


async def test_headers_are_in_the_readers_language(database: Database, tmp_path: Path) -> None:
    await seed_reports(database)
    _, book = await export(database, ExportKind.REPORTS, tmp_path, tr=ZH, unit="dongguan")
    assert book is not None
    assert book.sheetnames == ["汇总", "日报告"]
    header = next(book.worksheets[1].iter_rows(values_only=True))
    assert header[:4] == ("日期", "单位", "单位代码", "报送状态")
    assert [row[3] for row in body(book)] == ["按时报送", "漏报"]  # hexi is not below 东关村


async def seed_declarations(database: Database) -> None:
    wuhan = DomesticOrigin(("420000", "420100", "420102"))
    stay = Stay("北京朝阳", DAY1 - timedelta(days=5), DAY1 - timedelta(days=3),
                region_codes=("110000", "110100", "110105"))  # fmt: skip
    declaration = Declaration(
        status=DeclarationStatus.RETURNED,
        origin=wuhan,
        stays=(stay,),
        arrival=datetime(2026, 12, 1, 18, 0),
        name="王五",
        phone="13800138000",
        id_number="110101199003074514",
        attested=True,
    )
    async with database.transaction() as session:
        repos = Repositories(session)
        await seed(repos)
        kept = monitoring_row(
            unit_code="dongguan", resident=3001, filed_by=3001, at=at(DAY1, 20),
            start=DAY1, answers=declaration_to_dict(declaration),
        )  # fmt: skip
        kept.measure = {"days": 14, "checkins": True}
        purged = monitoring_row(
            unit_code="dongguan", resident=3002, filed_by=3002, at=at(DAY2, 8),
            start=DAY2, answers=erase_answers(declaration_to_dict(declaration)),
        )  # fmt: skip
        purged.purged_at = NOW
        outside = monitoring_row(
            unit_code="dongguan", resident=3003, filed_by=3003, at=at(DAY1, 8) - timedelta(days=9),
            start=DAY1, answers=declaration_to_dict(declaration),
        )  # fmt: skip
        session.add_all([kept, purged, outside])


async def test_the_declarations_ledger_masks_numbers_for_a_supervisor(
    database: Database, tmp_path: Path
) -> None:
    await seed_declarations(database)
    rows, book = await export(database, ExportKind.DECLARATIONS, tmp_path, actor=SUPERVISOR)
    assert rows == 2  # the one submitted before the period is not in it
    assert book is not None
    first, purged = body(book)
    assert first[4:7] == ("王五", "138****8000", "110***********4514")
    assert first[1] == datetime(2026, 12, 1, 20)
    assert first[10] == english_full_name("420102")
    assert first[13] == datetime(2026, 12, 1, 18)
    assert (first[14], first[15], first[16]) == (
        EN("followup-category-home_health_monitoring"), datetime(2026, 12, 1),
        datetime(2026, 12, 15),
    )  # fmt: skip
    assert first[17] == EN("export-measure-running")
    assert purged[4:8] == (None, None, None, None)
    assert purged[19] == EN("export-yes")
    assert summary(book)[EN("followup-category-home_health_monitoring")] == 2


async def test_the_declarations_ledger_is_in_full_for_the_units_liaison(
    database: Database, tmp_path: Path
) -> None:
    await seed_declarations(database)
    _, book = await export(
        database, ExportKind.DECLARATIONS, tmp_path, tr=ZH, actor=CALLER, unit="dongguan"
    )
    assert book is not None
    first = body(book)[0]
    assert first[4:7] == ("王五", "13800138000", "110101199003074514")
    assert first[11] == "北京市朝阳区（2026-11-26 至 2026-11-28）停留"
    assert first[10] == "湖北省武汉市江岸区"


async def test_the_followup_ledger_lists_what_was_owed_and_done(
    database: Database, tmp_path: Path
) -> None:
    await seed_declarations(database)
    async with database.transaction() as session:
        number = 1  # the first declaration stored
        subject = f"declaration:{number}"
        session.add_all(
            [
                obligation(ObligationKind.HEALTH_CHECKIN, subject, "dongguan", DAY1, "met"),
                obligation(ObligationKind.TEST_DUE, subject, "dongguan", DAY2, "expired"),
                obligation(ObligationKind.HEALTH_CHECKIN, subject, "dongguan", DAY2, "met_late"),
                CheckinRow(declaration_id=number, day=DAY1, temperature=36.6, symptoms=[],
                           recorded_at=at(DAY1, 8), recorded_by=3001),
                CheckinRow(declaration_id=number, day=DAY2, temperature=37.5, symptoms=["fever"],
                           recorded_at=at(DAY2, 19), recorded_by=3001),
                TestRecordRow(declaration_id=2, day=DAY2, result="negative",
                              recorded_at=at(DAY2, 9), recorded_by=3001),
            ]
        )  # fmt: skip
    rows, book = await export(database, ExportKind.FOLLOWUP, tmp_path, tr=ZH, actor=SUPERVISOR)
    assert rows == 3
    assert book is not None
    found = [(r[0], r[1], r[2], r[4], r[7], r[10], r[11]) for r in body(book)]
    assert found == [
        (datetime(2026, 12, 1), "健康打卡", 1, "138****8000", "按时完成", 36.6, "无"),
        (datetime(2026, 12, 2), "核酸检测", 1, "138****8000", "未完成", None, None),
        (datetime(2026, 12, 2), "健康打卡", 1, "138****8000", "逾期完成", 37.5, "发热"),
    ]
    assert summary(book)["健康打卡：按时完成"] == 1


async def test_the_escalation_log_of_the_period(database: Database, tmp_path: Path) -> None:
    await seed_reports(database)
    async with database.transaction() as session:
        log = [
            EscalationLogRow(obligation_id=2, step=0, repeat=0, outcome="sent", target="assignee",
                             chat_id=LIAISON, message_key="k", at=at(DAY2, 16)),
            EscalationLogRow(obligation_id=2, step=1, repeat=0, outcome="nobody",
                             target="supervisor", message_key="k", at=at(DAY2, 18)),
            EscalationLogRow(obligation_id=2, step=2, repeat=0, outcome="sent", target="person",
                             chat_id=LIAISON, message_key="k", at=at(DAY2, 18) + timedelta(days=9)),
        ]  # fmt: skip
        session.add_all(log)
    rows, book = await export(database, ExportKind.ESCALATIONS, tmp_path)
    assert rows == 2
    assert book is not None
    # The report's day is a date, as every date of the file is.
    assert [type(r[4]) for r in body(book)] == [datetime, datetime]
    found = [(r[0], r[2], r[6], r[8], r[9], r[10]) for r in body(book)]
    assert found == [
        (datetime(2026, 12, 2, 16), "dongguan", 0, EN("export-target-assignee"),
         EN("export-outcome-sent"), "张联络"),
        (datetime(2026, 12, 2, 18), "dongguan", 1, EN("export-target-supervisor"),
         EN("export-outcome-nobody"), None),
    ]  # fmt: skip


async def test_no_rows_no_file(database: Database, tmp_path: Path) -> None:
    await seed_reports(database)
    rows, book = await export(database, ExportKind.DECLARATIONS, tmp_path)
    assert (rows, book) == (0, None)
    assert not (tmp_path / "declarations.xlsx").exists()
