"""The [jobs] configuration and the crontab calculator behind calendar jobs and recurring rules."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, Settings, load_settings
from scheduler.context import ACTIONS
from scheduler.crontab import cron_trigger, next_fire_times


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return str(caught.value)


def test_defaults_are_the_built_in_jobs() -> None:
    jobs = load_settings(None, environ={}).jobs
    assert [(j.name, j.cron, j.action, j.timezone, j.enabled) for j in jobs.schedule] == [
        ("purge", "30 3 * * *", "purge", None, True),
        ("purge_personal_data", "45 3 * * *", "purge_personal_data", None, True),
        ("expire_obligations", "5 * * * *", "expire_obligations", None, True),
        ("open_unit_reports", "0 0 * * *", "open_unit_reports", None, True),
        ("expire_drafts", "*/5 * * * *", "expire_drafts", None, True),
        ("announce_measure_ends", "0 9 * * *", "announce_measure_ends", None, True),
        ("fire_notice_repeats", "* * * * *", "fire_notice_repeats", None, True),
    ]
    assert (jobs.updates_retention_days, jobs.expire_after_days, jobs.outbox_retention_days) == (
        7,
        14,
        30,
    )
    assert jobs.misfire_grace_s == 3600
    assert {j.action for j in jobs.schedule} <= set(ACTIONS)


def test_example_file_lists_exactly_the_defaults() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    assert load_settings(example, environ={}).jobs == load_settings(None, environ={}).jobs


def test_added_jobs_follow_the_built_ins_and_same_names_replace_them(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
[time]
timezone = "Europe/Berlin"

[[jobs.schedule]]
name = "weekly-purge"
cron = "0 4 * * sun"
action = "purge"
timezone = "Asia/Shanghai"

[[jobs.schedule]]
name = "expire_obligations"
enabled = false

[[jobs.schedule]]
name = "purge"
cron = "0 2 * * *"
""",
    )
    jobs = {j.name: j for j in settings.jobs.schedule}
    assert list(jobs) == [
        "purge",
        "purge_personal_data",
        "expire_obligations",
        "open_unit_reports",
        "expire_drafts",
        "announce_measure_ends",
        "fire_notice_repeats",
        "weekly-purge",
    ]
    # Fields left out of a built-in's entry keep the built-in values.
    assert (jobs["purge"].cron, jobs["purge"].action) == ("0 2 * * *", "purge")
    assert not jobs["expire_obligations"].enabled
    assert jobs["expire_obligations"].cron == "5 * * * *"
    assert jobs["weekly-purge"].zone(settings.time.timezone) == ZoneInfo("Asia/Shanghai")
    assert jobs["purge"].zone(settings.time.timezone) == ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[jobs.schedule]]\nname = "x"\ncron = "61 3 * * *"\naction = "purge"\n',
            "jobs.schedule.0.cron: job 'x': invalid crontab expression '61 3 * * *'",
        ),
        (
            '[[jobs.schedule]]\nname = "x"\ncron = "0 3 * *"\naction = "purge"\n',
            "jobs.schedule.0.cron: job 'x': invalid crontab expression '0 3 * *': expected 5",
        ),
        (
            '[[jobs.schedule]]\nname = "x"\ncron = "0 3 1 * mon"\naction = "purge"\n',
            "jobs.schedule.0.cron: job 'x': invalid crontab expression '0 3 1 * mon': restrict "
            "either the day of the month or the day of the week",
        ),
        (
            '[[jobs.schedule]]\nname = "x"\ncron = "0 3 * * 8"\naction = "purge"\n',
            "day of week must be 0-7",
        ),
        (
            '[[jobs.schedule]]\nname = "x"\ncron = "0 3 * * *"\naction = "bulletin"\n',
            "jobs.schedule.0.action: job 'x': unknown action 'bulletin' (known actions: "
            "announce_measure_ends, expire_drafts, expire_obligations, fire_notice_repeats, "
            "open_unit_reports, purge, purge_personal_data)",
        ),
        (
            '[[jobs.schedule]]\nname = "x"\ncron = "0 3 * * *"\naction = "purge"\n'
            'timezone = "Mars/Base"\n',
            "jobs.schedule.0.timezone: job 'x': unknown time zone 'Mars/Base'",
        ),
        (
            '[[jobs.schedule]]\nname = "x"\ncron = "0 3 * * *"\naction = "purge"\ncolour = 1\n',
            "jobs.schedule.0.colour: unknown key",
        ),
        ("[jobs]\ncolour = 1\n", "jobs.colour: unknown key"),
        (
            '[[jobs.schedule]]\nname = "x"\ncron = "0 3 * * *"\naction = "purge"\n'
            '[[jobs.schedule]]\nname = "x"\ncron = "0 4 * * *"\naction = "purge"\n',
            "jobs.schedule: duplicate job name 'x'",
        ),
        (
            '[[jobs.schedule]]\nname = "purge"\n[[jobs.schedule]]\nname = "purge"\n',
            "jobs.schedule: duplicate job name 'purge'",
        ),
        (
            '[[jobs.schedule]]\nname = "x"\naction = "purge"\n',
            "jobs.schedule.0.cron: Field required",
        ),
        ('[[jobs.schedule]]\nname = "x"\ncron = "0 3 * * *"\n', "jobs.schedule.0.action: Field"),
        (
            '[[jobs.schedule]]\nname = "Bad Name"\ncron = "0 3 * * *"\naction = "purge"\n',
            "jobs.schedule.0.name: job name 'Bad Name' must be",
        ),
        (
            "[jobs]\nexpire_after_days = 30\noutbox_retention_days = 30\n",
            "jobs.outbox_retention_days: must be greater than expire_after_days",
        ),
        ("[jobs]\nupdates_retention_days = 1\n", "jobs.updates_retention_days: Input should be"),
    ],
)
def test_wrong_jobs_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    assert message in error_of(tmp_path, text)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    message = error_of(
        tmp_path,
        '[[jobs.schedule]]\nname = "a"\ncron = "x"\naction = "purge"\n'
        '[[jobs.schedule]]\nname = "b"\ncron = "0 1 * * *"\naction = "nope"\n',
    )
    assert "jobs.schedule.0.cron: job 'a'" in message
    assert "jobs.schedule.1.action: job 'b'" in message


