"""Crontab expressions: validated, read as APScheduler triggers, and used to calculate when
a recurring rule fires next. A leaf module: the configuration checks expressions with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab's numbering: Sunday 0


def cron_trigger(expression: str, timezone: tzinfo | str) -> CronTrigger:
    """An APScheduler trigger firing when the crontab(5) `expression` does, in `timezone`.

    Raises ValueError with the reason when the expression is not valid.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}"
        )
    day, weekday = fields[2], fields[4]
    if not day.startswith("*") and not weekday.startswith("*"):
        raise ValueError(
            "restrict either the day of the month or the day of the week, not both "
            "(crontab fires when either matches, which is rarely what is meant)"
        )
    fields[4] = _weekday_names(weekday)
    zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=zone)
    except ValueError as error:
        raise ValueError(str(error)) from None


def _weekday_names(field: str) -> str:
    """Rewrite a crontab day-of-week field (0 or 7 = Sunday) with day names."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.split(","):
        days |= _weekday_item(item)
    return ",".join(_WEEKDAYS[day] for day in sorted(days))


def _weekday_item(item: str) -> set[int]:
    span, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise ValueError(f"invalid step in day of week {item!r}")
        step = int(step_text)
    if span == "*":
        first, last = 0, 6
    elif "-" in span:
        start, _, end = span.partition("-")
        first, last = _weekday_number(start), _weekday_number(end)
    else:
        first = _weekday_number(span)
        last = 7 if slash else first
    if first > last:
        raise ValueError(f"day of week range {span!r} runs backwards")
    return {day % 7 for day in range(first, last + 1, step)}


def _weekday_number(text: str) -> int:
    lowered = text.lower()
    if lowered in _WEEKDAYS:
        return _WEEKDAYS.index(lowered)
    if lowered.isdigit() and int(lowered) <= 7:
        return int(lowered)
    raise ValueError(f"day of week must be 0-7 (0 and 7 are Sunday) or sun-sat, not {text!r}")


def next_fire_times(cron: str, tz: tzinfo | str, after: datetime, count: int = 1) -> list[datetime]:
    """The next `count` times strictly after `after` at which `cron` fires, in `tz`.

    The calculator for recurring rules. Times are wall-clock times in `tz`: "0 9 * * *" is
    09:00 local on both sides of a daylight-saving change.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    trigger = cron_trigger(cron, zone)
    times: list[datetime] = []
    # Without a previous fire time the trigger includes `now` itself; step past it in UTC, as
    # wall-clock arithmetic would lose the fold of an hour that occurs twice.
    previous: datetime | None = None
    moment = after.astimezone(UTC) + timedelta(microseconds=1)
    while len(times) < count:
        fire: datetime | None = trigger.get_next_fire_time(previous, moment)
        if fire is None:  # pragma: no cover - a crontab expression always fires again
            break
        # Normalised: a time skipped by a daylight-saving change reads as the instant it is.
        times.append(fire.astimezone(UTC).astimezone(zone))
        previous = moment = fire
    return times
