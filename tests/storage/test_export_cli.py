"""`python -m bot export`, called in-process as the office would: masked numbers by default,
full ones only with a purpose (logged), the period checked, no file without data, and every
export in the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.cli import main
from domain.declaration_json import declaration_to_dict
from domain.declarations import Declaration, DeclarationStatus, DomesticOrigin
from services.org import load_org_file
from storage import Database, Repositories
from storage.records import AuditEntry
from tests.declaration_rows import monitoring_row
from tests.orgs import CHENGGUAN, DONGGUAN, XIAN, XIAN_SUPERVISOR, org_toml

ZONE = ZoneInfo("Asia/Shanghai")
# The command reads the system clock: the data lies in the days just before today.
TODAY = datetime.now(UTC).astimezone(ZONE).date()
FIRST, LAST = (TODAY - timedelta(days=6)).isoformat(), TODAY.isoformat()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_fill(_async(url)))
    return url


def _async(url: str) -> str:
    return url.replace("sqlite://", "sqlite+aiosqlite://")


async def _fill(url: str) -> None:
    declaration = Declaration(
        status=DeclarationStatus.RETURNED,
        origin=DomesticOrigin(("420000", "420100", "420102")),
        name="王五",
        phone="13800138000",
        attested=True,
    )
    database = Database.connect(url)
    try:
        async with database.transaction() as session:
            now = datetime.now(UTC)
            org = org_toml([XIAN, CHENGGUAN, DONGGUAN], [XIAN_SUPERVISOR])
            await load_org_file(Repositories(session), org, now=now)
            session.add(
                monitoring_row(
                    unit_code="dongguan",
                    resident=3001,
                    filed_by=3001,
                    at=now - timedelta(days=1),
                    start=TODAY - timedelta(days=1),
                    answers=declaration_to_dict(declaration),
                )
            )
    finally:
        await database.dispose()


async def _audit(url: str) -> list[AuditEntry]:
    database = Database.connect(url)
    try:
        async with database.session() as session:
            entries: list[AuditEntry] = await Repositories(session).audit.recent(20)
    finally:
        await database.dispose()
    return [entry for entry in entries if entry.action.startswith("export.")]


def export(out: Path, *extra: str, kind: str = "declarations") -> int:
    return main(["export", kind, "--unit", "xian", "--from", FIRST, "--to", LAST,
                 "--out", str(out), *extra])  # fmt: skip


def phone(out: Path) -> object:
    return load_workbook(out).worksheets[1]["F2"].value


def test_numbers_are_masked_by_default(url: str, tmp_path: Path) -> None:
    out = tmp_path / "ledger.xlsx"
    assert export(out) == 0
    assert phone(out) == "138****8000"
    [entry] = asyncio.run(_audit(_async(url)))
    assert (entry.actor_id, entry.action, entry.detail) == (None, "export.ledger", "rows 1")
    assert entry.target == f"declarations xian {FIRST}..{LAST}"
    assert not list(tmp_path.glob("*.partial"))


def test_full_numbers_need_a_purpose_which_is_logged(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ledger.xlsx"
    assert export(out, "--full") == 2
    assert "--purpose" in capsys.readouterr().err
    assert not out.exists()
    assert export(out, "--full", "--purpose", "疾控核查") == 0
    assert phone(out) == "13800138000"
    [entry] = asyncio.run(_audit(_async(url)))
    assert (entry.action, entry.detail) == ("export.full", "rows 1; purpose: 疾控核查")


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (LAST, FIRST, "The first date is after the second"),
        ("2020-01-01", LAST, "at most 366 days long"),
        ("someday", LAST, "not a date"),
    ],
)
def test_a_bad_period_is_refused(
    url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    first: str,
    last: str,
    message: str,
) -> None:
    out = tmp_path / "ledger.xlsx"
    code = main(["export", "reports", "--unit", "xian", "--from", first, "--to", last,
                 "--out", str(out)])  # fmt: skip
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_no_data_writes_no_file(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ledger.xlsx"
    assert export(out, kind="escalations") == 1
    assert "no escalations records" in capsys.readouterr().err
    assert not out.exists()
    assert asyncio.run(_audit(_async(url))) == []


def test_an_unknown_unit(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ledger.xlsx"
    code = main(["export", "reports", "--unit", "nowhere", "--from", FIRST, "--to", LAST,
                 "--out", str(out)])  # fmt: skip
    assert code == 2
    assert "no unit with the code 'nowhere'" in capsys.readouterr().err
