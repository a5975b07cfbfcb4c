"""[escalation], [quiet_hours] and [holidays]: defaults, conversion and errors naming the key."""

import tomllib
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

import bot.config.escalation as engine_config
from bot.config.escalation import (
    EscalationSettings,
    HolidaySettings,
    QuietHoursSettings,
    format_duration,
    parse_duration,
    work_calendar,
)
from domain.escalation import DEFAULT_CHAINS, Repeat, Target
from domain.obligations import ObligationKind


class Root(BaseModel):
    """Stands in for Settings, which wires these sections in under the same names."""

    model_config = ConfigDict(extra="forbid")
    escalation: EscalationSettings = EscalationSettings()
    quiet_hours: QuietHoursSettings = QuietHoursSettings()
    holidays: HolidaySettings = HolidaySettings()


def load(text: str) -> Root:
    return Root.model_validate(tomllib.loads(text))


def problems(text: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        load(text)
    return [
        ".".join(str(p) for p in e["loc"]) + ": " + e["msg"].removeprefix("Value error, ")
        for e in caught.value.errors()
    ]


def test_absent_sections_mean_the_domain_defaults() -> None:
    root = load("")
    assert root.escalation.chains() == dict(DEFAULT_CHAINS)
    assert (root.quiet_hours.start, root.quiet_hours.end) == (time(22, 0), time(7, 0))
    cal = work_calendar(ZoneInfo("Asia/Shanghai"), root.quiet_hours, root.holidays)
    assert cal.holidays == frozenset()
    assert cal.holiday_kinds == {ObligationKind.UNIT_REPORT, ObligationKind.NOTICE_ACK}


def test_the_documented_snippet_is_valid_and_equals_the_defaults() -> None:
    assert engine_config.__doc__ is not None
    snippet = engine_config.__doc__.split("```toml\n")[1].split("```")[0]
    root = load(snippet)
    assert root.escalation.chains() == dict(DEFAULT_CHAINS)
    zone = ZoneInfo("Asia/Shanghai")
    default = load("")
    assert work_calendar(zone, root.quiet_hours, root.holidays) == work_calendar(
        zone, default.quiet_hours, default.holidays
    )


def test_a_configured_kind_replaces_its_chain_and_keeps_the_others() -> None:
    root = load(
        """
        [[escalation.notice_ack]]
        offset = "+1d2h"
        target = ["unit_group", "supervisor+1"]
        message = "notice-unconfirmed"
        urgent = true
        repeat = { every = "30m", times = 2 }

        [quiet_hours]
        start = 23:00:00
        end = "06:30"

        [holidays]
        dates = [2026-10-01, "2026-10-02"]
        observed_by = ["unit_report"]
        """
    )
    chains = root.escalation.chains()
    (step,) = chains[ObligationKind.NOTICE_ACK].steps
    assert step.offset == timedelta(days=1, hours=2)
    assert step.targets == (Target.UNIT_GROUP, Target.SUPERVISOR_UP)
    assert step.urgent
    assert step.repeat == Repeat(timedelta(minutes=30), 2)
    assert chains[ObligationKind.UNIT_REPORT] == DEFAULT_CHAINS[ObligationKind.UNIT_REPORT]
    cal = work_calendar(ZoneInfo("Asia/Shanghai"), root.quiet_hours, root.holidays)
    assert (cal.quiet_start, cal.quiet_end) == (time(23, 0), time(6, 30))
    assert cal.holidays == {date(2026, 10, 1), date(2026, 10, 2)}
    assert cal.holiday_kinds == {ObligationKind.UNIT_REPORT}


def test_an_empty_list_turns_a_kind_off() -> None:
    assert (
        load("[escalation]\nunit_report = []\n")
        .escalation.chains()[ObligationKind.UNIT_REPORT]
        .steps
        == ()
    )


def step(offset: str = "0", target: str = '"assignee"', extra: str = "") -> str:
    return f'offset = "{offset}"\ntarget = {target}\nmessage = "m-1"\n{extra}\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[[escalation.unit_report]]\n" + step(target='"boss"'),
            "escalation.unit_report.0.target: unknown target 'boss'; expected one of assignee, "
            "deputy, liaison, unit_group, supervisor, supervisor+1, office",
        ),
        (
            "[[escalation.unit_report]]\n" + step(target="[]"),
            "escalation.unit_report.0.target: must be a target or a non-empty list of targets",
        ),
        (
            "[[escalation.unit_report]]\n" + step(target='["deputy", "deputy"]'),
            "escalation.unit_report.0.target: names a target twice",
        ),
        ("[[escalation.daily]]\n" + step(), "escalation.daily: Extra inputs are not permitted"),
        (
            "[[escalation.unit_report]]\n" + step("+1h") + "[[escalation.unit_report]]\n" + step(),
            "escalation.unit_report: steps must be sorted by offset: 0 must come before +1h",
        ),
        (
            "[[escalation.unit_report]]\n" + step("60m") + "[[escalation.unit_report]]\n"
            "" + step("+1h"),
            "escalation.unit_report: two steps at offset +1h",
        ),
        (
            "[[escalation.test_due]]\n" + step("+8d"),
            "escalation.test_due.0.offset: +8d is more than 7 days from the deadline",
        ),
        (
            "[[escalation.test_due]]\n" + step("-1w"),
            "escalation.test_due.0.offset: '-1w' is not a duration such as '-60m', '0', '+2h' "
            "or '+1d12h'",
        ),
        (
            "[[escalation.test_due]]\noffset = 30\ntarget = 'assignee'\nmessage = 'm'\n",
            "escalation.test_due.0.offset: must be a string such as '-60m', '0' or '+2h'",
        ),
        (
            "[[escalation.test_due]]\n" + step("-15m", extra="urgent = true"),
            "escalation.test_due.0: urgent: a reminder before the deadline cannot be urgent",
        ),
        (
            "[[escalation.test_due]]\n" + step(extra="repeat = { every = '1m', times = 2 }"),
            "escalation.test_due.0.repeat.every: must be at least 5 minutes: repeating faster "
            "only floods chats",
        ),
        (
            "[[escalation.test_due]]\n" + step(extra="repeat = { every = '1d', times = 8 }"),
            "escalation.test_due.0.repeat: every × times must stay within 7 days",
        ),
        (
            "[[escalation.test_due]]\n" + step(extra="colour = 'red'"),
            "escalation.test_due.0.colour: Extra inputs are not permitted",
        ),
        (
            "[[escalation.test_due]]\noffset = '0'\ntarget = 'assignee'\nmessage = 'Late!'\n",
            "escalation.test_due.0.message: 'Late!' is not a message key such as "
            "'obligation-unit-report'",
        ),
        (
            '[quiet_hours]\nstart = "10pm"\n',
            "quiet_hours.start: '10pm' is not a time of day such as '22:00'",
        ),
        (
            '[holidays]\nobserved_by = ["weekends"]\n',
            "holidays.observed_by.0: Input should be 'unit_report', 'health_checkin', "
            "'test_due', 'notice_ack', 'verification' or 'case_handling'",
        ),
    ],
)
def test_errors_name_the_key(text: str, expected: str) -> None:
    assert expected in problems(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", timedelta(0)),
        ("-60m", timedelta(minutes=-60)),
        ("+2h", timedelta(hours=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("-1h30m", -timedelta(hours=1, minutes=30)),
    ],
)
def test_durations_round_trip(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize("text", ["", "+", "h", "1.5h", "2 h", "1m2h", "soon"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_sections_are_frozen() -> None:
    root = load("")
    with pytest.raises(ValidationError):
        root.quiet_hours.start = time(1, 0)  # type: ignore[misc]


def test_named_chains_are_parsed_and_kept_apart_from_the_kinds() -> None:
    root = load(
        """
[[escalation.named.schools]]
offset = "-30m"
target = "assignee"
message = "obligation-unit-report-remind"

[[escalation.named.schools]]
offset = "+1h"
target = "supervisor"
message = "obligation-unit-report-escalate"
"""
    )
    book = root.escalation.chain_book()
    assert book.by_kind == dict(DEFAULT_CHAINS)
    schools = book.named["schools"]
    assert [(s.offset, s.targets) for s in schools.steps] == [
        (timedelta(minutes=-30), (Target.ASSIGNEE,)),
        (timedelta(hours=1), (Target.SUPERVISOR,)),
    ]


def test_named_chains_are_checked_like_the_others() -> None:
    unsorted = """
[[escalation.named.late_ones]]
offset = "+1h"
target = "supervisor"
message = "obligation-unit-report-escalate"
[[escalation.named.late_ones]]
offset = "0"
target = "assignee"
message = "obligation-unit-report-late"
"""
    assert problems(unsorted) == [
        "escalation.named: late_ones: steps must be sorted by offset: 0 must come before +1h"
    ]
    badly_named = (
        '[[escalation.named."Schools!"]]\noffset = "0"\ntarget = "assignee"\nmessage = "x"\n'
    )
    assert problems(badly_named) == [
        "escalation.named: 'Schools!' is not a chain name such as 'schools' (a-z, 0-9, _)"
    ]
