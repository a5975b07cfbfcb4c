"""Which step runs when: the chain walked in order, catch-up, quiet hours and holidays."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import WorkCalendar
from domain.escalation import (
    DEFAULT_CHAINS,
    Chain,
    Event,
    Repeat,
    Step,
    Target,
    advance,
    schedule,
)
from domain.obligations import Obligation, ObligationKind, meet

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar.of(TZ)
REPORT = DEFAULT_CHAINS[ObligationKind.UNIT_REPORT]
CHECKIN = DEFAULT_CHAINS[ObligationKind.HEALTH_CHECKIN]


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def opened(
    kind: ObligationKind, due: datetime, chain: Chain, cal: WorkCalendar = CAL
) -> Obligation:
    assignee: int | str = "dongguan" if kind is ObligationKind.UNIT_REPORT else 3004
    ob = Obligation(kind, str(assignee), due.date().isoformat(), assignee, "dongguan", due)
    return schedule(ob, chain, cal)


def walk(ob: Obligation, chain: Chain, cal: WorkCalendar = CAL) -> list[tuple[datetime, Event]]:
    """Run the clock exactly at every next_action_at, as an engine that never sleeps late."""
    taken = []
    while ob.next_action_at is not None:
        now = ob.next_action_at
        result = advance(ob, chain, cal, now)
        assert result.action is not None
        assert result.action.superseded == ()
        taken.append((now, result.action.event))
        ob = result.obligation
    return taken


def test_the_default_unit_report_chain_is_the_one_described() -> None:
    assert [(s.offset, s.targets) for s in REPORT.steps] == [
        (timedelta(minutes=-60), (Target.ASSIGNEE,)),
        (timedelta(minutes=-15), (Target.ASSIGNEE,)),
        (timedelta(0), (Target.ASSIGNEE, Target.DEPUTY)),
        (timedelta(minutes=30), (Target.SUPERVISOR,)),
        (timedelta(hours=2), (Target.OFFICE,)),
    ]


def test_every_kind_has_a_sane_default_chain() -> None:
    assert set(DEFAULT_CHAINS) == set(ObligationKind)
    for chain in DEFAULT_CHAINS.values():
        assert chain.steps
        assert not any(s.urgent for s in chain.steps if s.offset < timedelta(0))
        assert all(s.message.startswith("obligation-") for s in chain.steps)
    # A group mention would expose who is under health monitoring.
    assert all(Target.UNIT_GROUP not in s.targets for s in CHECKIN.steps)


def test_creation_schedules_the_first_reminder() -> None:
    ob = opened(ObligationKind.UNIT_REPORT, at(23, 17), REPORT)
    assert ob.next_action_at == at(23, 16)
    early = advance(ob, REPORT, CAL, at(23, 15, 59))
    assert early.action is None
    assert early.obligation == ob


def test_steps_run_in_order_at_their_times() -> None:
    ob = opened(ObligationKind.UNIT_REPORT, at(23, 17), REPORT)
    assert [(now, e.step) for now, e in walk(ob, REPORT)] == [
        (at(23, 16), 0),
        (at(23, 16, 45), 1),
        (at(23, 17), 2),
        (at(23, 17, 30), 3),
        (at(23, 19), 4),
    ]


def test_repeats_run_until_the_next_step_takes_over() -> None:
    ob = opened(ObligationKind.HEALTH_CHECKIN, at(23, 10), CHECKIN)
    assert [(now, e.step, e.repeat) for now, e in walk(ob, CHECKIN)] == [
        (at(23, 8), 0, 0),
        (at(23, 9, 30), 1, 0),
        (at(23, 10), 2, 0),
        (at(23, 11), 2, 1),
        (at(23, 12), 2, 2),
        # The third repeat would coincide with the liaison step and is dropped.
        (at(23, 13), 3, 0),
        (at(23, 15), 4, 0),
    ]
    hasty = Chain(
        ObligationKind.HEALTH_CHECKIN,
        (
            Step(timedelta(0), (Target.ASSIGNEE,), "a", repeat=Repeat(timedelta(hours=1), 10)),
            Step(timedelta(hours=2), (Target.SUPERVISOR,), "b"),
        ),
    )
    ob = opened(ObligationKind.HEALTH_CHECKIN, at(23, 10), hasty)
    # The repeat at +2h would coincide with the supervisor step and is dropped.
    assert [(e.step, e.repeat) for _, e in walk(ob, hasty)] == [(0, 0), (0, 1), (1, 0)]


def test_meeting_stops_escalation_at_once() -> None:
    ob = opened(ObligationKind.UNIT_REPORT, at(23, 17), REPORT)
    ob = advance(ob, REPORT, CAL, at(23, 16)).obligation
    met = meet(ob, at(23, 16, 30)).obligation
    assert met.next_action_at is None
    result = advance(met, REPORT, CAL, at(23, 20))
    assert result.action is None
    assert result.obligation.next_action_at is None
    assert schedule(met, REPORT, CAL).next_action_at is None


@pytest.mark.parametrize(
    ("now", "runs", "skipped"),
    [
        # Down from 15:00 to 17:40: the reminders are pointless now; the late notice and the
        # supervisor step each run once, in order; the office step still comes at 19:00.
        (at(23, 17, 40), [2, 3], [0, 1]),
        # Down until 20:00: the late notice, the township and the office, each once.
        (at(23, 20), [2, 3, 4], [0, 1]),
        # Down across midnight: the same, the next morning.
        (at(24, 9), [2, 3, 4], [0, 1]),
    ],
)
def test_catch_up_runs_each_overdue_escalation_once_and_drops_stale_reminders(
    now: datetime, runs: list[int], skipped: list[int]
) -> None:
    ob = opened(ObligationKind.UNIT_REPORT, at(23, 17), REPORT)
    performed: list[int] = []
    superseded: list[int] = []
    while (result := advance(ob, REPORT, CAL, now)).action is not None:
        performed.append(result.action.event.step)
        superseded += [e.step for e in result.action.superseded]
        ob = result.obligation
    assert performed == runs
    assert superseded == skipped
    assert ob.step_reached == runs[-1]
    assert ob.next_action_at == (at(23, 19) if runs[-1] == 3 else None)
    # Another tick at the same time (a retry, another instance) finds nothing to do.
    assert advance(ob, REPORT, CAL, now).action is None


def test_catch_up_collapses_missed_repeats_too() -> None:
    ob = opened(ObligationKind.HEALTH_CHECKIN, at(23, 10), CHECKIN)
    ob = replace(ob, step_reached=2, repeats_done=0)
    result = advance(ob, CHECKIN, CAL, at(23, 12, 30))
    assert result.action is not None
    assert (result.action.event.step, result.action.event.repeat) == (2, 2)
    assert [(e.step, e.repeat) for e in result.action.superseded] == [(2, 1)]
    assert result.obligation.next_action_at == at(23, 13)


def test_dedupe_key_names_the_obligation_step_and_repeat() -> None:
    ob = opened(ObligationKind.HEALTH_CHECKIN, at(23, 10), CHECKIN)
    ob = replace(ob, step_reached=2, repeats_done=0)
    result = advance(ob, CHECKIN, CAL, at(23, 11))
    assert result.action is not None
    assert result.action.dedupe_key(ob) == "health_checkin/3004/2026-11-23#2.1"


def test_quiet_hours_defer_late_evening_escalations_to_the_morning() -> None:
    ob = opened(ObligationKind.UNIT_REPORT, at(23, 21, 30), REPORT)
    for now, step in [(at(23, 20, 30), 0), (at(23, 21, 15), 1), (at(23, 21, 30), 2)]:
        assert ob.next_action_at == now
        result = advance(ob, REPORT, CAL, now)
        assert result.action is not None
        assert result.action.event.step == step
        ob = result.obligation
    # +30m (22:00) and +2h (23:30) both wait until 07:00; then each runs once, in order:
    # the township supervisor hears first, then the office.
    assert ob.next_action_at == at(24, 7)
    morning = advance(ob, REPORT, CAL, at(24, 7))
    assert morning.action is not None
    assert (morning.action.event.step, morning.action.superseded) == (3, ())
    assert morning.obligation.next_action_at == at(24, 7)
    office = advance(morning.obligation, REPORT, CAL, at(24, 7))
    assert office.action is not None
    assert office.action.event.step == 4
    assert advance(office.obligation, REPORT, CAL, at(24, 7)).action is None


def test_urgent_steps_go_at_night_and_supersede_a_deferred_reminder() -> None:
    chain = DEFAULT_CHAINS[ObligationKind.VERIFICATION]
    ob = opened(ObligationKind.VERIFICATION, at(24, 6, 30), chain)
    # The -2h reminder (04:30) would wait until 07:00; the urgent deadline step goes at 06:30.
    assert ob.next_action_at == at(24, 6, 30)
    result = advance(ob, chain, CAL, at(24, 6, 30))
    assert result.action is not None
    assert result.action.event.step == 1
    assert [e.step for e in result.action.superseded] == [0]
    night = opened(ObligationKind.VERIFICATION, at(23, 23), chain)
    assert [(now, e.step) for now, e in walk(night, chain)] == [
        (at(23, 21), 0),
        (at(23, 23), 1),
        (at(24, 0), 2),
        (at(24, 2), 3),
        (at(24, 5), 4),
    ]


def test_an_urgent_step_takes_the_held_back_escalation_before_it_along() -> None:
    # The township at +30m is not urgent, the office at +1h is: with a 21:45 deadline the
    # township's step falls in the quiet hours, the office's does not wait for them.
    chain = Chain(
        ObligationKind.UNIT_REPORT,
        (
            Step(timedelta(0), (Target.ASSIGNEE,), "late"),
            Step(timedelta(minutes=30), (Target.SUPERVISOR,), "township"),
            Step(timedelta(hours=1), (Target.OFFICE,), "office", urgent=True),
        ),
    )
    ob = opened(ObligationKind.UNIT_REPORT, at(23, 21, 45), chain)
    taken = walk(ob, chain)
    # The township hears of it with the office, at 22:45, in order; nothing is skipped.
    assert [(now, e.step) for now, e in taken] == [
        (at(23, 21, 45), 0),
        (at(23, 22, 45), 1),
        (at(23, 22, 45), 2),
    ]


def test_holidays_hold_administrative_escalations_until_the_next_working_day() -> None:
    cal = WorkCalendar.of(TZ, holidays=[date(2026, 10, 1), date(2026, 10, 2)])
    chain = DEFAULT_CHAINS[ObligationKind.NOTICE_ACK]
    ob = opened(ObligationKind.NOTICE_ACK, at(30, 17, month=9), chain, cal)
    ob = advance(ob, chain, cal, at(30, 17, month=9)).obligation  # the deadline step
    # +1h group mention at 18:00 still on the working day; +3h (20:00) too.
    assert ob.next_action_at == at(30, 18, month=9)
    # Checked only at 20:00: the group mention and the supervisor step each run, in order.
    steps = []
    while (result := advance(ob, chain, cal, at(30, 20, month=9))).action is not None:
        steps.append(result.action.event.step)
        ob = result.obligation
    assert steps == [2, 3]
    # The +24h step falls on 1 October and waits for 3 October 07:00.
    assert ob.next_action_at == at(3, 7, month=10)
    # A health check-in does not take holidays off.
    checkin = opened(ObligationKind.HEALTH_CHECKIN, at(1, 10, month=10), CHECKIN, cal)
    assert checkin.next_action_at == at(1, 8, month=10)


def test_a_chain_with_unsorted_steps_is_refused() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        Chain(
            ObligationKind.UNIT_REPORT,
            (
                Step(timedelta(0), (Target.ASSIGNEE,), "a"),
                Step(timedelta(0), (Target.DEPUTY,), "b"),
            ),
        )


def test_an_empty_chain_never_acts() -> None:
    chain = Chain(ObligationKind.UNIT_REPORT, ())
    ob = opened(ObligationKind.UNIT_REPORT, at(23, 17), chain)
    assert ob.next_action_at is None
    assert advance(ob, chain, CAL, at(24, 17)).action is None


@pytest.mark.parametrize("tick_minutes", [1, 7, 45, 180])
@pytest.mark.parametrize("kind", list(ObligationKind))
def test_any_tick_rate_runs_each_event_at_most_once_in_order(
    tick_minutes: int, kind: ObligationKind
) -> None:
    chain = DEFAULT_CHAINS[kind]
    ob = opened(kind, at(23, 21, 30), chain)
    now, taken = at(21, 0), []
    while now < at(26, 0):
        # One engine tick: perform due events until nothing more is due at this moment.
        while (result := advance(ob, chain, CAL, now)).action is not None:
            taken.append(result.action.event)
            ob = result.obligation
        ob = result.obligation
        # After the tick the next action is strictly in the future: no second send this tick.
        assert ob.next_action_at is None or ob.next_action_at > now
        now += timedelta(minutes=tick_minutes)
    assert taken == sorted(set(taken))
    assert taken[-1].step == len(chain.steps) - 1
