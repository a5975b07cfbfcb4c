"""What a calendar job's action works with: the jobs' configuration as plain values, the
context of one run, and the registry of actions by name.

The composition root builds `JobsConfig` from the settings (bot/wiring.py); nothing here reads
the settings, so the configuration may check job names and crontabs against this package.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.boards import BoardSettings
from domain.bulletin import Bulletin, BulletinSettings
from domain.forms import FormSpec
from domain.org import Language
from domain.reports import ReportPolicy, Rollup
from services.measure_end import MeasureTexts
from services.notices.sending import NoticeConfig
from services.obligations import EscalationPolicy
from services.reports.boards import BoardTexts
from storage import Database

Summary = dict[str, int]
Action = Callable[["JobContext"], Awaitable[Summary]]

# Registered actions by name; `@action` adds to it and the configuration checks names against it.
ACTIONS: dict[str, Action] = {}


class RollupTexts(Protocol):
    """Writes a supervisor's roll-up; the presentation layer implements it with its catalogs."""

    def rollup(self, rollup: Rollup, language: Language, form: FormSpec) -> list[str]:
        """The message in parts (Telegram HTML, each at most 4096 characters)."""
        ...


class BulletinTexts(Protocol):
    """Writes the weekly bulletin (scheduler.bulletin); texts/bulletin.py implements it."""

    def bulletin(self, bulletin: Bulletin, language: Language) -> list[str]:
        """The message in parts (Telegram HTML, each at most 4096 characters)."""
        ...

    def chart(self, bulletin: Bulletin, language: Language) -> bytes:
        """The trend chart as a PNG (blocking: the job runs it in a thread)."""
        ...

    def caption(self, bulletin: Bulletin, language: Language) -> str:
        """The chart's caption (at most 1024 characters)."""
        ...


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """One calendar job: run `action` whenever the crontab expression `cron` fires in `zone`."""

    name: str
    action: str
    cron: str
    zone: ZoneInfo
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class JobsConfig:
    """The [jobs] configuration and what the actions need besides, as plain values."""

    zone: ZoneInfo  # time.timezone: local dates and the roll-ups' deadlines
    default_language: Language
    reports: ReportPolicy
    escalation: EscalationPolicy
    schedule: tuple[ScheduledJob, ...]
    misfire_grace_s: int
    expire_after_days: int
    updates_retention_days: int
    outbox_retention_days: int
    # Personal fields of declarations are erased this long after their measure ended
    # (privacy.retention_days; services.retention).
    personal_retention_days: int = 30
    # [reports.board]: the report boards in work and supervisors groups (scheduler.boards).
    boards: BoardSettings = field(default_factory=BoardSettings)
    # [views.bulletin]: the weekly bulletin (scheduler.bulletin).
    bulletin: BulletinSettings = field(default_factory=BulletinSettings)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What an action gets: the database, the time of the run, the configuration and the
    renderers of the messages it writes."""

    database: Database
    now: datetime  # timezone-aware
    config: JobsConfig
    rollup_texts: RollupTexts | None = None
    # Renders the notice that a half-finished declaration expired (expire_drafts).
    draft_notice: Callable[[Language], str] | None = None
    # Renders the messages that a measure's period has ended (announce_measure_ends).
    measure_texts: MeasureTexts | None = None
    # Renders the groups' report boards (scheduler.boards); None: no boards.
    board_texts: BoardTexts | None = None
    # Renders the weekly bulletin (scheduler.bulletin); None: no bulletin job.
    bulletin_texts: BulletinTexts | None = None
    # Sends the repetitions of repeated notices (scheduler.notice_repeats); None: not sent.
    notices: NoticeConfig | None = None

    @property
    def reports(self) -> ReportPolicy:
        return self.config.reports

    @property
    def escalation(self) -> EscalationPolicy:
        return self.config.escalation

    @property
    def zone(self) -> ZoneInfo:
        return self.config.zone

    @property
    def today(self) -> date:
        """The local date (time.timezone) of the run."""
        return self.now.astimezone(self.zone).date()


def action(name: str) -> Callable[[Action], Action]:
    """Register an action under `name` (a decorator)."""

    def register(function: Action) -> Action:
        if name in ACTIONS:
            raise ValueError(f"calendar job action {name!r} is already registered")
        ACTIONS[name] = function
        return function

    return register
