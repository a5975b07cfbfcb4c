"""`python -m bot audit`, called in-process as the office would: filters, both formats, dates
read like everywhere else, and the export itself recorded."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from domain.org import Language
from storage import Database, Repositories

AT = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_fill(url.replace("sqlite://", "sqlite+aiosqlite://")))
    return url


async def _fill(url: str) -> None:
    database = Database.connect(url)
    try:
        async with database.transaction() as session:
            repos = Repositories(session)
            await repos.people.ensure(5, "王敏", Language.ZH_CN, now=AT)
            entries = (
                (0, 5, "case.view", True, None),
                (1, 6, "case.unmask", True, "calling\tto check\nthe trip"),
                (30, 5, "cases.list", False, "cases-not-staff"),
            )
            for hours, actor, action, allowed, detail in entries:
                await repos.audit.record(
                    at=AT + timedelta(hours=hours),
                    actor_id=actor,
                    action=action,
                    target="declaration 3",
                    allowed=allowed,
                    detail=detail,
                )
    finally:
        await database.dispose()


def test_tsv_of_everything_newest_first(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "time\tactor_id\tactor\taction\ttarget\tallowed\tdetail"
    assert lines[1:] == [
        "2026-12-02T16:00:00+08:00\t5\t王敏\tcases.list\tdeclaration 3\tno\tcases-not-staff",
        # A reason's tabs and line breaks do not break the columns.
        "2026-12-01T11:00:00+08:00\t6\t6\tcase.unmask\tdeclaration 3\tyes\t"
        "calling to check the trip",
        "2026-12-01T10:00:00+08:00\t5\t王敏\tcase.view\tdeclaration 3\tyes\t",
    ]


def test_filters_and_csv(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["audit", "--person", "5", "--from", "2026-12-01", "--to", "12/01", "--format", "csv"]
    assert main(args) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [row[3] for row in rows[1:]] == ["case.view"]
    assert main(["audit", "--action", "case.", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [row[3] for row in rows[1:]] == ["case.unmask", "case.view"]
    assert rows[1][6] == "calling\tto check\nthe trip"  # CSV quotes it whole


def test_every_export_is_recorded(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--person", "5"]) == 0
    assert main(["audit", "--action", "audit."]) == 0
    [header, export] = capsys.readouterr().out.splitlines()[-2:]
    assert header.startswith("time\t")
    fields = export.split("\t")
    assert fields[1:] == ["", "", "audit.export", "command line", "yes", "person 5"]


def test_a_bad_date_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--from", "2026-02-30"]) == 2
    assert "not a date: '2026-02-30'" in capsys.readouterr().err
