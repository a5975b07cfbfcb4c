from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.obligations import (
    Obligation,
    ObligationKey,
    ObligationKind,
    ObligationState,
    excuse,
    expire,
    meet,
)

TZ = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 23, 17, 0, tzinfo=TZ)


def report(**changes: object) -> Obligation:
    base = Obligation(
        ObligationKind.UNIT_REPORT,
        "dongguan",
        "2026-11-23",
        "dongguan",
        "dongguan",
        DUE,
        next_action_at=DUE - timedelta(hours=1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_natural_key_is_kind_subject_period() -> None:
    a = report()
    b = report(assignee=1001, due_at=DUE + timedelta(hours=2))
    assert a.key == b.key == ObligationKey(ObligationKind.UNIT_REPORT, "dongguan", "2026-11-23")
    assert str(a.key) == "unit_report/dongguan/2026-11-23"
    assert report(period="2026-11-24").key != a.key


def test_assignee_is_a_person_or_a_unit() -> None:
    assert report().assignee_unit == "dongguan"
    assert report().assignee_person is None
    person = report(kind=ObligationKind.HEALTH_CHECKIN, assignee=3004)
    assert person.assignee_person == 3004
    assert person.assignee_unit is None


def test_naive_due_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        report(due_at=datetime(2026, 11, 23, 17, 0))


@pytest.mark.parametrize(
    ("at", "state"),
    [
        (DUE - timedelta(minutes=1), ObligationState.MET),
        (DUE, ObligationState.MET),  # exactly at the deadline is on time
        (DUE + timedelta(seconds=1), ObligationState.MET_LATE),
    ],
)
def test_meet_is_late_only_after_due_at(at: datetime, state: ObligationState) -> None:
    result = meet(report(), at)
    assert result.obligation.state is state
    assert result.changed
    assert result.stops_escalation
    assert result.obligation.next_action_at is None
    assert result.obligation.closed_at == at
    assert result.previous is ObligationState.OPEN


def test_meeting_again_is_a_quiet_no_op() -> None:
    met = meet(report(), DUE).obligation
    again = meet(met, DUE + timedelta(hours=1))
    assert again.obligation == met
    assert not again.changed
    assert again.refusal_key is None


def test_excuse_needs_a_reason_and_keeps_it() -> None:
    refused = excuse(report(), "  ", DUE)
    assert refused.refusal_key == "obligation-excuse-needs-reason"
    assert not refused.changed
    assert refused.obligation.next_action_at is not None
    done = excuse(report(), " 村里停电 ", DUE)
    assert done.obligation.state is ObligationState.EXCUSED
    assert done.obligation.excuse_reason == "村里停电"
    assert done.stops_escalation


def test_expire_only_after_the_deadline() -> None:
    assert expire(report(), DUE).refusal_key == "obligation-not-due-yet"
    expired = expire(report(), DUE + timedelta(days=1))
    assert expired.obligation.state is ObligationState.EXPIRED
    assert expired.obligation.next_action_at is None


@pytest.mark.parametrize(
    "state",
    [
        ObligationState.MET,
        ObligationState.MET_LATE,
        ObligationState.EXCUSED,
        ObligationState.EXPIRED,
    ],
)
def test_closed_states_are_final(state: ObligationState) -> None:
    closed = report(state=state, next_action_at=None)
    later = DUE + timedelta(days=2)
    assert expire(closed, later).obligation.state is state
    assert excuse(closed, "reason", later).refusal_key == "obligation-closed"
    result = meet(closed, later)
    assert result.obligation.state is state
    assert not result.changed
    if state in (ObligationState.EXCUSED, ObligationState.EXPIRED):
        assert result.refusal_key == "obligation-closed"


def test_overdue_only_while_open() -> None:
    assert not report().is_overdue(DUE)
    assert report().is_overdue(DUE + timedelta(minutes=1))
    assert not report(state=ObligationState.MET).is_overdue(DUE + timedelta(minutes=1))
