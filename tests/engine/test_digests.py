"""Escalation digests: several units' escalations to one supervisor become one message, and
every step is still logged (scheduler.digests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.escalation import DEFAULT_CHAIN_BOOK
from scheduler.digests import DIGEST_PREFIX, DigestMessage, Digests
from scheduler.engine import ObligationEngine, Rendered
from services.obligations import meet
from storage import Database, Repositories
from storage.models import EscalationLogRow, OutboxRow
from tests.engine.conftest import (
    ADMIN,
    DUE,
    LIAISON,
    OFFICE_HEAD,
    OTHER_LIAISON,
    TOWNSHIP_HEAD,
    ZONE,
    Engine,
    RecordingTexts,
    unit_report,
)

ESCALATE = "obligation-unit-report-escalate"
WINDOW = timedelta(minutes=5)


class DigestRecorder:
    def digest(self, message: DigestMessage) -> Rendered:
        units = ",".join(line.unit_name for line in message.lines)
        return Rendered(f"digest|{units}", {"inline_keyboard": []})


@pytest.fixture
async def clock(database: Database) -> Engine:
    engine = Engine(database)
    await engine.load_org()
    engine.engine = ObligationEngine(
        database,
        engine.chains,
        engine.calendar,
        RecordingTexts(),
        now=lambda: engine.now,
        admins=(ADMIN,),
        digests=Digests(WINDOW, DigestRecorder(), DEFAULT_CHAIN_BOOK, ZONE),
    )
    return engine


async def rows_for(database: Database, chat: int) -> list[OutboxRow]:
    async with database.session() as session:
        found = await session.scalars(
            select(OutboxRow).where(OutboxRow.chat_id == chat).order_by(OutboxRow.id)
        )
        return list(found)


async def sent_log(database: Database, chat: int) -> list[tuple[int, str | None]]:
    async with database.session() as session:
        found = await session.execute(
            select(EscalationLogRow.obligation_id, EscalationLogRow.outbox_key)
            .where(EscalationLogRow.chat_id == chat, EscalationLogRow.outcome == "sent")
            .order_by(EscalationLogRow.id)
        )
        return [(o, k) for o, k in found]


async def test_escalations_due_together_reach_the_supervisor_as_one_digest_at_once(
    clock: Engine,
) -> None:
    east = await clock.open(unit_report("east"))
    west = await clock.open(unit_report("west"))
    await clock.at(DUE + timedelta(minutes=30))

    [digest] = await rows_for(clock.database, TOWNSHIP_HEAD)
    assert digest.text == "digest|东关村,西关村"
    assert digest.dedupe_key.startswith(DIGEST_PREFIX)
    assert digest.not_before == DUE + timedelta(minutes=30)  # the first is not held back
    # Nothing lost: each unit's step is logged, naming the message that carried it.
    assert await sent_log(clock.database, TOWNSHIP_HEAD) == [
        (east.id, digest.dedupe_key),
        (west.id, digest.dedupe_key),
    ]
    # The liaisons' own late notices are not gathered: each hears of their unit alone.
    [east_late] = await rows_for(clock.database, LIAISON)
    [west_late] = await rows_for(clock.database, OTHER_LIAISON)
    assert not east_late.dedupe_key.startswith(DIGEST_PREFIX)
    assert "东关村" in east_late.text
    assert "西关村" in west_late.text

    # Two hours on, the office too gets one message for both.
    await clock.at(DUE + timedelta(hours=2))
    [office] = await rows_for(clock.database, OFFICE_HEAD)
    assert office.text == "digest|东关村,西关村"


async def test_a_lone_escalation_keeps_its_ordinary_message(clock: Engine) -> None:
    await clock.open(unit_report("east"))
    await clock.at(DUE + timedelta(minutes=30))
    [single] = await rows_for(clock.database, TOWNSHIP_HEAD)
    assert single.text == f"{ESCALATE}|东关村|张联络"
    assert single.not_before == DUE + timedelta(minutes=30)


async def test_later_escalations_in_the_window_wait_and_gather_into_one(clock: Engine) -> None:
    east = await clock.open(unit_report("east"))
    west = await clock.open(unit_report("west", DUE + timedelta(minutes=2)))
    # A second obligation of 东关村 (another period), due a minute later still.
    again = await clock.open(
        replace(unit_report("east", DUE + timedelta(minutes=3)), period="extra")
    )
    await clock.at(DUE + timedelta(minutes=30))
    await clock.at(DUE + timedelta(minutes=32))
    await clock.at(DUE + timedelta(minutes=33))

    first, second = await rows_for(clock.database, TOWNSHIP_HEAD)
    assert first.text == f"{ESCALATE}|东关村|张联络"
    # The later two wait for the end of the window the first opened, in one message.
    assert second.not_before == DUE + timedelta(minutes=35)
    assert second.state == "pending"
    assert second.text == "digest|西关村,东关村"
    assert await sent_log(clock.database, TOWNSHIP_HEAD) == [
        (east.id, first.dedupe_key),
        (west.id, second.dedupe_key),
        (again.id, second.dedupe_key),
    ]


async def test_a_step_after_the_window_is_sent_at_once(clock: Engine) -> None:
    await clock.open(unit_report("east"))
    await clock.open(unit_report("west", DUE + timedelta(minutes=10)))
    await clock.at(DUE + timedelta(minutes=30))
    await clock.at(DUE + timedelta(minutes=40))
    _, second = await rows_for(clock.database, TOWNSHIP_HEAD)
    assert second.not_before == DUE + timedelta(minutes=40)
    assert second.text == f"{ESCALATE}|西关村|钱联络"


async def test_a_waiting_digest_drops_a_unit_that_filed_since(clock: Engine) -> None:
    await clock.open(unit_report("east"))
    west = await clock.open(unit_report("west", DUE + timedelta(minutes=2)))
    again = await clock.open(
        replace(unit_report("east", DUE + timedelta(minutes=3)), period="extra")
    )
    north = await clock.open(replace(unit_report("west", DUE + timedelta(minutes=4)), period="x"))
    await clock.at(DUE + timedelta(minutes=30))
    await clock.at(DUE + timedelta(minutes=32))  # 西关村's step waits for the window's end
    async with clock.database.transaction() as session:
        await meet(Repositories(session), west.key, at=DUE + timedelta(minutes=32, seconds=30))
    await clock.at(DUE + timedelta(minutes=33))
    # 西关村 has filed: the waiting message names only what is still overdue, as the single
    # step's own message.
    _, waiting = await rows_for(clock.database, TOWNSHIP_HEAD)
    assert waiting.state == "pending"
    assert waiting.text == f"{ESCALATE}|东关村|张联络"
    await clock.at(DUE + timedelta(minutes=34))
    _, waiting = await rows_for(clock.database, TOWNSHIP_HEAD)
    assert waiting.text == "digest|东关村,西关村"  # the extra period's two units
    assert [o for o, _ in await sent_log(clock.database, TOWNSHIP_HEAD)][-2:] == [
        again.id,
        north.id,
    ]
