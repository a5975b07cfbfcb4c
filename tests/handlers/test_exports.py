"""/export: who may export which unit (refusals audited, forged buttons refused), the period's
refusals, no file for a period without data, and the document with its audit entry."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from aiogram.methods import AnswerCallbackQuery, DeleteMessage, SendDocument
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from domain.declaration_json import declaration_to_dict
from domain.declarations import Declaration, DeclarationStatus, DomesticOrigin
from domain.notices import Audience, NoticeContent, NoticeRequest, NoticeState, RecipientKind
from domain.periods import Preset
from storage import Repositories
from storage.records import AuditEntry
from tests.declaration_rows import monitoring_row
from tests.handlers.conftest import ADMIN_ID, EN, ZH, Harness
from tests.stats_data import ZONE, seed_reports
from texts.export_keyboards import ExportPeriod, ExportUnit, ExportWhat

COUNTY, TOWNSHIP, LIAISON = 1001, 1002, 2001  # 王主任 (zh), 李镇长 (en), 张联络 (东关村)
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=ZONE)
MONDAY = date(2026, 11, 30)
PHONE = "13800138000"


@pytest.fixture(autouse=True)
async def data(harness: Harness) -> None:
    harness.clock.set(NOW)

    async def seed(repos: Repositories) -> None:
        await seed_reports(repos, {"dongguan": "SSLM-EZ"}, MONDAY)
        declaration = Declaration(
            status=DeclarationStatus.RETURNED,
            origin=DomesticOrigin(("420000", "420100", "420102")),
            name="王五",
            phone=PHONE,
            attested=True,
        )
        repos.session.add(
            monitoring_row(
                unit_code="dongguan",
                resident=3001,
                filed_by=3001,
                at=datetime(2026, 12, 5, 9, 30, tzinfo=ZONE),
                start=date(2026, 12, 5),
                answers=declaration_to_dict(declaration),
            )
        )

    await harness.repos(seed)


async def audit(harness: Harness, *, allowed: bool) -> list[AuditEntry]:
    found: list[AuditEntry] = await harness.repos(lambda r: r.audit.recent(50))
    return [e for e in found if e.action.startswith("export.") and e.allowed is allowed]


def documents(harness: Harness) -> list[SendDocument]:
    return harness.session.of_type(SendDocument)


def workbook(request: SendDocument) -> Workbook:
    return load_workbook(io.BytesIO(request.document.data))  # type: ignore[union-attr]


def rows(book: Workbook) -> list[tuple[object, ...]]:
    """The data sheet's rows below the header, up to the empty row before the footer."""
    found = []
    for row in list(book.worksheets[1].iter_rows(values_only=True))[1:]:
        if all(cell is None for cell in row):
            break
        found.append(row)
    return found


async def test_only_in_a_private_chat(harness: Harness) -> None:
    assert await harness.send(COUNTY, "/export", chat_id=-100123) == [ZH("export-private-only")]


async def test_someone_without_a_role_is_refused_and_audited(harness: Harness) -> None:
    assert await harness.send(5555, "/export") == [ZH("export-no-role")]
    [refusal] = await audit(harness, allowed=False)
    assert (refusal.actor_id, refusal.detail) == (5555, "export-no-role")


async def test_a_liaison_is_refused_another_unit(harness: Harness) -> None:
    forged = ExportUnit(kind="reports", unit="hexi", browse=False).pack()
    await harness.press(LIAISON, forged)
    [answer] = harness.session.of_type(AnswerCallbackQuery)
    assert answer.text == ZH("export-not-allowed")
    forged_period = ExportPeriod(kind="reports", unit="hexi", preset=Preset.LAST_7).pack()
    assert await harness.press(LIAISON, forged_period) == [ZH("export-not-allowed")]
    assert documents(harness) == []
    refusals = await audit(harness, allowed=False)
    assert {(e.actor_id, e.target, e.detail) for e in refusals} == {
        (LIAISON, "reports hexi", "export-not-allowed"),
        (LIAISON, "reports hexi 2026-11-30..2026-12-06", "export-not-allowed"),
    }


