"""The clock over a real database: who hears what, when, and never twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK, Chain, ChainBook, Step, Target
from domain.obligations import Obligation, ObligationKind, ObligationState
from scheduler.engine import RETRY_FAILED_AFTER, PassResult, Rendered, StepMessage
from services.obligations import meet
from storage import Database, Repositories
from storage.models import EscalationLogRow, OutboxRow, PersonRow
from storage.repos import ObligationRepository
from tests.engine.conftest import (
    ADMIN,
    DEPUTY,
    DUE,
    LIAISON,
    MONDAY,
    OFFICE_HEAD,
    OTHER_LIAISON,
    TOWNSHIP_HEAD,
    ZONE,
    Engine,
    RecordingTexts,
    local,
    outbox,
    unit_report,
)

REMIND = "obligation-unit-report-remind"
REMIND_SOON = "obligation-unit-report-remind-soon"
LATE = "obligation-unit-report-late"
ESCALATE = "obligation-unit-report-escalate"
OFFICE = "obligation-unit-report-escalate-office"


@pytest.fixture
async def clock(database: Database) -> Engine:
    engine = Engine(database)
    await engine.load_org()
    return engine


def keys(rows: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(chat, text.split("|")[0]) for chat, text in rows]


async def test_every_step_runs_in_order_to_the_right_people(clock: Engine) -> None:
    await clock.open(unit_report())
    timeline = [
        (DUE - timedelta(minutes=60), [(LIAISON, REMIND)]),
        (DUE - timedelta(minutes=15), [(LIAISON, REMIND_SOON)]),
        (DUE, [(LIAISON, LATE), (DEPUTY, LATE)]),
        (DUE + timedelta(minutes=30), [(TOWNSHIP_HEAD, ESCALATE)]),
        (DUE + timedelta(hours=2), [(OFFICE_HEAD, OFFICE)]),
    ]
    seen: list[tuple[int, str]] = []
    for moment, expected in timeline:
        # Just before a step nothing happens; at its time exactly that step does.
        assert await clock.at(moment - timedelta(seconds=1)) == 0
        assert await clock.at(moment) == 1
        seen += expected
        assert keys(await outbox(clock.database)) == seen
    assert await clock.at(DUE + timedelta(days=3)) == 0


async def test_reminders_go_only_to_those_who_have_not_met_it(clock: Engine) -> None:
    await clock.open(unit_report("east"))
    await clock.open(unit_report("west"))
    async with clock.database.transaction() as session:
        met = await meet(
            Repositories(session), unit_report("east").key, at=DUE - timedelta(hours=2)
        )
    assert met is not None
    assert met.obligation.state is ObligationState.MET
    await clock.at(DUE - timedelta(minutes=60))
    assert keys(await outbox(clock.database)) == [(OTHER_LIAISON, REMIND)]


async def test_meeting_it_stops_the_escalation_at_once(clock: Engine) -> None:
    await clock.open(unit_report())
    await clock.at(DUE + timedelta(minutes=1))  # the late notice
    async with clock.database.transaction() as session:
        met = await meet(Repositories(session), unit_report().key, at=DUE + timedelta(minutes=5))
    assert met is not None
    assert met.obligation.state is ObligationState.MET_LATE
    before = await outbox(clock.database)
    assert await clock.at(DUE + timedelta(days=1)) == 0
    assert await outbox(clock.database) == before
    async with clock.database.session() as session:
        stored = await Repositories(session).obligations.get(unit_report().key)
    assert stored is not None
    assert stored.next_action_at is None


async def test_catch_up_after_downtime_runs_each_escalation_once(clock: Engine) -> None:
    ob = await clock.open(unit_report())
    # Down from before the first reminder until after the office's step.
    assert await clock.at(DUE + timedelta(hours=3)) == 3
    assert keys(await outbox(clock.database)) == [
        (LIAISON, LATE),
        (DEPUTY, LATE),
        (TOWNSHIP_HEAD, ESCALATE),
        (OFFICE_HEAD, OFFICE),
    ]
    # Running again, or another pass at the same time, sends nothing more.
    assert await clock.at(DUE + timedelta(hours=3)) == 0
    assert await clock.at(DUE + timedelta(days=2)) == 0
    assert len(await outbox(clock.database)) == 4
    async with clock.database.session() as session:
        assert ob.id is not None
        log = await Repositories(session).escalations.for_obligation(ob.id)
    assert [(r.step, r.outcome, r.message_key) for r in log if r.outcome == "superseded"] == [
        (0, "superseded", REMIND),
        (1, "superseded", REMIND_SOON),
    ]
    assert [(r.step, r.chat_id) for r in log if r.outcome == "sent"] == [
        (2, LIAISON),
        (2, DEPUTY),
        (3, TOWNSHIP_HEAD),
        (4, OFFICE_HEAD),
    ]


async def test_every_step_is_logged_with_target_time_and_message(clock: Engine) -> None:
    ob = await clock.open(unit_report())
    await clock.at(DUE + timedelta(minutes=30))
    assert ob.id is not None
    async with clock.database.session() as session:
        log = await Repositories(session).escalations.for_obligation(ob.id)
    sent = [(r.step, r.target, r.chat_id, r.message_key, r.at) for r in log]
    moment = DUE + timedelta(minutes=30)
    assert (3, "supervisor", TOWNSHIP_HEAD, ESCALATE, moment) in sent
    assert all(r.outbox_key for r in log if r.outcome == "sent")


async def test_quiet_hours_defer_reminders_to_the_morning(database: Database) -> None:
    clock = Engine(database)
    await clock.load_org()
    late_due = local(MONDAY, 22, 30)  # reminders at 21:30 and 22:15; quiet from 22:00
    await clock.open(unit_report(due=late_due))
    assert await clock.at(local(MONDAY, 21, 30)) == 1  # -60m, before the quiet hours
    assert await clock.at(local(MONDAY, 23, 59)) == 0  # -15m and 0 wait for the morning
    assert await clock.at(local(MONDAY + timedelta(days=1), 7)) >= 1
    got = keys(await outbox(database))
    # In the morning the reminder is pointless: the deadline step supersedes it.
    assert got[0] == (LIAISON, REMIND)
    assert (LIAISON, REMIND_SOON) not in got
    assert (LIAISON, LATE) in got


async def test_holidays_hold_unit_reports_until_the_next_working_day(database: Database) -> None:
    tuesday = MONDAY + timedelta(days=1)
    calendar = WorkCalendar.of(ZONE, holidays=[tuesday])
    clock = Engine(database, calendar=calendar)
    await clock.load_org()
    due = local(MONDAY, 21)  # the office's step at 23:00 falls in the quiet hours
    await clock.open(unit_report(due=due))
    assert await clock.at(due + timedelta(minutes=30)) == 2  # late notice, township
    # ...which end on Tuesday, a holiday: the step waits for Wednesday morning.
    assert await clock.at(local(tuesday, 12)) == 0
    assert await clock.at(local(tuesday + timedelta(days=1), 7)) == 1
    assert keys(await outbox(database))[-1] == (OFFICE_HEAD, OFFICE)


async def test_an_away_liaison_is_covered_by_the_deputy(clock: Engine) -> None:
    async with clock.database.transaction() as session:
        await Repositories(session).absences.set(LIAISON, MONDAY, now=clock.now)
    await clock.open(unit_report())
    await clock.at(DUE - timedelta(minutes=60))
    [(chat, text)] = await outbox(clock.database)
    assert chat == DEPUTY
    assert text.endswith(f"|for:{LIAISON}")


async def test_an_absence_that_ended_no_longer_redirects(clock: Engine) -> None:
    async with clock.database.transaction() as session:
        await Repositories(session).absences.set(LIAISON, MONDAY - timedelta(days=1), now=clock.now)
    await clock.open(unit_report())
    await clock.at(DUE - timedelta(minutes=60))
    assert keys(await outbox(clock.database)) == [(LIAISON, REMIND)]


async def test_an_unreachable_liaison_is_covered_by_the_deputy(clock: Engine) -> None:
    async with clock.database.transaction() as session:
        # What the sender records after Telegram answers 403 for a private message.
        person = await session.get(PersonRow, LIAISON)
        assert person is not None
        person.unreachable_at = clock.now
    await clock.open(unit_report())
    await clock.at(DUE - timedelta(minutes=60))
    assert [chat for chat, _ in await outbox(clock.database)] == [DEPUTY]


async def test_an_escalation_that_reaches_nobody_alerts_the_admins(clock: Engine) -> None:
    # West has a liaison and no deputy; at the deadline with the liaison away, nobody is left.
    async with clock.database.transaction() as session:
        await Repositories(session).absences.set(OTHER_LIAISON, MONDAY, now=clock.now)
    ob = await clock.open(unit_report("west"))
    await clock.at(DUE - timedelta(minutes=60))
    assert await outbox(clock.database) == []  # a reminder to nobody is only logged
    await clock.at(DUE)
    [(chat, text)] = await outbox(clock.database)
    assert (chat, text) == (ADMIN, f"nobody|{LATE}|西关村")
    assert ob.id is not None
    async with clock.database.session() as session:
        log = await Repositories(session).escalations.for_obligation(ob.id)
    assert {(r.step, r.target) for r in log if r.outcome == "nobody"} == {
        (0, "assignee"),
        (2, "assignee"),
        (2, "deputy"),
    }


async def test_opening_twice_keeps_one_obligation(clock: Engine) -> None:
    first = await clock.open(unit_report())
    again = await clock.open(unit_report())
    assert first.id == again.id
    await clock.at(DUE - timedelta(minutes=60))
    assert len(await outbox(clock.database)) == 1


async def test_the_running_loop_is_woken_by_a_new_obligation(clock: Engine) -> None:
    clock.engine.max_sleep_s = 60.0
    task = asyncio.create_task(clock.engine.run())
    try:
        await asyncio.sleep(0.2)  # asleep: nothing is open
        # Opened 59 minutes before the deadline: its first reminder is already due.
        clock.now = DUE - timedelta(minutes=59)
        await clock.open(unit_report())
        for _ in range(100):
            if await outbox(clock.database):
                break
            await asyncio.sleep(0.05)
    finally:
        await clock.engine.stop()
        await asyncio.wait_for(task, 5)
    assert keys(await outbox(clock.database)) == [(LIAISON, REMIND)]


async def test_the_loop_sleeps_until_the_next_action(clock: Engine) -> None:
    clock.engine.max_sleep_s = 60.0
    await clock.open(unit_report())
    assert await clock.engine._until_next() == 60.0  # three hours away: the cap
    clock.now = DUE - timedelta(minutes=60, seconds=2)
    assert await clock.engine._until_next() == pytest.approx(2.0)


async def count(database: Database, model: type[OutboxRow] | type[EscalationLogRow]) -> int:
    async with database.session() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.postgres
async def test_two_engines_on_one_postgres_never_take_the_same_step(
    postgres_database: Database, postgres_url: str
) -> None:
    first = Engine(postgres_database)
    await first.load_org()
    second_db = Database.connect(postgres_url, schema=postgres_database.schema)
    try:
        second = Engine(second_db)
        units = ["east", "west"]
        for day in range(60):
            for unit in units:
                due = DUE + timedelta(days=day)
                await first.open(unit_report(unit, due))
        # Both wake at the same moment after a long outage and race through the backlog.
        moment = DUE + timedelta(days=70)
        first.now = second.now = moment
        first.engine.batch_size = second.engine.batch_size = 7
        results = await asyncio.gather(first.engine.run_due(), second.engine.run_due())
    finally:
        await second_db.dispose()
    assert all(r.obligations > 0 for r in results), results  # both took part
    assert sum(r.obligations for r in results) == 120
    async with postgres_database.session() as session:
        duplicates = await session.execute(
            select(
                EscalationLogRow.obligation_id,
                EscalationLogRow.step,
                EscalationLogRow.repeat,
                EscalationLogRow.chat_id,
                func.count(),
            )
            .where(EscalationLogRow.outcome == "sent")
            .group_by(
                EscalationLogRow.obligation_id,
                EscalationLogRow.step,
                EscalationLogRow.repeat,
                EscalationLogRow.chat_id,
            )
            .having(func.count() > 1)
        )
        assert duplicates.all() == []
    # east: late to liaison and deputy, township, office = 4; west: liaison, township, office.
    assert await count(postgres_database, OutboxRow) == 60 * (4 + 3)
    assert await count(postgres_database, EscalationLogRow) >= 60 * 7


async def test_a_kind_is_stepped_with_its_own_chain(clock: Engine) -> None:
    notice = Obligation(ObligationKind.NOTICE_ACK, "notice-7", "east", "east", "east", DUE)
    await clock.open(notice)
    await clock.at(DUE - timedelta(minutes=30))
    assert keys(await outbox(clock.database)) == [(LIAISON, "obligation-notice-remind")]


class FailingFor(RecordingTexts):
    """Texts that cannot render one unit's messages, as a bug or bad data would."""

    def __init__(self, unit_name: str) -> None:
        self.unit_name = unit_name

    def step(self, message: StepMessage) -> Rendered:
        if message.unit_name == self.unit_name:
            raise ValueError("cannot render")
        return super().step(message)


