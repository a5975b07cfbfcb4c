"""/export over real HTTP against the emulator: each ledger chosen by buttons, the unit typed
by name, the period by a button; the document the bot uploads, read back with openpyxl, has
exactly the rows and numbers in the database. A liaison is refused another unit's ledger."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from domain.declaration_json import declaration_to_dict
from domain.declarations import Declaration, DeclarationStatus, DomesticOrigin
from domain.exports import ExportKind
from domain.obligations import ObligationKind
from domain.org import Language
from storage import Repositories
from storage.models import (
    CheckinRow,
    DeclarationRow,
    EscalationLogRow,
    ObligationRow,
)
from tests.declaration_rows import monitoring_row
from tests.e2e.live import BOT_ID, LiveBot, live_bot
from tests.stats_data import seed_reports
from texts.i18n import Translator

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=ZONE)
MONDAY = date(2026, 11, 30)
ZH = Translator(Language.ZH_CN)
OFFICE, LIAISON = 1001, 2001  # 王主任 (示范县), 张联络 (东关村)
DEMO_ORG = (Path(__file__).parents[2] / "sandbox" / "demo_org.toml").read_text("utf-8")
PLANS = {"dongguan": "SSLM-EZ", "nanjie": "ZZSLMSS", "hexi": "-------"}


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE)


async def seed(repos: Repositories) -> None:
    await seed_reports(repos, PLANS, MONDAY, filed_by=LIAISON)
    session = repos.session
    for n, (unit, phone) in enumerate((("dongguan", "13800138000"), ("nanjie", "13900139000"))):
        declaration = Declaration(
            status=DeclarationStatus.RETURNED,
            origin=DomesticOrigin(("420000", "420100", "420102")),
            name=f"居民{n}",
            phone=phone,
            attested=True,
        )
        session.add(
            monitoring_row(
                unit_code=unit,
                resident=3001 + n,
                filed_by=3001 + n,
                at=at(MONDAY + timedelta(days=n + 1), 9),
                start=MONDAY + timedelta(days=n + 1),
                answers=declaration_to_dict(declaration),
            )
        )
    await session.flush()
    ids = list(await session.scalars(select(DeclarationRow.id).order_by(DeclarationRow.id)))
    for day in (MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)):
        session.add(
            ObligationRow(
                kind=ObligationKind.HEALTH_CHECKIN.value,
                subject=f"declaration:{ids[0]}",
                period=day.isoformat(),
                assignee_person=3001,
                unit_code="dongguan",
                due_at=at(day, 20),
                state="met" if day.day == 2 else "expired",
                step_reached=0,
                repeats_done=0,
                created_at=at(day, 0),
                updated_at=at(day, 20),
            )
        )
    session.add(
        CheckinRow(
            declaration_id=ids[0],
            day=MONDAY + timedelta(days=2),
            temperature=36.8,
            symptoms=[],
            recorded_at=at(MONDAY + timedelta(days=2), 10),
            recorded_by=3001,
        )
    )
    missing = await session.scalar(
        select(ObligationRow.id).where(
            ObligationRow.unit_code == "dongguan", ObligationRow.period == "2026-12-03"
        )
    )
    assert missing is not None
    for step, hour in ((0, 17), (1, 19)):
        session.add(
            EscalationLogRow(
                obligation_id=missing,
                step=step,
                repeat=0,
                outcome="sent",
                target="person",
                chat_id=LIAISON,
                message_key="obligation-overdue",
                at=at(date(2026, 12, 3), hour),
            )
        )


def documents(bot: LiveBot, chat: int) -> list[dict[str, Any]]:
    return [m["document"] for m in bot.emu.bot_messages(chat, bot=BOT_ID) if m.get("document")]


def read(bot: LiveBot, document: dict[str, Any]) -> list[tuple[object, ...]]:
    data = bot.emu.core.world.files[document["file_id"]].data
    sheet = list(load_workbook(io.BytesIO(data)).worksheets[1].iter_rows(values_only=True))
    return sheet[1 : sheet.index(tuple(None for _ in sheet[0]))]


async def export(bot: LiveBot, user: int, kind: ExportKind, unit: str | None) -> None:
    await bot.say(user, "/export")
    await bot.press(user, bot.last(user), ZH(f"export-kind-button-{kind.value}"))
    if unit is not None:
        await bot.say(user, unit)
    await bot.press(user, bot.last(user), ZH("period-last-7"))


async def count(bot: LiveBot, statement: Any) -> int:
    async with bot.database.session() as session:
        return int(await session.scalar(statement) or 0)


async def test_each_ledger_has_exactly_the_rows_in_the_database(tmp_path: Path) -> None:
    async with live_bot(tmp_path, DEMO_ORG, NOW, started=(OFFICE, LIAISON)) as bot:
        async with bot.database.transaction() as session:
            await seed(Repositories(session))
        first, last = "2026-11-30", "2026-12-06"
        for kind in ExportKind:
            await export(bot, OFFICE, kind, "示范县疫情防控办公室")
        reports, declarations, followup, escalations = (
            read(bot, d) for d in documents(bot, OFFICE)
        )
        owed = await count(
            bot,
            select(func.count())
            .select_from(ObligationRow)
            .where(
                ObligationRow.kind == "unit_report",
                ObligationRow.period.between(first, last),
            ),
        )
        assert len(reports) == owed == 13
        statuses = [(row[2], row[3]) for row in reports if row[2] == "dongguan"]
        assert [status for _, status in statuses] == [
            ZH(f"export-status-{s}")
            for s in ("submitted", "submitted", "late", "missing", "excused", "zero")
        ]
        async with bot.database.session() as session:
            liaison = await Repositories(session).people.get(LIAISON)
        assert liaison is not None  # its name as Telegram gave it at /start
        assert [row[5] for row in reports if row[5]] == [liaison.name] * 10
        assert [(row[0], row[2]) for row in declarations] == [(1, "东关村"), (2, "南街社区")]
        assert [row[5] for row in declarations] == ["138****8000", "139****9000"]
        assert [(row[7], row[10]) for row in followup] == [
            (ZH("export-followup-done"), 36.8),
            (ZH("export-followup-missed"), None),
        ]
        logged = await count(bot, select(func.count()).select_from(EscalationLogRow))
        assert len(escalations) == logged == 2
        assert [row[10] for row in escalations] == [liaison.name] * 2
        # Every export is on record, with its rows.
        async with bot.database.session() as session:
            entries = await Repositories(session).audit.recent(50)
        exported = sorted(e.detail or "" for e in entries if e.action == "export.ledger")
        assert exported == ["rows 13", "rows 2", "rows 2", "rows 2"]


async def test_a_liaison_is_refused_another_units_ledger(tmp_path: Path) -> None:
    async with live_bot(tmp_path, DEMO_ORG, NOW, started=(LIAISON,)) as bot:
        async with bot.database.transaction() as session:
            await seed(Repositories(session))
        # Their own unit: no unit to choose, the full number (they call the residents).
        await export(bot, LIAISON, ExportKind.DECLARATIONS, None)
        [own] = documents(bot, LIAISON)
        assert [row[5] for row in read(bot, own)] == ["13800138000"]
        # Another unit, named with the command: refused, audited, no file.
        assert await bot.say(LIAISON, "/export 南街社区") == [ZH("export-not-allowed")]
        assert len(documents(bot, LIAISON)) == 1
        async with bot.database.session() as session:
            entries = await Repositories(session).audit.recent(20)
        [refusal] = [e for e in entries if e.action == "export.ledger" and not e.allowed]
        assert (refusal.actor_id, refusal.target) == (LIAISON, "nanjie")
        assert refusal.detail == "export-not-allowed"