# --- crontab -----------------------------------------------------------------------------


def test_shanghai_has_no_daylight_saving() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    times = next_fire_times("30 3 * * *", shanghai, datetime(2026, 3, 27, tzinfo=UTC), 4)
    # 00:00 UTC is already 08:00 in Shanghai, so the first run is the next morning.
    assert times == [datetime(2026, 3, day, 3, 30, tzinfo=shanghai) for day in (28, 29, 30, 31)]
    assert {t.astimezone(UTC).hour for t in times} == {19}  # 03:30 +08:00 the evening before
    assert all(t.tzinfo == shanghai for t in times)


def test_berlin_keeps_local_time_across_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    times = next_fire_times("0 9 * * *", "Europe/Berlin", datetime(2026, 3, 27, tzinfo=UTC), 4)
    assert [t.astimezone(berlin).hour for t in times] == [9, 9, 9, 9]
    # Summer time starts on Sunday 29 March: the same local hour is an hour earlier in UTC.
    assert [t.astimezone(UTC) for t in times] == [
        datetime(2026, 3, 27, 8, tzinfo=UTC),
        datetime(2026, 3, 28, 8, tzinfo=UTC),
        datetime(2026, 3, 29, 7, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC),
    ]


def test_berlin_skipped_and_repeated_hours() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    spring = next_fire_times("30 2 * * *", berlin, datetime(2026, 3, 28, 12, tzinfo=UTC), 2)
    # 02:30 does not exist on 29 March: the job runs at the instant it would have been, 03:30.
    assert [t.isoformat() for t in spring] == [
        "2026-03-29T03:30:00+02:00",
        "2026-03-30T02:30:00+02:00",
    ]
    autumn = next_fire_times("30 2 * * *", berlin, datetime(2026, 10, 24, 12, tzinfo=UTC), 3)
    # 02:30 happens twice on 25 October, and APScheduler fires at both (actions are idempotent).
    assert [t.astimezone(UTC) for t in autumn] == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),
    ]


def test_times_are_strictly_after_and_in_order() -> None:
    after = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    times = next_fire_times("0,30 9 * * *", "Asia/Shanghai", after, 3)
    assert [t.strftime("%d %H:%M") for t in times] == ["02 09:30", "03 09:00", "03 09:30"]
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire_times("0 9 * * *", "UTC", datetime(2026, 3, 2), 1)


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [
        # 2 March 2026 is a Monday. crontab numbers Sunday 0 (and 7); APScheduler's own
        # from_crontab would read 1 as Tuesday.
        ("1", ["Mon"]),
        ("0", ["Sun"]),
        ("7", ["Sun"]),
        ("1-5", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("mon-fri", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        ("5-7", ["Sun", "Fri", "Sat"]),
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),
        ("1,3,sat", ["Mon", "Wed", "Sat"]),
    ],
)
def test_day_of_week_reads_as_crontab_does(weekday: str, expected: list[str]) -> None:
    after = datetime(2026, 3, 1, 12, tzinfo=UTC)  # a Sunday, after 09:00 everywhere
    times = next_fire_times(f"0 9 * * {weekday}", "UTC", after, 7)
    week = [t for t in times if t < datetime(2026, 3, 8, 12, tzinfo=UTC)]
    assert sorted(t.strftime("%a") for t in week) == sorted(expected)


@pytest.mark.parametrize("weekday", ["8", "fri-mon", "1/0", "x", "1-"])
def test_bad_day_of_week(weekday: str) -> None:
    with pytest.raises(ValueError, match="day of week"):
        cron_trigger(f"0 9 * * {weekday}", UTC)
