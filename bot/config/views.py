"""The [views] section: supervisor views over a period (/stats, /export, the weekly bulletin)."""

from __future__ import annotations

import datetime
from typing import Any

from pydantic import Field, field_validator

from bot.config.base import Section
from bot.config.escalation import clock_time
from domain.bulletin import BulletinSettings
from domain.periods import DEFAULT_MAX_DAYS

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BulletinConfig(Section):
    """[views.bulletin]: the weekly bulletin (通报) job (scheduler/bulletin.py)."""

    enabled: bool = True
    # The day it goes out: 1 (Monday) to 7 (Sunday), or "mon" ... "sun".
    weekday: int = Field(1, ge=1, le=7)
    time: datetime.time = datetime.time(9, 0)
    # Also post each unit's bulletin (unit names and counts only) in its bound supervisors group.
    post_to_supervisors_group: bool = False

    @field_validator("weekday", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower()[:3] in _WEEKDAYS:
            return _WEEKDAYS.index(value.strip().lower()[:3]) + 1
        return value

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime.time:
        return clock_time(value)

    def settings(self) -> BulletinSettings:
        return BulletinSettings(
            self.enabled, self.weekday, self.time, self.post_to_supervisors_group
        )


class ViewsSettings(Section):
    # The longest period /stats and /export accept (domain/periods.py); longer is refused.
    max_period_days: int = Field(DEFAULT_MAX_DAYS, ge=1, le=3660)
    bulletin: BulletinConfig = BulletinConfig()
