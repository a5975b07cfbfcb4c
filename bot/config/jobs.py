"""The [jobs] section: calendar jobs and the retention periods they apply."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
)

import scheduler.actions  # noqa: F401 - registers the built-in actions, checked below
from bot.config.base import Section
from scheduler import notice_repeats  # noqa: F401 - registers fire_notice_repeats
from scheduler.context import ACTIONS
from scheduler.crontab import cron_trigger

# --- Calendar jobs ([jobs]) -----------------------------------------------------------------

_JOB_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# What runs when the configuration says nothing. A [[jobs.schedule]] entry with one of these
# names replaces that job, and may leave out `cron` and `action` to keep the built-in ones.
BUILTIN_JOBS: tuple[dict[str, str], ...] = (
    # Forget processed update ids, ended absences and settled outbox rows.
    {"name": "purge", "cron": "30 3 * * *", "action": "purge"},
    # Erase personal fields privacy.retention_days after a measure ended (services.retention).
    {"name": "purge_personal_data", "cron": "45 3 * * *", "action": "purge_personal_data"},
    # Close obligations whose deadline is more than jobs.expire_after_days past.
    {"name": "expire_obligations", "cron": "5 * * * *", "action": "expire_obligations"},
    # Open the day's unit_report obligations ([reports]) just after midnight.
    {"name": "open_unit_reports", "cron": "0 0 * * *", "action": "open_unit_reports"},
    # Tell people whose half-finished declaration expired ([declarations] draft_ttl_hours).
    {"name": "expire_drafts", "cron": "*/5 * * * *", "action": "expire_drafts"},
    # Tell residents and liaisons of measures whose last day has passed, in the morning.
    {"name": "announce_measure_ends", "cron": "0 9 * * *", "action": "announce_measure_ends"},
    # Send each repeated notice's repetition when its time comes (domain.notices.Repeat).
    {"name": "fire_notice_repeats", "cron": "* * * * *", "action": "fire_notice_repeats"},
)


class JobSettings(Section):
    """One calendar job: run `action` whenever the crontab expression `cron` fires."""

    name: str
    cron: str
    action: str
    # IANA zone the expression is read in; unset: time.timezone.
    timezone: str | None = None
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not _JOB_NAME_PATTERN.match(value):
            raise ValueError(f"job name {value!r} must be 1-64 characters of a-z, 0-9, '_' and '-'")
        return value

    @field_validator("cron")
    @classmethod
    def _valid_crontab(cls, value: str, info: ValidationInfo) -> str:
        try:
            cron_trigger(value, ZoneInfo("UTC"))
        except ValueError as error:
            raise ValueError(
                f"job {info.data.get('name', '?')!r}: invalid crontab expression {value!r}: {error}"
            ) from None
        return value

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str, info: ValidationInfo) -> str:
        if value not in ACTIONS:
            known = ", ".join(sorted(ACTIONS))
            raise ValueError(
                f"job {info.data.get('name', '?')!r}: unknown action {value!r} "
                f"(known actions: {known})"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"job {info.data.get('name', '?')!r}: unknown time zone {value!r}"
            ) from None
        return value

    def zone(self, default: str) -> ZoneInfo:
        """The zone `cron` is read in; `default` is time.timezone."""
        return ZoneInfo(self.timezone or default)


def _builtin_jobs() -> list[JobSettings]:
    return [JobSettings.model_validate(job) for job in BUILTIN_JOBS]


class JobsSettings(Section):
    """Calendar jobs (purge, expiry, and later the day's reports and bulletins) and the
    retention periods they apply."""

    # Processed Telegram update ids are kept this long to spot redeliveries (Telegram gives
    # up on an update after a day).
    updates_retention_days: int = Field(7, ge=2, le=365)
    # An obligation still open this long after its deadline is closed as expired, whether or
    # not its escalation chain has run out. More than the longest chain (steps reach 7 days
    # past the deadline), with room for holidays that hold steps back.
    expire_after_days: int = Field(14, ge=8, le=365)
    # Sent, failed and unreachable outbox rows are kept this long; pending ones always.
    outbox_retention_days: int = Field(30, ge=1, le=3650)
    # A run that could not start on time (the process was busy or the machine asleep) still
    # starts up to this many seconds late; later ones are skipped until the next time.
    misfire_grace_s: int = Field(3600, ge=1, le=86400)
    # Effective list: the built-in jobs (replaced by entries of the same name), then the rest.
    schedule: list[JobSettings] = Field(default_factory=_builtin_jobs)

    @field_validator("schedule", mode="before")
    @classmethod
    def _inherit_builtin_fields(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        builtins = {job["name"]: job for job in BUILTIN_JOBS}
        filled = []
        for entry in value:
            if isinstance(entry, dict) and entry.get("name") in builtins:
                entry = {**builtins[entry["name"]], **entry}
            filled.append(entry)
        return filled

    @field_validator("schedule")
    @classmethod
    def _unique_then_merge(cls, value: list[JobSettings]) -> list[JobSettings]:
        names = [job.name for job in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate job name {', '.join(map(repr, duplicates))}")
        given = {job.name: job for job in value}
        merged = [given.pop(job.name, job) for job in _builtin_jobs()]
        return merged + [job for job in value if job.name in given]

    @field_validator("outbox_retention_days")
    @classmethod
    def _outlives_expiry(cls, value: int, info: ValidationInfo) -> int:
        # A purged row frees its dedupe key: the obligation that wrote it must be closed by
        # then, or a step replayed later would send its message a second time.
        expire_after = info.data.get("expire_after_days")
        if expire_after is not None and value <= expire_after:
            raise ValueError("must be greater than expire_after_days")
        return value