async def test_one_obligation_that_cannot_be_stepped_does_not_hold_up_the_others(
    clock: Engine,
) -> None:
    clock.engine.texts = FailingFor("东关村")
    await clock.open(unit_report("east"))
    await clock.open(unit_report("west"))
    moment = DUE - timedelta(minutes=60)
    await clock.at(moment)
    assert keys(await outbox(clock.database)) == [(OTHER_LIAISON, REMIND)]
    async with clock.database.session() as session:
        stuck = await Repositories(session).obligations.get(unit_report("east").key)
    assert stuck is not None
    assert stuck.next_action_at == moment + RETRY_FAILED_AFTER  # tried again, not in a loop
    clock.engine.texts = RecordingTexts()
    await clock.at(moment + RETRY_FAILED_AFTER)
    assert keys(await outbox(clock.database))[-1] == (LIAISON, REMIND)


async def test_a_report_waits_for_the_step_being_taken_and_then_ends_the_chain(
    clock: Engine,
) -> None:
    """Claiming holds the obligation (a row lock on PostgreSQL, the write lock on SQLite)
    until the step is written, so a report cannot slip in between the claim and the write:
    either the step went out before the report, or it is never sent."""
    await clock.open(unit_report())
    moment = DUE - timedelta(minutes=60)
    async with clock.database.transaction() as session:
        [claimed] = await Repositories(session).obligations.claim_due(moment, 10)

        async def report() -> None:
            async with clock.database.transaction() as other:
                await meet(Repositories(other), claimed.key, at=moment)

        reporting = asyncio.create_task(report())
        await asyncio.sleep(0.3)
        assert not reporting.done()  # held until the claim's transaction ends
    await asyncio.wait_for(reporting, 5)
    assert await clock.at(DUE + timedelta(days=1)) == 0
    async with clock.database.session() as session:
        stored = await Repositories(session).obligations.get(claimed.key)
    assert stored is not None
    assert stored.state is ObligationState.MET


