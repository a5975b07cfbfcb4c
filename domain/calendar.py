"""When the bot may speak on its own: quiet hours and holidays in the configured time zone.

Rules (decided here so that every obligation kind behaves the same way):

- **Quiet hours** (e.g. 22:00-07:00, a range may cross midnight; start == end means none): a
  non-urgent step falling inside is deferred to the end of the quiet hours. Urgent steps go
  at once; the configuration refuses `urgent` on reminders before the deadline, so nobody is
  woken at night to be reminded, but a supervisor can be woken for an escalation.
- **Holidays** (a list of dates): only kinds in `holiday_kinds` observe them (by default the
  administrative ones: unit reports and notice acknowledgements; a monitored resident's health
  check-in or test and a verification task do not take holidays off). A non-urgent step of such
  a kind falling on a holiday waits for the next working day (after its quiet hours, if any),
  unless the obligation itself is due on that very date: somebody opened it for the holiday
  on purpose, so its reminders must reach people that day. Whether to open an obligation on a
  holiday at all is the calendar jobs' decision; they ask `is_holiday`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.obligations import ObligationKind

DEFAULT_HOLIDAY_KINDS = frozenset({ObligationKind.UNIT_REPORT, ObligationKind.NOTICE_ACK})


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    zone: ZoneInfo
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)
    holiday_kinds: frozenset[ObligationKind] = DEFAULT_HOLIDAY_KINDS

    @classmethod
    def of(
        cls,
        zone: ZoneInfo,
        quiet: tuple[time, time] | None = (time(22, 0), time(7, 0)),
        holidays: Iterable[date] = (),
        holiday_kinds: Iterable[ObligationKind] = DEFAULT_HOLIDAY_KINDS,
    ) -> WorkCalendar:
        start, end = quiet if quiet is not None else (time(0), time(0))
        return cls(zone, start, end, frozenset(holidays), frozenset(holiday_kinds))

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays

    def in_quiet_hours(self, at: datetime) -> bool:
        clock = at.astimezone(self.zone).time()
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:
            return self.quiet_start <= clock < self.quiet_end
        return clock >= self.quiet_start or clock < self.quiet_end

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.zone)

    def quiet_hours_end(self, at: datetime) -> datetime:
        """The first moment at or after `at` outside quiet hours."""
        if not self.in_quiet_hours(at):
            return at
        local = at.astimezone(self.zone)
        day = local.date()
        # In the evening part of a range crossing midnight, the quiet hours end tomorrow.
        if self.quiet_start > self.quiet_end and local.time() >= self.quiet_start:
            day += timedelta(days=1)
        return self._at(day, self.quiet_end)

    def deliver_at(
        self, at: datetime, *, urgent: bool, kind: ObligationKind, due_at: datetime
    ) -> datetime:
        """When a step nominally at `at` may actually go out (see the module docstring)."""
        if urgent:
            return at
        observes = kind in self.holiday_kinds
        exempt_day = self.local_date(due_at)
        # Each pass moves forward to a quiet-hours end or past a holiday, so it ends after at
        # most one pass per holiday plus one.
        for _ in range(len(self.holidays) + 2):
            at = self.quiet_hours_end(at)
            day = self.local_date(at)
            if not (observes and self.is_holiday(day) and day != exempt_day):
                return at
            # From the next midnight; the next pass moves it out of any quiet hours.
            at = self._at(day + timedelta(days=1), time(0))
        return at
