"""Configuration of reminders and escalation: the [escalation], [quiet_hours] and [holidays]
sections. A wrong chain stops start-up with a message naming the key; a kind left out keeps
its default chain (domain.escalation.DEFAULT_CHAINS). The snippet below documents every key;
its unit_report chain is the default one.

```toml
# Per obligation kind (unit_report, health_checkin, test_due, notice_ack, verification,
# case_handling) a
# list of steps, sorted by offset, at most one step per offset. Giving a kind replaces its
# whole default chain; an empty list (unit_report = []) turns reminders for it off.
#   offset  from the deadline: "-60m" (a reminder before it), "0", "+30m", "+2h", "+1d2h";
#           units d, h, m; at most 7 days either way
#   target  "assignee" (the person, or the unit's liaisons), "deputy" (the unit's deputies,
#           or a resident's tracker), "liaison" (the unit's liaisons; for a unit's
#           obligation the same as assignee), "unit_group" (a mention in the unit's work group),
#           "supervisor" (the nearest supervisors up the tree, from the unit itself),
#           "supervisor+1" (the ones above those), "office" (the root unit's supervisors);
#           or a list of them, e.g. ["assignee", "deputy"]
#   message the message key sent (see texts/locales)
#   urgent  true: goes out in quiet hours and on holidays (default false; not allowed on a
#           reminder before the deadline)
#   repeat  optional { every = "1h", times = 3 }: repeat the step until the next one is due
# Named chains, [[escalation.named.<name>]] with the same keys, are chains that obligations
# ask for by name instead of their kind's (e.g. a unit kind's reports in [reports]).
[escalation]
# Escalations of unit reports (after the deadline, to supervisors and the office) that reach
# one person within this window are gathered into one message listing the units, with a
# button per unit; each unit's step is still logged. The first goes out at once, later ones
# at the end of the window. "0" sends each escalation on its own; at most "60m".
digest_window = "5m"

[[escalation.unit_report]]
offset = "-60m"
target = "assignee"
message = "obligation-unit-report-remind"

[[escalation.unit_report]]
offset = "-15m"
target = "assignee"
message = "obligation-unit-report-remind-soon"

[[escalation.unit_report]]
offset = "0"
target = ["assignee", "deputy"]
message = "obligation-unit-report-late"

[[escalation.unit_report]]
offset = "+30m"
target = "supervisor"
message = "obligation-unit-report-escalate"

[[escalation.unit_report]]
offset = "+2h"
target = "office"
message = "obligation-unit-report-escalate-office"
urgent = false

# Defaults of the other kinds (message keys obligation-checkin-*, -test-*, -notice-*,
# -verify-*):
# health_checkin: -2h assignee; -30m assignee; 0 assignee+deputy, repeat every 1h 3 times;
#                 +3h liaison; +5h supervisor
# test_due:       -24h assignee; -2h assignee; 0 assignee+deputy; +2h liaison; +4h supervisor;
#                 +24h supervisor+1
# notice_ack:     -30m assignee; 0 assignee+deputy; +1h unit_group; +3h supervisor;
#                 +24h supervisor+1
# verification:   -2h assignee; then urgent: 0 assignee+deputy; +1h supervisor;
#                 +3h supervisor+1; +6h office
# case_handling:  urgent: 0 assignee+deputy; +30m supervisor; +2h supervisor+1; +4h office
#                 (the deadline: declarations.handle_within_minutes after the alert)

[quiet_hours]
# No non-urgent message goes out between start and end (local time, time.timezone); such
# steps wait for the end. The range may cross midnight; start = end means no quiet hours.
start = "22:00"
end = "07:00"

[holidays]
# Dates on which non-urgent steps of the kinds in observed_by wait for the next working day
# (except for obligations due on that very date).
dates = []  # e.g. [2026-10-01, 2026-10-02] or ["2026-10-01"]
observed_by = ["unit_report", "notice_ack"]
```
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from bot.config.base import Section
from domain.calendar import DEFAULT_HOLIDAY_KINDS, WorkCalendar
from domain.escalation import (
    DEFAULT_CHAINS,
    MAX_OFFSET,
    Chain,
    ChainBook,
    Repeat,
    Step,
    Target,
)
from domain.obligations import ObligationKind

_DURATION = re.compile(r"^([+-]?)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_MESSAGE_KEY = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_duration(text: str) -> timedelta:
    """'-60m', '+2h', '1d12h', '0' -> timedelta; ValueError naming the accepted shape."""
    match = _DURATION.match(text.strip())
    if text.strip() in ("0", "+0", "-0"):
        return timedelta(0)
    if not match or not any(match.group(2, 3, 4)):
        raise ValueError(f"{text!r} is not a duration such as '-60m', '0', '+2h' or '+1d12h'")
    sign, days, hours, minutes = match.groups()
    value = timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0))
    return -value if sign == "-" else value


def format_duration(value: timedelta) -> str:
    if not value:
        return "0"
    sign, rest = ("-", -value) if value < timedelta(0) else ("+", value)
    minutes = int(rest.total_seconds()) // 60
    parts = [(minutes // 1440, "d"), (minutes % 1440 // 60, "h"), (minutes % 60, "m")]
    return sign + "".join(f"{n}{unit}" for n, unit in parts if n)


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a string such as '-60m', '0' or '+2h'")
    return parse_duration(value)


class RepeatSettings(Section):
    every: timedelta
    times: int = Field(ge=1, le=48)

    @field_validator("every", mode="before")
    @classmethod
    def _every(cls, value: Any) -> timedelta:
        every = _duration(value)
        if every < timedelta(minutes=5):
            raise ValueError("must be at least 5 minutes: repeating faster only floods chats")
        return every

    @model_validator(mode="after")
    def _bounded(self) -> RepeatSettings:
        if self.every * self.times > MAX_OFFSET:
            raise ValueError("every × times must stay within 7 days")
        return self


class StepSettings(Section):
    offset: timedelta
    target: tuple[Target, ...]
    message: str
    urgent: bool = False
    repeat: RepeatSettings | None = None

    @field_validator("offset", mode="before")
    @classmethod
    def _offset(cls, value: Any) -> timedelta:
        offset = _duration(value)
        if abs(offset) > MAX_OFFSET:
            raise ValueError(f"{format_duration(offset)} is more than 7 days from the deadline")
        return offset

    @field_validator("target", mode="before")
    @classmethod
    def _target(cls, value: Any) -> tuple[Target, ...]:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names:
            raise ValueError("must be a target or a non-empty list of targets")
        known = {t.value: t for t in Target}
        for name in names:
            if name not in known:
                choices = ", ".join(known)
                raise ValueError(f"unknown target {name!r}; expected one of {choices}")
        if len(set(names)) != len(names):
            raise ValueError("names a target twice")
        return tuple(known[name] for name in names)

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        if not _MESSAGE_KEY.match(value):
            raise ValueError(f"{value!r} is not a message key such as 'obligation-unit-report'")
        return value

    @model_validator(mode="after")
    def _reminders_are_not_urgent(self) -> StepSettings:
        # Nobody is woken at night to be reminded of something not yet due.
        if self.urgent and self.offset < timedelta(0):
            raise ValueError("urgent: a reminder before the deadline cannot be urgent")
        return self

    def to_step(self) -> Step:
        repeat = Repeat(self.repeat.every, self.repeat.times) if self.repeat else None
        return Step(self.offset, self.target, self.message, self.urgent, repeat)


_Steps = tuple[StepSettings, ...] | None


DEFAULT_DIGEST_WINDOW = timedelta(minutes=5)
# A longer window would hold an escalation back for longer than it is worth.
MAX_DIGEST_WINDOW = timedelta(hours=1)

_CHAIN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _check_order(steps: _Steps) -> _Steps:
    for a, b in pairwise(steps or ()):
        if a.offset == b.offset:
            raise ValueError(f"two steps at offset {format_duration(a.offset)}")
        if a.offset > b.offset:
            first, second = format_duration(a.offset), format_duration(b.offset)
            raise ValueError(f"steps must be sorted by offset: {second} must come before {first}")
    return steps


class EscalationSettings(Section):
    """One field per ObligationKind, so an unknown kind is an unknown key."""

    unit_report: _Steps = None
    health_checkin: _Steps = None
    test_due: _Steps = None
    notice_ack: _Steps = None
    verification: _Steps = None
    case_handling: _Steps = None
    # Chains an obligation may ask for by name instead of its kind's, e.g. [[escalation.named.
    # schools]] for units that report on a schedule of their own ([reports]).
    named: dict[str, tuple[StepSettings, ...]] = Field(default_factory=dict)
    # Escalations of unit reports reaching one supervisor within this window are gathered
    # into one digest message (scheduler.digests); "0" sends each on its own.
    digest_window: timedelta = DEFAULT_DIGEST_WINDOW

    @field_validator("digest_window", mode="before")
    @classmethod
    def _digest_window(cls, value: Any) -> timedelta:
        window = _duration(value)
        if window < timedelta(0) or window > MAX_DIGEST_WINDOW:
            raise ValueError("must be between '0' (no digests) and '60m'")
        return window

    @field_validator(
        "unit_report", "health_checkin", "test_due", "notice_ack", "verification", "case_handling"
    )
    @classmethod
    def _sorted(cls, steps: _Steps) -> _Steps:
        return _check_order(steps)

    @field_validator("named")
    @classmethod
    def _named(
        cls, named: dict[str, tuple[StepSettings, ...]]
    ) -> dict[str, tuple[StepSettings, ...]]:
        for name, steps in named.items():
            if not _CHAIN_NAME.match(name):
                raise ValueError(f"{name!r} is not a chain name such as 'schools' (a-z, 0-9, _)")
            try:
                _check_order(steps)
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        return named

    def chain_book(self) -> ChainBook:
        """Every chain: each kind's (configured or default) and the named ones."""
        # Chain.kind only labels errors; the obligation's own kind decides holidays.
        named = {
            name: Chain(ObligationKind.UNIT_REPORT, tuple(s.to_step() for s in steps))
            for name, steps in self.named.items()
        }
        return ChainBook(self.chains(), named)

    def chains(self) -> dict[ObligationKind, Chain]:
        """The configured chain of every kind, the default where the kind is not given."""
        chains: dict[ObligationKind, Chain] = {}
        for kind in ObligationKind:
            steps: _Steps = getattr(self, kind.value)
            chains[kind] = (
                DEFAULT_CHAINS[kind]
                if steps is None
                else Chain(kind, tuple(s.to_step() for s in steps))
            )
        return chains


def clock_time(value: Any) -> time:
    if isinstance(value, time):  # a TOML local time, e.g. start = 22:00:00
        return value.replace(second=0, microsecond=0)
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a time of day such as '22:00'")
    return time(int(match.group(1)), int(match.group(2)))


class QuietHoursSettings(Section):
    start: time = time(22, 0)
    end: time = time(7, 0)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> time:
        return clock_time(value)


class HolidaySettings(Section):
    dates: tuple[date, ...] = ()
    observed_by: tuple[ObligationKind, ...] = tuple(sorted(DEFAULT_HOLIDAY_KINDS))


def work_calendar(
    zone: ZoneInfo, quiet: QuietHoursSettings, holidays: HolidaySettings
) -> WorkCalendar:
    return WorkCalendar.of(zone, (quiet.start, quiet.end), holidays.dates, holidays.observed_by)
