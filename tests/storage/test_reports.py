"""Unit daily reports on a real database: opening a day, filing and correcting, roll-ups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.forms import Value
from domain.obligations import ObligationKind, ObligationState
from domain.org import OrgTree, Role, RoleAssignment, UnitKind
from domain.permissions import Actor
from domain.reports import FiledReport, ReportPolicy, ReportSchedule, ScheduleOverride
from services import reports
from services.excuse import excuse
from services.obligations import EscalationPolicy
from services.org import load_org_file
from services.refusal import Refused
from storage import Database, Repositories
from storage.models import ObligationRow, ReportVersionRow
from tests.orgs import (
    COUNTY_SUPERVISOR,
    COUNTY_TREE,
    TOWN_SUPERVISOR_EN,
    Group,
    Member,
    Unit,
    org_toml,
)

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)
SATURDAY = date(2026, 11, 28)
COUNTY_HEAD, TOWN_HEAD, NORTH_HEAD, BOTH_HEAD = 1, 2, 3, 4
EAST, EAST_DEPUTY, WEST, NORTH, SCHOOL = 10, 11, 20, 30, 40
ADMIN = 99

ORG = org_toml(
    [
        *COUNTY_TREE,
        Unit("school", "城关小学", "school", "town"),
        Unit("hills", "山区乡", "township", "county"),
        Unit("north", "北山村", "village", "hills"),
    ],
    [
        COUNTY_SUPERVISOR,
        TOWN_SUPERVISOR_EN,
        Member(NORTH_HEAD, "赵乡长", "hills", "supervisor"),
        Member(BOTH_HEAD, "钱双职", "county", "supervisor"),
        Member(BOTH_HEAD, "钱双职", "hills", "supervisor"),
        Member(EAST, "张联络", "east", "liaison"),
        Member(EAST_DEPUTY, "赵副手", "east", "deputy"),
        Member(WEST, "钱联络", "west", "liaison"),
        Member(NORTH, "孙联络", "north", "liaison"),
        Member(SCHOOL, "周老师", "school", "liaison"),
    ],
    [
        Group(-100200, "东关村工作群", "east", "work"),
        Group(-100300, "东关村居民群", "east", "residents"),
    ],
)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def escalation(holidays: tuple[date, ...] = ()) -> EscalationPolicy:
    return EscalationPolicy(DEFAULT_CHAIN_BOOK, WorkCalendar.of(ZONE, holidays=holidays))


POLICY = ReportPolicy.default()
FULL: dict[str, Value] = {
    "returned": 3,
    "returned_risk": 1,
    "central_quarantine": 2,
    "home_quarantine": 4,
    "monitoring": 5,
    "fever_cases": 0,
    "tests_done": 12,
    "abnormal": None,
}


def actor(telegram_id: int, *roles: tuple[str, Role], admin: bool = False) -> Actor:
    return Actor(
        telegram_id,
        is_admin=admin,
        assignments=tuple(RoleAssignment(telegram_id, unit, role) for unit, role in roles),
    )


LIAISON_EAST = actor(EAST, ("east", Role.LIAISON))


async def seed(database: Database) -> None:
    async with database.transaction() as session:
        await load_org_file(Repositories(session), ORG, now=local(MONDAY, 0))


async def open_day(
    database: Database,
    day: date = MONDAY,
    policy: ReportPolicy = POLICY,
    esc: EscalationPolicy | None = None,
) -> int:
    async with database.transaction() as session:
        return await reports.open_day(
            Repositories(session), esc or escalation(), policy, day, now=local(day, 0, 5)
        )


async def file(
    database: Database,
    who: Actor,
    unit: str,
    answers: Mapping[str, Value] | None,
    at: datetime,
    day: date = MONDAY,
    policy: ReportPolicy = POLICY,
) -> Filing:
    """The outcome, or the refusal's key (the refusal's audit entry commits all the same)."""
    async with database.transaction() as session:
        try:
            outcome = await reports.file_report(
                Repositories(session), policy, ZONE, who, unit, day, answers, now=at
            )
        except Refused as refused:
            return Filing(None, refused.key)
    return Filing(outcome.report, None, outcome.correction)


@dataclass(frozen=True)
class Filing:
    report: FiledReport | None
    refusal_key: str | None
    correction: bool = False


async def obligation_states(database: Database, day: date = MONDAY) -> dict[str, str]:
    async with database.session() as session:
        found = await Repositories(session).obligations.for_period(
            ObligationKind.UNIT_REPORT, day.isoformat()
        )
    return {ob.unit_code: ob.state.value for ob in found}


async def version_count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(ReportVersionRow)) or 0)


# --- opening a day ------------------------------------------------------------------------


async def test_opening_a_day_opens_each_reporting_unit_once(database: Database) -> None:
    await seed(database)
    assert await open_day(database) == 4  # east, west, school, north; not county nor towns
    assert await open_day(database) == 0
    async with database.session() as session:
        rows = (await session.scalars(select(ObligationRow).order_by(ObligationRow.subject))).all()
    assert [(r.subject, r.period, r.assignee_unit) for r in rows] == [
        ("east", "2026-11-23", "east"),
        ("north", "2026-11-23", "north"),
        ("school", "2026-11-23", "school"),
        ("west", "2026-11-23", "west"),
    ]
    assert {r.due_at for r in rows} == {local(MONDAY, 17)}
    # Scheduled: the first reminder (60 minutes before the deadline) is the next action.
    assert {r.next_action_at for r in rows} == {local(MONDAY, 16)}


async def test_weekdays_and_holidays_are_skipped(database: Database) -> None:
    await seed(database)
    policy = ReportPolicy(
        {
            UnitKind.VILLAGE: ReportSchedule(),
            UnitKind.SCHOOL: ReportSchedule(days=frozenset(range(1, 6))),
        }
    )
    assert await open_day(database, SATURDAY, policy) == 3  # the school has the weekend off
    assert "school" not in await obligation_states(database, SATURDAY)
    # A holiday: villages that skip holidays owe nothing; one that does not still reports.
    policy = ReportPolicy(
        {UnitKind.VILLAGE: ReportSchedule()},
        {"north": ScheduleOverride(skip_holidays=False)},
    )
    assert await open_day(database, MONDAY, policy, escalation(holidays=(MONDAY,))) == 1
    assert await obligation_states(database) == {"north": "open"}


async def test_a_unit_override_changes_its_deadline_and_can_stop_or_start_it(
    database: Database,
) -> None:
    await seed(database)
    policy = ReportPolicy(
        {UnitKind.VILLAGE: ReportSchedule()},
        {
            "west": ScheduleOverride(deadline=time(12, 0)),
            "north": ScheduleOverride(reports=False),
            "town": ScheduleOverride(),  # a township reporting itself, on the defaults
        },
    )
    assert await open_day(database, policy=policy) == 3
    async with database.session() as session:
        rows = await session.execute(select(ObligationRow.subject, ObligationRow.due_at))
        due = {subject: due_at for subject, due_at in rows}
    assert due == {
        "east": local(MONDAY, 17),
        "west": local(MONDAY, 12),
        "town": local(MONDAY, 17),
    }
    assert policy.deadlines() == {time(12, 0), time(17, 0)}


# --- filing -------------------------------------------------------------------------------


async def test_a_report_on_time_meets_the_obligation_and_is_audited(database: Database) -> None:
    await seed(database)
    await open_day(database)
    outcome = await file(database, LIAISON_EAST, "east", FULL, local(MONDAY, 16, 30))
    assert outcome.refusal_key is None
    assert not outcome.correction
    assert outcome.report is not None
    assert (outcome.report.version, outcome.report.late, outcome.report.zero) == (1, False, False)
    assert (await obligation_states(database))["east"] == "met"
    async with database.session() as session:
        repos = Repositories(session)
        stored = await repos.reports.latest("east", MONDAY)
        obligation = (
            await repos.obligations.for_period(ObligationKind.UNIT_REPORT, "2026-11-23", ["east"])
        )[0]
        audit = await repos.audit.recent()
    assert stored == outcome.report
    assert dict(stored.answers) == FULL
    assert obligation.closed_by == EAST
    assert obligation.next_action_at is None  # no more reminders
    assert (audit[0].action, audit[0].target, audit[0].allowed) == (
        "report.file",
        "east/2026-11-23",
        True,
    )


async def test_a_late_report_is_marked_late_and_meets_late(database: Database) -> None:
    await seed(database)
    await open_day(database)
    outcome = await file(database, LIAISON_EAST, "east", None, local(MONDAY, 17, 1))
    assert outcome.report is not None
    assert outcome.report.late
    assert outcome.report.zero
    assert (await obligation_states(database))["east"] == "met_late"
    # Filed exactly at the deadline is on time.
    west = actor(WEST, ("west", Role.LIAISON))
    on_time = await file(database, west, "west", None, local(MONDAY, 17))
    assert on_time.report is not None
    assert not on_time.report.late


async def test_a_zero_report_stores_every_count_as_zero(database: Database) -> None:
    await seed(database)
    await open_day(database)
    outcome = await file(database, LIAISON_EAST, "east", None, local(MONDAY, 9))
    assert outcome.report is not None
    assert outcome.report.zero
    assert dict(outcome.report.answers) == {key: (None if key == "abnormal" else 0) for key in FULL}


async def test_a_correction_keeps_every_version(database: Database) -> None:
    await seed(database)
    await open_day(database)
    await file(database, LIAISON_EAST, "east", None, local(MONDAY, 16))
    corrected = {**FULL, "abnormal": "  一人发热，已送医  "}
    deputy = actor(EAST_DEPUTY, ("east", Role.DEPUTY))
    outcome = await file(database, deputy, "east", corrected, local(MONDAY, 20))
    assert outcome.correction
    assert outcome.report is not None
    assert (outcome.report.version, outcome.report.late, outcome.report.filed_by) == (
        2,
        True,
        EAST_DEPUTY,
    )
    assert outcome.report.answers["abnormal"] == "一人发热，已送医"
    async with database.session() as session:
        versions = await Repositories(session).reports.versions("east", MONDAY)
    assert [(v.version, v.zero, v.filed_by) for v in versions] == [
        (1, True, EAST),
        (2, False, EAST_DEPUTY),
    ]
    # The obligation was met on time by the first version and stays so.
    assert (await obligation_states(database))["east"] == "met"
    # Status follows the first version (on time), the counts the latest.
    async with database.session() as session:
        summary = await reports.day_rollup(Repositories(session), POLICY, "town", MONDAY)
    assert (summary.tally.submitted, summary.tally.late, summary.tally.zero) == (1, 0, 0)
    assert summary.tally.totals["returned"] == 3
    assert summary.tally.totals["tests_done"] == 12


async def test_corrections_close_at_the_next_days_data_cut_off(database: Database) -> None:
    await seed(database)
    await open_day(database)
    await file(database, LIAISON_EAST, "east", None, local(MONDAY, 16))
    tuesday = MONDAY + timedelta(days=1)
    # The default cut-off is "as of 24:00 yesterday": Tuesday's figures start at midnight.
    assert (await file(database, LIAISON_EAST, "east", FULL, local(MONDAY, 23, 59))).report
    closed = await file(database, LIAISON_EAST, "east", FULL, local(tuesday, 0, 1))
    assert (closed.report, closed.refusal_key) == (None, "report-correction-closed")
    assert await version_count(database) == 2
    # A first filing is accepted (late) even then.
    west = actor(WEST, ("west", Role.LIAISON))
    late = await file(database, west, "west", FULL, local(tuesday, 18))
    assert late.report is not None
    assert late.report.late


@pytest.mark.parametrize(
    "answers",
    [
        {**FULL, "returned": -1},
        {**FULL, "returned_risk": 4},  # more from risk areas than returned at all
        {**FULL, "visitors": 2},  # a key the form does not have
        {**FULL, "abnormal": "x" * 5000},
        {**FULL, "returned": "3"},  # a text where a count belongs
        {**FULL, "returned": True},
        {k: v for k, v in FULL.items() if k != "tests_done"},
        {**FULL, "returned": 0, "returned_risk": 1},  # not asked when nobody returned: 0 only
        {**FULL, "fever_cases": 10**7},
    ],
)
async def test_forged_answers_are_refused_and_nothing_is_stored(
    database: Database, answers: dict[str, Value]
) -> None:
    await seed(database)
    await open_day(database)
    outcome = await file(database, LIAISON_EAST, "east", answers, local(MONDAY, 16))
    assert (outcome.report, outcome.refusal_key) == (None, "report-invalid")
    assert await version_count(database) == 0
    assert (await obligation_states(database))["east"] == "open"
    async with database.session() as session:
        audit = await Repositories(session).audit.recent()
    assert (audit[0].action, audit[0].allowed) == ("report.file", False)
    assert audit[0].detail is not None
    assert audit[0].detail.startswith("report-invalid")


async def test_only_the_units_liaison_deputy_or_an_admin_may_file(database: Database) -> None:
    await seed(database)
    await open_day(database)
    supervisor = actor(TOWN_HEAD, ("town", Role.SUPERVISOR))
    other = actor(WEST, ("west", Role.LIAISON))
    for who in (supervisor, other, actor(12345)):
        outcome = await file(database, who, "east", None, local(MONDAY, 16))
        assert (outcome.report, outcome.refusal_key) == (None, "report-not-liaison")
    assert await version_count(database) == 0
    admin = actor(ADMIN, admin=True)
    assert (await file(database, admin, "east", None, local(MONDAY, 16))).report is not None


async def test_nothing_is_filed_for_a_day_the_unit_owes_nothing(database: Database) -> None:
    await seed(database)
    await open_day(database)
    tuesday = MONDAY + timedelta(days=1)  # not opened
    outcome = await file(database, LIAISON_EAST, "east", None, local(tuesday, 9), day=tuesday)
    assert outcome.refusal_key == "report-not-due"
    town_deputy = actor(EAST, ("town", Role.DEPUTY))  # townships do not report
    outcome = await file(database, town_deputy, "town", None, local(MONDAY, 9))
    assert outcome.refusal_key == "report-not-due"
    assert await version_count(database) == 0


async def test_units_for_lists_the_reporting_units_by_name(database: Database) -> None:
    await seed(database)
    several = actor(
        EAST,
        ("west", Role.LIAISON),
        ("east", Role.DEPUTY),
        ("town", Role.LIAISON),  # does not report
        ("north", Role.SUPERVISOR),  # not a filing role
    )
    async with database.session() as session:
        units = await reports.units_for(Repositories(session), several, POLICY)
    assert [u.code for u in units] == ["east", "west"]  # 东关村 < 西关村


async def test_the_work_group_of_a_unit(database: Database) -> None:
    await seed(database)
    async with database.session() as session:
        repos = Repositories(session)
        assert await reports.work_group_of(repos, "east") == -100200
        assert await reports.work_group_of(repos, "west") is None


# --- roll-ups -----------------------------------------------------------------------------


async def test_the_rollup_sums_up_the_tree_and_groups_the_missing(database: Database) -> None:
    await seed(database)
    await open_day(database)
    await file(database, LIAISON_EAST, "east", FULL, local(MONDAY, 16))
    school = actor(SCHOOL, ("school", Role.LIAISON))
    await file(
        database, school, "school", {**FULL, "returned": 2, "returned_risk": 0}, local(MONDAY, 18)
    )
    # North is excused by its township's supervisor; west never files.
    async with database.session() as session:
        north = (
            await Repositories(session).obligations.for_period(
                ObligationKind.UNIT_REPORT, "2026-11-23", ["north"]
            )
        )[0]
    async with database.transaction() as session:
        assert north.id is not None
        done = await excuse(
            Repositories(session),
            actor(NORTH_HEAD, ("hills", Role.SUPERVISOR)),
            north.id,
            "停电",
            now=local(MONDAY, 12),
        )
    assert done.state is ObligationState.EXCUSED
    async with database.session() as session:
        summary = await reports.day_rollup(Repositories(session), POLICY, "county", MONDAY)
    tally = summary.tally
    assert (
        tally.expected,
        tally.submitted,
        tally.zero,
        tally.late,
        tally.excused,
        tally.missing,
    ) == (
        4,
        2,
        0,
        1,
        1,
        1,
    )
    assert tally.totals["returned"] == 5
    assert tally.totals["tests_done"] == 24
    assert "abnormal" not in tally.totals
    children = {c.unit.code: c.tally for c in summary.children}
    assert set(children) == {"town", "hills"}
    assert (children["town"].expected, children["town"].missing) == (3, 1)
    assert children["hills"].excused == 1
    assert [(parent.code, [u.code for u in units]) for parent, units in summary.missing] == [
        ("town", ["west"])
    ]


async def test_roll_ups_read_the_obligations_of_their_subtrees_only(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(database)
    await open_day(database)
    asked: list[object] = []
    async with database.session() as session:
        repos = Repositories(session)
        real = repos.obligations.for_period

        async def recorded(kind: ObligationKind, period: str, codes: object = None) -> object:
            asked.append(None if codes is None else sorted(codes))  # type: ignore[call-overload]
            return await real(kind, period, codes)  # type: ignore[arg-type]

        monkeypatch.setattr(repos.obligations, "for_period", recorded)
        town = await reports.day_rollups(repos, POLICY, ["town"], MONDAY)
        county = await reports.day_rollups(repos, POLICY, ["county"], MONDAY)
    tree = await _tree(database)
    assert asked == [sorted(u.code for u in tree.subtree("town")), None]
    assert town["town"].tally.expected < county["county"].tally.expected


async def _tree(database: Database) -> OrgTree:
    async with database.session() as session:
        return await Repositories(session).org.load_tree()


async def test_supervisors_get_one_rollup_per_topmost_unit(database: Database) -> None:
    await seed(database)
    policy = ReportPolicy(
        {UnitKind.VILLAGE: ReportSchedule(), UnitKind.SCHOOL: ReportSchedule(deadline=time(12))}
    )
    await open_day(database, policy=policy)
    async with database.session() as session:
        repos = Repositories(session)
        at_five = await reports.supervisors_for_rollup(repos, policy, time(17), MONDAY)
        at_noon = await reports.supervisors_for_rollup(repos, policy, time(12), MONDAY)
        nothing = await reports.supervisors_for_rollup(repos, policy, time(17), SATURDAY)
        noon = await reports.day_rollup(repos, policy, "town", MONDAY, deadline=time(12))
    assert [(p.telegram_id, code) for p, code in at_five] == [
        (COUNTY_HEAD, "county"),
        (TOWN_HEAD, "town"),
        (NORTH_HEAD, "hills"),
        (BOTH_HEAD, "county"),  # hills lies below county: one roll-up
    ]
    assert [(p.telegram_id, code) for p, code in at_noon] == [
        (COUNTY_HEAD, "county"),
        (TOWN_HEAD, "town"),
        (BOTH_HEAD, "county"),
    ]
    assert nothing == []
    assert noon.tally.expected == 1  # only the school reports by noon


async def test_the_rollup_of_several_kinds_sums_every_forms_counts(database: Database) -> None:
    from domain.forms import FieldKind, FormField, FormSpec

    school_form = FormSpec(
        "unit_report",
        (
            FormField("returned", FieldKind.COUNT),
            FormField("absent", FieldKind.COUNT, labels={"zh_CN": "缺课", "en": "Absent"}),
        ),
    )
    policy = ReportPolicy(
        {UnitKind.VILLAGE: ReportSchedule(), UnitKind.SCHOOL: ReportSchedule(form=school_form)}
    )
    await seed(database)
    await open_day(database, policy=policy)
    school = actor(SCHOOL, ("school", Role.LIAISON))
    refused = await file(database, school, "school", FULL, local(MONDAY, 9), policy=policy)
    assert refused.refusal_key == "report-invalid"
    await file(
        database, school, "school", {"returned": 1, "absent": 7}, local(MONDAY, 9), policy=policy
    )
    await file(database, LIAISON_EAST, "east", FULL, local(MONDAY, 9), policy=policy)
    async with database.session() as session:
        summary = await reports.day_rollup(Repositories(session), policy, "town", MONDAY)
    assert summary.tally.totals["returned"] == 4
    assert summary.tally.totals["absent"] == 7
    assert [f.key for f in summary.form.fields][:2] == ["returned", "returned_risk"]
    assert "absent" in [f.key for f in summary.form.fields]


async def test_state_of_excused_stays_when_filed_anyway(database: Database) -> None:
    """A report filed for an excused day is kept; the obligation stays excused."""
    await seed(database)
    await open_day(database)
    async with database.session() as session:
        east = (
            await Repositories(session).obligations.for_period(
                ObligationKind.UNIT_REPORT, "2026-11-23", ["east"]
            )
        )[0]
    async with database.transaction() as session:
        assert east.id is not None
        await excuse(
            Repositories(session),
            actor(TOWN_HEAD, ("town", Role.SUPERVISOR)),
            east.id,
            "培训",
            now=local(MONDAY, 9),
        )
    outcome = await file(database, LIAISON_EAST, "east", None, local(MONDAY, 10))
    assert outcome.report is not None
    assert (await obligation_states(database))["east"] == ObligationState.EXCUSED.value


async def test_a_report_whose_deadline_has_passed_is_not_opened(database: Database) -> None:
    """A bot started for the first time in the evening does not open (and at once escalate)
    reports nobody could have been reminded of; the next day's open as usual."""
    await seed(database)
    async with database.transaction() as session:
        evening = await reports.open_day(
            Repositories(session), escalation(), POLICY, MONDAY, now=local(MONDAY, 20)
        )
    assert evening == 0
    assert await open_day(database, MONDAY + timedelta(days=1)) == 4
