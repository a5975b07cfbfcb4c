"""Check-in rules, the liaison escalation target, and the buttons on check-in/test reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from domain.checkins import (
    NONE_CHOICE,
    AlertReason,
    CheckinAnswer,
    DayReading,
    alert_reasons,
    declaration_id_of,
    identical_run,
    parse_symptoms,
    read_temperature,
    result_alert,
    toggle,
)
from domain.declarations import Symptom, TestResult
from domain.escalation import DEFAULT_CHAINS, Event, Step, Target
from domain.obligations import Obligation, ObligationKind
from domain.org import Language, OrgTree, Person, Role, RoleAssignment, Unit, UnitKind
from domain.recipients import Directory, Recipient, resolve
from scheduler.engine import StepMessage
from texts.checkin_keyboards import CheckinStart, TestRecord
from texts.obligations import ObligationTexts

ZONE = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 11, 23, 20, 0, tzinfo=ZONE)
DAY = date(2026, 11, 23)
THRESHOLD = 37.3


# --- temperature and symptoms -------------------------------------------------------------


@given(st.text(max_size=300))
def test_any_text_is_a_temperature_in_range_or_a_known_refusal(text: str) -> None:
    parsed = read_temperature(text)
    if parsed.ok:
        assert parsed.value is not None
        assert 35.0 <= parsed.value <= 42.0
        assert round(parsed.value, 1) == parsed.value
    else:
        assert parsed.refusal in ("answer-temperature-invalid", "answer-temperature-range")


@given(st.integers(min_value=350, max_value=420))
def test_every_tenth_in_range_is_read_back(tenths: int) -> None:
    value = tenths / 10
    assert read_temperature(f"{value:.1f}").value == value


def test_typical_answers() -> None:
    assert read_temperature("36.5").value == 36.5
    assert read_temperature("34").refusal == "answer-temperature-range"
    assert read_temperature("hot").refusal == "answer-temperature-invalid"
    assert read_temperature("").refusal == "answer-temperature-invalid"


@given(st.lists(st.sampled_from([*(s.value for s in Symptom), NONE_CHOICE, "bogus"])))
def test_the_checklist_only_ever_holds_known_symptoms(presses: list[str]) -> None:
    selected: frozenset[Symptom] = frozenset()
    for press in presses:
        selected = toggle(selected, press)
        if press == NONE_CHOICE:
            assert selected == frozenset()
    assert parse_symptoms(s.value for s in selected) == selected


def test_toggle_twice_removes_and_unknown_values_are_dropped() -> None:
    once = toggle(frozenset(), "dry_cough")
    assert once == {Symptom.DRY_COUGH}
    assert toggle(once, "dry_cough") == frozenset()
    assert parse_symptoms(["dry_cough", "<b>x</b>"]) == {Symptom.DRY_COUGH}


def test_alert_at_the_threshold_and_for_any_symptom() -> None:
    assert alert_reasons(CheckinAnswer(37.2), THRESHOLD) == ()
    assert alert_reasons(CheckinAnswer(37.3), THRESHOLD) == (AlertReason.FEVER,)
    assert alert_reasons(CheckinAnswer(36.5, frozenset({Symptom.FATIGUE})), THRESHOLD) == (
        AlertReason.SYMPTOMS,
    )
    both = CheckinAnswer(38.0, frozenset({Symptom.DRY_COUGH}))
    assert alert_reasons(both, THRESHOLD) == (AlertReason.FEVER, AlertReason.SYMPTOMS)


def test_only_a_positive_result_alerts() -> None:
    assert result_alert(TestResult.POSITIVE) is AlertReason.POSITIVE
    assert result_alert(TestResult.NEGATIVE) is None
    assert result_alert(TestResult.PENDING) is None


def readings(*values: float, start: date = DAY) -> list[DayReading]:
    return [DayReading(start + timedelta(days=i), v) for i, v in enumerate(values)]


def test_identical_temperatures_on_three_consecutive_days_are_flagged() -> None:
    assert not identical_run(readings(36.5))
    assert not identical_run(readings(36.5, 36.5))
    assert identical_run(readings(36.5, 36.5, 36.5))
    assert identical_run(readings(36.8, 36.5, 36.5, 36.5))
    assert not identical_run(readings(36.5, 36.5, 36.6))
    # A missed day breaks the run.
    gap = [DayReading(DAY, 36.5), DayReading(DAY + timedelta(1), 36.5)]
    gap.append(DayReading(DAY + timedelta(3), 36.5))
    assert not identical_run(gap)


@given(st.lists(st.integers(min_value=360, max_value=372), min_size=1, max_size=8))
def test_the_flag_is_exactly_the_last_three_days_equal(tenths: list[int]) -> None:
    values = [t / 10 for t in tenths]
    expected = len(values) >= 3 and len(set(values[-3:])) == 1
    assert identical_run(readings(*values)) is expected


def test_declaration_subjects() -> None:
    assert declaration_id_of("declaration:12") == 12
    assert declaration_id_of("declaration:") is None
    assert declaration_id_of("declaration:1x") is None
    assert declaration_id_of("dongguan") is None


# --- the liaison target and the chains ----------------------------------------------------

TREE = OrgTree.of(
    [
        Unit("xian", "示范县", UnitKind.OFFICE),
        Unit("dongguan", "东关村", UnitKind.VILLAGE, "xian"),
    ]
)
ROLES = [
    RoleAssignment(1001, "xian", Role.SUPERVISOR),
    RoleAssignment(2001, "dongguan", Role.LIAISON),
    RoleAssignment(2002, "dongguan", Role.DEPUTY),
    RoleAssignment(2003, "dongguan", Role.LIAISON),
    RoleAssignment(2101, "dongguan", Role.TRACKER),
]
RESIDENT = Obligation(
    ObligationKind.HEALTH_CHECKIN, "declaration:5", DAY.isoformat(), 3004, "dongguan", DUE
)
PROXY = Obligation(
    ObligationKind.HEALTH_CHECKIN, "declaration:6", DAY.isoformat(), 2001, "dongguan", DUE
)
REPORT = Obligation(
    ObligationKind.UNIT_REPORT, "dongguan", DAY.isoformat(), "dongguan", "dongguan", DUE
)


def ids(ob: Obligation, target: Target, away: dict[int, date] | None = None) -> list[int]:
    d = Directory.of(TREE, ROLES, away_until=away)
    step = Step(timedelta(0), (target,), "m")
    return [r.chat_id for r in resolve(ob, step, d, DAY).recipients]


def test_liaison_of_a_persons_obligation_is_the_units_liaisons() -> None:
    assert ids(RESIDENT, Target.LIAISON) == [2001, 2003]
    assert ids(RESIDENT, Target.DEPUTY) == [2101]  # the tracker


def test_a_proxy_filer_who_is_liaison_is_not_escalated_to_themselves() -> None:
    assert ids(PROXY, Target.LIAISON) == [2003]


def test_liaison_of_a_unit_obligation_is_the_assignee() -> None:
    assert ids(REPORT, Target.LIAISON) == ids(REPORT, Target.ASSIGNEE) == [2001, 2003]


def test_an_away_liaison_is_covered_by_the_deputy() -> None:
    assert ids(RESIDENT, Target.LIAISON, away={2001: DAY, 2003: DAY}) == [2002]


def test_followup_chains_go_tracker_then_liaison_then_supervisor() -> None:
    for kind in (ObligationKind.HEALTH_CHECKIN, ObligationKind.TEST_DUE):
        steps = DEFAULT_CHAINS[kind].steps
        late = [s.targets for s in steps if s.offset >= timedelta(0)]
        assert late[:3] == [
            (Target.ASSIGNEE, Target.DEPUTY),
            (Target.LIAISON,),
            (Target.SUPERVISOR,),
        ]
        assert all(s.targets == (Target.ASSIGNEE,) for s in steps if s.offset < timedelta(0))


# --- buttons on reminders -----------------------------------------------------------------


def message(ob: Obligation, step: Step, recipient: Recipient) -> StepMessage:
    return StepMessage(
        obligation=ob,
        step=step,
        event=Event(0, 0, ob.due_at),
        recipient=recipient,
        language=Language.EN,
        unit_name="东关村",
        zone_due=ob.due_at,
        assignees=(Person(3004, "Zhang", Language.EN),),
        covering_for=None,
    )


def buttons(ob: Obligation, step_index: int, recipient: Recipient) -> list[str]:
    step = DEFAULT_CHAINS[ob.kind].steps[step_index]
    markup = ObligationTexts().step(message(ob, step, recipient)).reply_markup
    if markup is None:
        return []
    return [b["callback_data"] for row in markup["inline_keyboard"] for b in row]


def test_checkin_reminders_to_the_assignee_carry_check_in_now() -> None:
    ob = Obligation(**{**_fields(RESIDENT), "id": 77})  # type: ignore[arg-type]
    assert buttons(ob, 0, Recipient(3004, Target.ASSIGNEE)) == [
        CheckinStart(obligation_id=77).pack()
    ]
    # The tracker and the liaison may record for the resident from their escalation too;
    # supervisors get the excuse button instead.
    assert buttons(ob, 2, Recipient(2101, Target.DEPUTY)) == [CheckinStart(obligation_id=77).pack()]
    assert buttons(ob, 3, Recipient(2001, Target.LIAISON)) == [
        CheckinStart(obligation_id=77).pack()
    ]
    [excuse] = buttons(ob, 4, Recipient(1001, Target.SUPERVISOR))
    assert excuse.startswith("v1exc:")


def test_test_reminders_carry_done_and_results() -> None:
    base = {**_fields(RESIDENT), "kind": ObligationKind.TEST_DUE, "id": 78}
    ob = Obligation(**base)  # type: ignore[arg-type]
    # The reminder of the day before has none: nothing can be recorded before the day.
    assert buttons(ob, 0, Recipient(3004, Target.ASSIGNEE)) == []
    found = buttons(ob, 1, Recipient(3004, Target.ASSIGNEE))
    assert found == [
        TestRecord(obligation_id=78, result=r).pack()
        for r in (TestResult.PENDING, TestResult.NEGATIVE, TestResult.POSITIVE)
    ]
    assert all(len(data.encode()) <= 64 for data in found)
    assert buttons(ob, 1, Recipient(-100, Target.ASSIGNEE, group=True)) == []


def _fields(ob: Obligation) -> dict[str, object]:
    return {name: getattr(ob, name) for name in Obligation.__dataclass_fields__}
