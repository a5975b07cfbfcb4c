"""The follow-up plan: the start day, check-in and test days with their deadlines, and what
re-classification opens and excuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import followup
from domain.declarations import Declaration, DeclarationStatus, DomesticOrigin, RiskLevel
from domain.obligations import ObligationKey, ObligationKind
from domain.policy import Category, Classification, Measure
from domain.risk_areas import Place, RiskArea, RiskList
from services.declaration_support import Screener, mask_phone

ZONE = ZoneInfo("Asia/Shanghai")
THURSDAY = date(2026, 11, 19)
CHECKIN, TEST = time(20, 0), time(10, 0)
QUARANTINE = Measure(days=14, test_offsets=(1, 13), checkins=True)
MONITORING = Measure(days=14, test_weekdays=(1, 4), checkins=True)
BASE = Declaration(DeclarationStatus.RETURNED, DomesticOrigin(("420000",)))


def plan(measure: Measure, start: date = THURSDAY) -> followup.FollowupPlan:
    return followup.plan(measure, start, checkin_due=CHECKIN, test_due=TEST, zone=ZONE)


def test_the_start_is_the_arrival_else_the_planned_day_else_the_local_submission_day() -> None:
    submitted = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # already the 21st in Shanghai
    arrival = Declaration(
        DeclarationStatus.RETURNED,
        DomesticOrigin(),
        arrival=datetime(2026, 11, 18, 23, 30),
        planned_date=date(2026, 11, 25),
    )
    assert followup.start_date(arrival, submitted, ZONE) == date(2026, 11, 18)
    aware = Declaration(
        DeclarationStatus.RETURNED,
        DomesticOrigin(),
        arrival=datetime(2026, 11, 18, 17, 0, tzinfo=UTC),  # 01:00 on the 19th locally
    )
    assert followup.start_date(aware, submitted, ZONE) == date(2026, 11, 19)
    planned = Declaration(
        DeclarationStatus.PLANNING_RETURN, DomesticOrigin(), planned_date=date(2026, 11, 25)
    )
    assert followup.start_date(planned, submitted, ZONE) == date(2026, 11, 25)
    assert followup.start_date(BASE, submitted, ZONE) == date(2026, 11, 21)


def test_quarantine_checks_in_every_day_and_tests_on_days_one_and_thirteen() -> None:
    p = plan(QUARANTINE)
    assert (p.start, p.end) == (THURSDAY, THURSDAY + timedelta(days=14))
    assert p.checkin_days == tuple(THURSDAY + timedelta(days=n) for n in range(14))
    assert p.test_dates == (date(2026, 11, 20), date(2026, 12, 2))
    assert len(p.items) == 16
    first_test = next(item for item in p.items if item.kind is ObligationKind.TEST_DUE)
    assert first_test.due_at == datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)
    assert first_test.due_at.utcoffset() == timedelta(hours=8)
    # In day order, a day's check-in before its test.
    assert [(i.day, i.kind) for i in p.items] == sorted(
        ((i.day, i.kind) for i in p.items), key=lambda x: (x[0], x[1] is ObligationKind.TEST_DUE)
    )
    assert first_test.key(7) == ObligationKey(
        ObligationKind.TEST_DUE, "declaration:7", "2026-11-20"
    )


def test_days_ahead_leave_out_what_is_past_its_due_time() -> None:
    p = plan(QUARANTINE)
    day_one = THURSDAY + timedelta(days=1)
    # Day 1 at 23:48: its test (due 10:00) and check-in (due 20:00) can no longer be done.
    late = datetime.combine(day_one, time(23, 48), tzinfo=ZONE)
    assert p.days_ahead(ObligationKind.TEST_DUE, late) == (date(2026, 12, 2),)
    assert p.days_ahead(ObligationKind.HEALTH_CHECKIN, late)[0] == day_one + timedelta(days=1)
    # At 09:00 the same day both are still ahead.
    early = datetime.combine(day_one, time(9, 0), tzinfo=ZONE)
    assert p.days_ahead(ObligationKind.TEST_DUE, early) == p.test_dates
    assert p.days_ahead(ObligationKind.HEALTH_CHECKIN, early)[0] == day_one


def test_monitoring_tests_on_mondays_and_thursdays() -> None:
    p = plan(MONITORING)
    assert [d.isoweekday() for d in p.test_dates] == [4, 1, 4, 1, 4]
    assert p.test_dates[0] == THURSDAY


def test_a_measure_without_days_or_checkins_owes_nothing() -> None:
    p = plan(Measure())
    assert (p.start, p.end, p.items) == (THURSDAY, THURSDAY, ())
    referral = Classification(
        Category.FEVER_CLINIC_REFERRAL, Measure(immediate_report=True), "fever_or_code", ()
    )
    assert (
        followup.plan(referral, THURSDAY, checkin_due=CHECKIN, test_due=TEST, zone=ZONE).items == ()
    )


def test_a_period_running_past_the_last_date_is_cut_there_not_raised() -> None:
    # The dialog refuses such dates; a stored declaration must still never fail on one.
    start = date(9999, 12, 25)
    for measure in (QUARANTINE, MONITORING, Measure(days=14, test_offsets=(0, 7))):
        p = plan(measure, start)
        assert (p.start, p.end) == (start, date.max)
        assert all(start <= item.day <= date.max for item in p.items)
    assert plan(QUARANTINE, start).test_dates == (date(9999, 12, 26),)
    # The end is the first day after the period, so a period from date.max has no days left.
    last = plan(Measure(days=14, test_offsets=(0, 1), checkins=True), date.max)
    assert (last.end, last.checkin_days, last.test_dates) == (date.max, (), (date.max,))


def test_pending_leaves_out_what_is_already_past_its_deadline() -> None:
    p = plan(QUARANTINE)
    now = datetime(2026, 11, 20, 12, 0, tzinfo=ZONE)
    pending = p.pending(now)
    assert all(item.due_at > now for item in pending)
    assert pending[0] == followup.FollowupItem(
        date(2026, 11, 20), ObligationKind.HEALTH_CHECKIN, datetime(2026, 11, 20, 20, tzinfo=ZONE)
    )
    # The 19th's check-in (20:00 that day) and the 20th's test (10:00) are past.
    assert len(pending) == 16 - 2


def test_diff_opens_the_new_and_excuses_what_no_longer_applies() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=ZONE)
    change = followup.diff(plan(MONITORING), plan(QUARANTINE), now)
    assert {(i.kind, i.day) for i in change.to_open} == {
        (ObligationKind.TEST_DUE, date(2026, 12, 2))
    }
    assert {(i.kind, i.day) for i in change.to_excuse} == {
        (ObligationKind.TEST_DUE, day)
        for day in (date(2026, 11, 23), date(2026, 11, 26), date(2026, 11, 30), date(2026, 12, 3))
    }
    nothing = followup.diff(plan(Measure()), plan(QUARANTINE), now)
    assert nothing.to_excuse == ()
    assert len(nothing.to_open) == len(plan(QUARANTINE).pending(now))
    assert followup.diff(plan(QUARANTINE), plan(QUARANTINE), now).empty


@given(
    days=st.integers(0, 30),
    offsets=st.lists(st.integers(0, 30), max_size=4),
    weekdays=st.lists(st.integers(1, 7), max_size=3),
    checkins=st.booleans(),
    start=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)
def test_plans_stay_within_the_period_and_diff_is_consistent(
    days: int, offsets: list[int], weekdays: list[int], checkins: bool, start: date
) -> None:
    offsets = [o for o in offsets if o <= days]
    measure = Measure(days, tuple(sorted(set(offsets))), tuple(sorted(set(weekdays))), checkins)
    p = plan(measure, start)
    assert all(start <= item.day <= p.end for item in p.items)
    assert len({(i.kind, i.day) for i in p.items}) == len(p.items)
    assert len(p.checkin_days) == (days if checkins else 0)
    before = datetime.combine(start, time(0), tzinfo=ZONE)
    change = followup.diff(plan(Measure()), p, before)
    assert set(change.to_open) == set(p.items)
    assert change.to_excuse == ()
    back = followup.diff(p, plan(Measure()), before)
    assert set(back.to_excuse) == set(p.items)
    assert back.to_open == ()


def test_phones_are_masked_in_alerts() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86 139-1234-8000") == "139****8000"
    assert mask_phone("12345") == "****"
    assert mask_phone(None) is None
    assert mask_phone("") is None


# --- screening many declarations: the same facts as RiskList.facts ------------------------

_CODES = ["420111", "420103", "420100", "420000", "430102", "430100", "110101", "110105", "999999"]
_DAY = date(2026, 11, 1)


@st.composite
def _places(draw: st.DrawFn) -> Place:
    start = draw(st.none() | st.integers(-30, 30).map(lambda n: _DAY + timedelta(days=n)))
    end = draw(st.none() | st.integers(0, 10).map(lambda n: (start or _DAY) + timedelta(days=n)))
    return Place(draw(st.sampled_from(_CODES)), start, end)


@st.composite
def _areas(draw: st.DrawFn) -> RiskArea:
    start = _DAY + timedelta(days=draw(st.integers(-40, 20)))
    to = draw(st.none() | st.integers(0, 30).map(lambda n: start + timedelta(days=n)))
    level = draw(st.sampled_from([RiskLevel.HIGH, RiskLevel.MID]))
    return RiskArea(
        draw(st.sampled_from(_CODES[:-1])), level, start, to, draw(st.text("ab", max_size=1))
    )


@settings(deadline=None)  # the first example loads the division data
@given(
    areas=st.lists(_areas(), max_size=6),
    declarations=st.lists(
        st.tuples(st.lists(_places(), max_size=3), st.integers(-20, 20)), max_size=6
    ),
    lookback=st.integers(1, 20),
)
def test_the_screener_finds_what_risk_list_facts_finds(
    areas: list[RiskArea], declarations: list[tuple[list[Place], int]], lookback: int
) -> None:
    risk_list = RiskList(areas)
    screener = Screener(risk_list, lookback)
    for places, offset in declarations * 2:  # twice: the memo must give the same
        as_of = _DAY + timedelta(days=offset)
        assert screener.facts(places, as_of) == risk_list.facts(places, as_of, lookback)