async def test_a_database_error_is_retried_by_the_loop_not_blamed_on_the_obligation(
    clock: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await clock.open(unit_report())
    moment = DUE - timedelta(minutes=60)

    async def unavailable(*args: object, **kwargs: object) -> list[Obligation]:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(ObligationRepository, "claim_due", unavailable)
    clock.now = moment
    with pytest.raises(OperationalError):
        await clock.engine.run_due()
    monkeypatch.undo()
    # Nothing was postponed: the next pass, once the database answers, sends the reminder.
    assert await clock.at(moment) == 1
    assert keys(await outbox(clock.database)) == [(LIAISON, REMIND)]


@pytest.mark.postgres
async def test_a_due_obligation_held_by_another_transaction_does_not_make_the_loop_spin(
    postgres_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Engine(postgres_database)
    await clock.load_org()
    await clock.open(unit_report())
    clock.now = DUE - timedelta(minutes=60)
    passes = 0
    run_due = clock.engine.run_due

    async def counted(now: datetime | None = None) -> PassResult:
        nonlocal passes
        passes += 1
        return await run_due(now)

    monkeypatch.setattr(clock.engine, "run_due", counted)
    async with postgres_database.transaction() as session:
        # A report being filed holds the row (get(lock=True), as services.obligations.meet).
        await Repositories(session).obligations.get(unit_report().key, lock=True)
        loop = asyncio.create_task(clock.engine.run())
        await asyncio.sleep(1.0)
        held_passes = passes
    await asyncio.sleep(0.8)
    await clock.engine.stop()
    await asyncio.wait_for(loop, 5)
    assert held_passes <= 4  # one look every LOCKED_RETRY_S, not hundreds
    assert keys(await outbox(postgres_database)) == [(LIAISON, REMIND)]  # taken once released


async def test_an_obligation_follows_the_named_chain_it_asks_for(database: Database) -> None:
    schools = Chain(
        ObligationKind.UNIT_REPORT,
        (Step(timedelta(minutes=10), (Target.OFFICE,), "obligation-unit-report-escalate-office"),),
    )
    book = ChainBook(DEFAULT_CHAIN_BOOK.by_kind, {"schools": schools})
    clock = Engine(database, chains=book)
    await clock.load_org()
    await clock.open(replace(unit_report(), chain="schools"))
    assert await clock.at(DUE - timedelta(minutes=60)) == 0  # none of the kind's reminders
    assert await clock.at(DUE + timedelta(minutes=10)) == 1
    assert keys(await outbox(database)) == [(OFFICE_HEAD, OFFICE)]


async def test_a_chain_name_no_longer_configured_is_refused_when_opening(clock: Engine) -> None:
    with pytest.raises(ValueError, match="no escalation chain named 'gone'"):
        await clock.open(replace(unit_report(), chain="gone"))