async def test_a_forged_kind_is_refused(harness: Harness) -> None:
    await harness.press(COUNTY, ExportWhat(kind="passwords").pack())
    [answer] = harness.session.of_type(AnswerCallbackQuery)
    assert answer.text == ZH("button-expired")


async def test_a_supervisor_exports_the_report_ledger_of_a_unit(harness: Harness) -> None:
    assert await harness.send(TOWNSHIP, "/export", language="en") == [EN("export-ask-kind")]
    await harness.press(TOWNSHIP, ExportWhat(kind="reports").pack(), language="en")
    await harness.press(TOWNSHIP, harness.button("东关村"), language="en")
    replies = await harness.press(TOWNSHIP, harness.button(EN("period-last-7")), language="en")
    assert EN("export-working", kind=EN("export-title-reports"), unit="东关村",
              period="2026-11-30 to 2026-12-06") in replies  # fmt: skip
    [document] = documents(harness)
    assert document.document.filename == "reports_dongguan_20261130-20261206.xlsx"  # type: ignore[union-attr]
    book = workbook(document)
    assert book.sheetnames == [EN("export-sheet-summary"), EN("export-sheet-reports")]
    found = rows(book)
    statuses = [(row[0], row[3]) for row in found]
    assert statuses == [
        (datetime(2026, 11, 30), EN("export-status-submitted")),
        (datetime(2026, 12, 1), EN("export-status-submitted")),
        (datetime(2026, 12, 2), EN("export-status-late")),
        (datetime(2026, 12, 3), EN("export-status-missing")),
        (datetime(2026, 12, 5), EN("export-status-excused")),
        (datetime(2026, 12, 6), EN("export-status-zero")),
    ]
    [entry] = await audit(harness, allowed=True)
    assert (entry.actor_id, entry.action) == (TOWNSHIP, "export.ledger")
    assert (entry.target, entry.detail) == ("reports dongguan 2026-11-30..2026-12-06", "rows 6")


async def test_numbers_are_masked_for_a_supervisor_and_full_for_the_liaison(
    harness: Harness,
) -> None:
    period = ExportPeriod(kind="declarations", unit="dongguan", preset=Preset.LAST_7).pack()
    await harness.press(COUNTY, period)
    await harness.press(LIAISON, period)
    supervisor, liaison = (rows(workbook(d)) for d in documents(harness))
    assert supervisor[0][4:6] == ("王五", "138****8000")
    assert liaison[0][4:6] == ("王五", PHONE)


async def test_a_liaison_exports_their_own_unit_without_choosing_it(harness: Harness) -> None:
    await harness.send(LIAISON, "/export")
    replies = await harness.press(LIAISON, ExportWhat(kind="declarations").pack())
    assert replies[-1].startswith(ZH("export-title-declarations") + " · 东关村")
    await harness.send(LIAISON, "12-01 12-06")
    [document] = documents(harness)
    assert len(rows(workbook(document))) == 1


async def test_a_period_without_data_makes_no_file(harness: Harness) -> None:
    period = ExportPeriod(kind="escalations", unit="dongguan", preset=Preset.LAST_30).pack()
    replies = await harness.press(ADMIN_ID, period)
    assert replies[-1] == ZH(
        "export-no-data",
        kind=ZH("export-title-escalations"),
        unit="东关村",
        period="2026-11-07 至 2026-12-06",
    )
    assert documents(harness) == []
    assert await audit(harness, allowed=True) == []


@pytest.mark.parametrize(
    ("dates", "key"),
    [
        ("11-30 11-01", "period-inverted"),
        ("2025-01-01 2026-12-01", "period-too-long"),
        ("12-01 12-31", "period-future"),
    ],
)
async def test_a_bad_period_is_refused(harness: Harness, dates: str, key: str) -> None:
    await harness.send(LIAISON, "/export")
    await harness.press(LIAISON, ExportWhat(kind="reports").pack())
    [reply] = await harness.send(LIAISON, dates)
    assert reply == ZH(key, today="2026-12-06", max_days="366", example="2026-11-30 2026-12-06")
    assert documents(harness) == []


async def test_a_unit_named_with_the_command_comes_first(harness: Harness) -> None:
    assert await harness.send(LIAISON, "/export 河西街道") == [ZH("export-not-allowed")]
    [refusal] = await audit(harness, allowed=False)
    assert (refusal.target, refusal.detail) == ("hexi", "export-not-allowed")
    assert await harness.send(COUNTY, "/export 东关村") == [ZH("export-ask-kind")]
    await harness.press(COUNTY, harness.button(ZH("export-kind-button-reports")))
    await harness.press(COUNTY, harness.button(ZH("period-today")))
    [document] = documents(harness)
    assert [row[3] for row in rows(workbook(document))] == [ZH("export-status-zero")]


async def test_the_unit_question_takes_a_typed_name(harness: Harness) -> None:
    await harness.send(COUNTY, "/export")
    await harness.press(COUNTY, ExportWhat(kind="declarations").pack())
    replies = await harness.send(COUNTY, "东关")
    assert replies[-1].startswith(ZH("export-title-declarations") + " · 东关村")
    await harness.send(COUNTY, "12-05")
    [document] = documents(harness)
    assert [row[4] for row in rows(workbook(document))] == ["王五"]


async def test_a_file_that_cannot_be_written_is_not_sent(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def disk_full(*args: object, **kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("handlers.export_delivery.write_ledger", disk_full)
    period = ExportPeriod(kind="reports", unit="dongguan", preset=Preset.LAST_7).pack()
    replies = await harness.press(COUNTY, period)
    assert replies[-1] == ZH("export-failed")
    assert documents(harness) == []
    assert await audit(harness, allowed=True) == []


async def test_the_progress_message_counts_the_rows_then_goes(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.export_delivery.PROGRESS_EVERY", 0.0)
    period = ExportPeriod(kind="reports", unit="dongguan", preset=Preset.LAST_7).pack()
    replies = await harness.press(COUNTY, period)
    what = {"kind": ZH("export-title-reports"), "unit": "东关村",
            "period": "2026-11-30 至 2026-12-06"}  # fmt: skip
    # The report ledger is read a day at a time: one page (and one edit) a day with rows.
    counts = [ZH("export-progress", rows=n, **what) for n in range(1, 7)]
    assert replies == [ZH("export-working", **what), *counts]
    assert len(harness.session.of_type(DeleteMessage)) == 1
    [document] = documents(harness)
    assert document.caption == ZH("export-ready", rows=6, **what)


async def test_a_supervisor_exports_the_notice_confirmations(harness: Harness) -> None:
    sent = datetime(2026, 12, 4, 9, 0, tzinfo=ZONE)

    async def seed(repos: Repositories) -> None:
        request = NoticeRequest(
            author_id=COUNTY,
            content=NoticeContent("请各村今晚完成排查"),
            unit_codes=("dongguan",),
            audiences=frozenset({Audience.LIAISONS}),
            ack_required=False,
            ack_by=None,
        )
        notice_id = await repos.notices.create(
            request, send_at=sent, state=NoticeState.SENT, now=sent
        )
        assert notice_id is not None
        await repos.notices.add_recipients(
            notice_id, [(RecipientKind.LIAISON, "dongguan", LIAISON, f"{notice_id}:l")]
        )

    await harness.repos(seed)
    await harness.send(TOWNSHIP, "/export", language="en")
    await harness.press(TOWNSHIP, harness.button(EN("export-kind-button-notices")), language="en")
    await harness.press(TOWNSHIP, harness.button("东关村"), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("period-last-7")), language="en")
    [document] = documents(harness)
    assert document.document.filename == "notices_dongguan_20261130-20261206.xlsx"  # type: ignore[union-attr]
    book = workbook(document)
    assert book.sheetnames == [EN("export-sheet-summary"), EN("export-sheet-notices")]
    [row] = rows(book)
    assert row[:8] == (
        1, datetime(2026, 12, 4, 9), "王主任", "请各村今晚完成排查", "东关村", "张联络",
        EN("export-recipient-liaison"), EN("export-notice-queued"),
    )  # fmt: skip
    [entry] = await audit(harness, allowed=True)
    assert (entry.target, entry.detail) == ("notices dongguan 2026-11-30..2026-12-06", "rows 1")
