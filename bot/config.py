"""Configuration: one TOML file validated by pydantic, with environment overrides for secrets.

A wrong key or value stops start-up with a message naming the key, so a deployment never runs
on a half-understood configuration.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

import scheduler.actions  # noqa: F401 - registers the built-in actions, checked below
from bot.engine_config import EscalationSettings, HolidaySettings, QuietHoursSettings, _clock
from domain.declarations import (
    CodeColour,
    ContactKind,
    DeclarationStatus,
    RiskLevel,
    Symptom,
)
from domain.forms import FieldKind, FormField, FormSpec
from domain.org import UNIT_CODE_PATTERN, Language, UnitKind
from domain.policy import (
    DEFAULT_FEVER_THRESHOLD,
    DEFAULT_IMMEDIATE_REPORT_WHEN,
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_RULES,
    Category,
    Condition,
    Measure,
    Policy,
    Rule,
)
from domain.reports import (
    DEFAULT_FORM,
    DEFAULT_REPORTING_KINDS,
    FORM_NAME,
    Cutoff,
    ReportPolicy,
    ReportSchedule,
    ScheduleOverride,
    check_zero_reportable,
)
from outbox.settings import OutboxSettings
from scheduler.context import ACTIONS
from scheduler.crontab import cron_trigger

ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "BOT_TOKEN": ("telegram", "token"),
    "TELEGRAM_API_BASE": ("telegram", "api_base"),
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("redis", "url"),
}
CONFIG_PATH_ENV = "BOT_CONFIG"
_TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_SECRET_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(ValueError):
    """Start-up must stop; the message names every key at fault."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSettings(_Section):
    url: str | None = Field(None, description="public HTTPS base URL Telegram posts to")
    path: str = "/telegram/webhook"
    host: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    secret_token: SecretStr | None = None

    @field_validator("path")
    @classmethod
    def _path_is_absolute(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with '/'")
        return value

    @field_validator("secret_token")
    @classmethod
    def _secret_is_valid(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, '_' and '-'")
        return value


class TelegramSettings(_Section):
    token: SecretStr | None = None
    api_base: str | None = Field(None, description="Bot API server, e.g. the sandbox emulator")
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings = WebhookSettings()

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token ('123456:ABC...')")
        return value

    @field_validator("api_base")
    @classmethod
    def _api_base_is_http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8080")
        return value.rstrip("/") if value else value


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///data/bot.db"
    # Apply migrations when the bot starts; production deployments may prefer to run
    # `python -m bot db upgrade` themselves and set this to false.
    auto_migrate: bool = True

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # Accept the URLs people paste (postgres://, sqlite:///) and pick the async drivers.
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if value.startswith(plain):
                value = driver + value[len(plain) :]
                break
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        if value.startswith("sqlite") and (":memory:" in value or value.endswith(":///")):
            # Every connection would see its own empty database.
            raise ValueError("an in-memory SQLite database cannot be shared; give a file path")
        return value


class FsmSettings(_Section):
    storage: Literal["sql", "memory", "redis"] = "sql"


class RedisSettings(_Section):
    url: str = "redis://127.0.0.1:6379/0"


class I18nSettings(_Section):
    default_locale: Language = Language.ZH_CN


class TimeSettings(_Section):
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class AdminsSettings(_Section):
    telegram_ids: list[int] = Field(default_factory=list)


class InviteSettings(_Section):
    ttl_hours: int = Field(72, ge=1, le=24 * 30)


# --- Calendar jobs ([jobs]) -----------------------------------------------------------------

_JOB_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# What runs when the configuration says nothing. A [[jobs.schedule]] entry with one of these
# names replaces that job, and may leave out `cron` and `action` to keep the built-in ones.
BUILTIN_JOBS: tuple[dict[str, str], ...] = (
    # Forget processed update ids, ended absences and settled outbox rows.
    {"name": "purge", "cron": "30 3 * * *", "action": "purge"},
    # Close obligations whose deadline is more than jobs.expire_after_days past.
    {"name": "expire_obligations", "cron": "5 * * * *", "action": "expire_obligations"},
    # Open the day's unit_report obligations ([reports]) just after midnight.
    {"name": "open_unit_reports", "cron": "0 0 * * *", "action": "open_unit_reports"},
    # Tell people whose half-finished declaration expired ([declarations] draft_ttl_hours).
    {"name": "expire_drafts", "cron": "*/5 * * * *", "action": "expire_drafts"},
)


class JobSettings(_Section):
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


class JobsSettings(_Section):
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


# --- Unit daily reports ([reports]) --------------------------------------------------------

_WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO 1..7
_DEFAULT_FIELDS = {item.key: item for item in DEFAULT_FORM.fields}
_LABEL_LANGUAGES = {"label_zh_CN": Language.ZH_CN, "label_en": Language.EN}


class FormFieldSettings(_Section):
    """One field of a report form. A key of the default form may give only the key (and any
    attribute to change); its question keeps its message key. Any other key is a custom field
    and needs `kind` and both labels."""

    key: str
    kind: FieldKind | None = None
    optional: bool | None = None
    at_most: str | None = None
    asked_if_positive: str | None = None
    max_value: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    label_zh_CN: str | None = None
    label_en: str | None = None

    def to_field(self) -> FormField:
        base = _DEFAULT_FIELDS.get(self.key)
        given = {
            name: getattr(self, name)
            for name in self.model_fields_set
            if name not in ("key", *_LABEL_LANGUAGES)
        }
        labels = {
            _LABEL_LANGUAGES[name].value: getattr(self, name)
            for name in _LABEL_LANGUAGES
            if getattr(self, name) is not None
        }
        if base is None:
            missing = [name for name in ("kind", *_LABEL_LANGUAGES) if getattr(self, name) is None]
            if missing:
                raise ValueError(
                    f"field {self.key!r} is not a field of the default form, so it needs "
                    + ", ".join(missing)
                )
            return FormField(self.key, labels=labels, **given)
        if given.get("kind") is None:
            given.pop("kind", None)
        fields = {
            "kind": base.kind,
            "optional": base.optional,
            "at_most": base.at_most,
            "asked_if_positive": base.asked_if_positive,
            "max_value": base.max_value,
            "max_length": base.max_length,
            "choices": base.choices,
            **given,
        }
        return FormField(self.key, labels=labels or base.labels, **fields)


class ReportScheduleSettings(_Section):
    """A unit kind's (or one unit's) reporting schedule; unset keys keep the defaults (for a
    unit: its kind's values)."""

    reports: bool = True
    deadline: time = time(17, 0)
    days: frozenset[int] = frozenset(range(1, 8))
    skip_holidays: bool = True
    cutoff: Cutoff = Cutoff.YESTERDAY_24
    chain: str | None = None
    form: tuple[FormFieldSettings, ...] | None = None

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: Any) -> time:
        return _clock(value)

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple) or not value:
            raise ValueError("must be a non-empty list of ISO weekdays 1-7 or mon-sun")
        days = set()
        for item in value:
            if isinstance(item, str) and item.strip().lower() in _WEEKDAY_NAMES:
                days.add(_WEEKDAY_NAMES.index(item.strip().lower()) + 1)
            elif type(item) is int and 1 <= item <= 7:
                days.add(item)
            else:
                raise ValueError(
                    f"{item!r} is not a weekday: use 1 (Monday) to 7 (Sunday) or mon-sun"
                )
        return frozenset(days)

    @field_validator("form")
    @classmethod
    def _valid_form(
        cls, value: tuple[FormFieldSettings, ...] | None
    ) -> tuple[FormFieldSettings, ...] | None:
        if value is not None:
            check_zero_reportable(_build_form(value))
        return value

    def override(self) -> ScheduleOverride:
        """A unit's table: the keys it gives, over its kind's schedule."""
        given = self.model_fields_set
        form = None if self.form is None else _build_form(self.form)
        return ScheduleOverride(
            reports=self.reports,
            deadline=self.deadline if "deadline" in given else None,
            days=self.days if "days" in given else None,
            skip_holidays=self.skip_holidays if "skip_holidays" in given else None,
            cutoff=self.cutoff if "cutoff" in given else None,
            chain=self.chain,
            form=form,
        )

    def schedule(self) -> ReportSchedule | None:
        if not self.reports:
            return None
        form = DEFAULT_FORM if self.form is None else _build_form(self.form)
        return ReportSchedule(
            self.deadline, self.days, self.skip_holidays, self.cutoff, self.chain, form
        )


def _build_form(fields: tuple[FormFieldSettings, ...]) -> FormSpec:
    return FormSpec(FORM_NAME, tuple(item.to_field() for item in fields))


_NOT_REPORTING = ReportScheduleSettings(reports=False)


class ReportsSettings(_Section):
    """Who reports when: one optional table per unit kind, and per-unit overrides."""

    office: ReportScheduleSettings | None = None
    township: ReportScheduleSettings | None = None
    street: ReportScheduleSettings | None = None
    village: ReportScheduleSettings | None = None
    community: ReportScheduleSettings | None = None
    school: ReportScheduleSettings | None = None
    enterprise: ReportScheduleSettings | None = None
    venue: ReportScheduleSettings | None = None
    grid: ReportScheduleSettings | None = None
    # [reports.units.<code>]: the same keys, over the unit's kind's schedule.
    units: dict[str, ReportScheduleSettings] = Field(default_factory=dict)

    @field_validator("units")
    @classmethod
    def _unit_codes(
        cls, value: dict[str, ReportScheduleSettings]
    ) -> dict[str, ReportScheduleSettings]:
        for code in value:
            if not UNIT_CODE_PATTERN.match(code):
                raise ValueError(f"{code!r} is not a unit code (a-z, 0-9, '_' and '-')")
        return value

    def of_kind(self, kind: UnitKind) -> ReportScheduleSettings:
        """A kind's settings: as given (a table given means it reports unless reports =
        false), else the default (reporting only for the grassroots kinds)."""
        given: ReportScheduleSettings | None = getattr(self, kind.value)
        if given is not None:
            return given
        return ReportScheduleSettings() if kind in DEFAULT_REPORTING_KINDS else _NOT_REPORTING

    def chains(self) -> dict[str, str]:
        """Named chains asked for, by the key asking."""
        asked = {f"reports.{kind.value}.chain": self.of_kind(kind).chain for kind in UnitKind}
        asked |= {f"reports.units.{code}.chain": s.chain for code, s in self.units.items()}
        return {key: name for key, name in asked.items() if name is not None}

    def policy(self) -> ReportPolicy:
        """The ReportPolicy: per kind, and per unit (a unit's keys over its kind's schedule;
        a unit of a kind that does not report reports on the defaults, unless reports =
        false)."""
        by_kind = {}
        for kind in UnitKind:
            schedule = self.of_kind(kind).schedule()
            if schedule is not None:
                by_kind[kind] = schedule
        by_unit = {code: s.override() for code, s in self.units.items()}
        return ReportPolicy(by_kind, by_unit)


# --- Classification of declarations ([policy]) ---------------------------------------------

_RULE_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _enum_set(value: Any, kind: type[StrEnum], what: str) -> Any:
    if value is None:
        return value
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"must be a non-empty list of {what}")
    allowed = ", ".join(item.value for item in kind)
    for item in value:
        if not isinstance(item, str) or item not in {member.value for member in kind}:
            raise ValueError(f"{item!r} is not one of {allowed}")
    return value


class PolicyConditionSettings(_Section):
    """A rule's `when`: every key given must hold; `any` holds when one of its tables does."""

    overseas: bool | None = None
    missing_arrival_documents: bool | None = None
    risk: frozenset[RiskLevel] | None = None
    city_has_cases: bool | None = None
    codes: frozenset[CodeColour] | None = None
    # "any": any symptom at all; a list: one of those symptoms.
    symptoms: Literal["any"] | frozenset[Symptom] | None = None
    fever: bool | None = None
    temperature_at_least: float | None = Field(None, ge=35.0, le=42.0)
    contacts: frozenset[ContactKind] | None = None
    status: frozenset[DeclarationStatus] | None = None
    any: tuple[PolicyConditionSettings, ...] | None = None

    @field_validator("risk", mode="before")
    @classmethod
    def _risk(cls, value: Any) -> Any:
        return _enum_set(value, RiskLevel, "risk levels")

    @field_validator("codes", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        return _enum_set(value, CodeColour, "colours")

    @field_validator("symptoms", mode="before")
    @classmethod
    def _symptoms(cls, value: Any) -> Any:
        if value == "any":
            return value
        try:
            return _enum_set(value, Symptom, "symptoms")
        except ValueError as error:
            raise ValueError(f'{error}, or "any" for any symptom') from None

    @field_validator("contacts", mode="before")
    @classmethod
    def _contacts(cls, value: Any) -> Any:
        return _enum_set(value, ContactKind, "contact kinds")

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return _enum_set(value, DeclarationStatus, "statuses")

    @field_validator("any")
    @classmethod
    def _any_not_empty(
        cls, value: tuple[PolicyConditionSettings, ...] | None
    ) -> tuple[PolicyConditionSettings, ...] | None:
        if value is not None and (not value or any(item.to_condition().always for item in value)):
            raise ValueError("must be a non-empty list of non-empty condition tables")
        return value

    def to_condition(self) -> Condition:
        return Condition(
            overseas=self.overseas,
            missing_arrival_documents=self.missing_arrival_documents,
            risk=self.risk,
            city_has_cases=self.city_has_cases,
            codes=self.codes,
            any_symptom=True if self.symptoms == "any" else None,
            symptoms=self.symptoms if isinstance(self.symptoms, frozenset) else None,
            fever=self.fever,
            temperature_at_least=self.temperature_at_least,
            contacts=self.contacts,
            status=self.status,
            any_of=tuple(item.to_condition() for item in self.any or ()),
        )


class PolicyRuleSettings(_Section):
    """One rule: when `when` holds (an empty or missing `when` always holds), the declaration
    gets `category` with its measure."""

    name: str
    when: PolicyConditionSettings = PolicyConditionSettings()
    category: Category
    days: int = Field(0, ge=0, le=60)
    # Offsets from the arrival day (0 = that day, at most `days`) and/or weekdays "mon"-"sun".
    test_days: tuple[int | str, ...] = ()
    checkins: bool = False
    immediate_report: bool = False

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        if not _RULE_NAME_PATTERN.match(value):
            raise ValueError(
                f"rule name {value!r} must be 1-64 characters of a-z, 0-9, '_' and '-'"
            )
        return value

    @field_validator("test_days", mode="before")
    @classmethod
    def _test_days(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, list | tuple):
            raise ValueError('must be a list of day offsets (e.g. [1, 13]) or weekdays ("mon")')
        days = info.data.get("days")
        for item in value:
            if isinstance(item, str) and item.strip().lower() in _WEEKDAY_NAMES:
                continue
            if type(item) is int and item >= 0 and (days is None or item <= days):
                continue
            limit = f"0-{days}" if days is not None else "0 or more"
            raise ValueError(
                f"{item!r} is not a test day: use an offset from the arrival day ({limit}, "
                "within the rule's days) or a weekday mon-sun"
            )
        return tuple(item.strip().lower() if isinstance(item, str) else item for item in value)

    def to_rule(self) -> Rule:
        offsets = tuple(sorted({day for day in self.test_days if isinstance(day, int)}))
        weekdays = tuple(
            sorted(
                {_WEEKDAY_NAMES.index(day) + 1 for day in self.test_days if isinstance(day, str)}
            )
        )
        measure = Measure(self.days, offsets, weekdays, self.checkins, self.immediate_report)
        return Rule(self.name, self.when.to_condition(), self.category, measure)


class PolicySettings(_Section):
    """How declarations are classified. Without [[policy.rules]] the defaults of
    domain.policy.DEFAULT_RULES apply; given rules replace them all, tried in order, the
    first that matches wins. `immediate_report_when` (same syntax as a rule's `when`) is
    tested on every declaration apart from the rules: when it holds, an immediate report
    (即有即报) is due whatever rule decided the measure; `{}` turns it off (only the rules'
    own `immediate_report` then count). Left out: the default (red/yellow code, any symptom,
    or a fever)."""

    version: str = Field("default", min_length=1, max_length=64)
    locality: str | None = Field(None, min_length=1, max_length=128)
    lookback_days: int = Field(DEFAULT_LOOKBACK_DAYS, ge=1, le=60)
    fever_threshold: float = Field(DEFAULT_FEVER_THRESHOLD, ge=36.0, le=40.0)
    rules: tuple[PolicyRuleSettings, ...] | None = None
    immediate_report_when: PolicyConditionSettings | None = None

    @field_validator("rules")
    @classmethod
    def _rules(
        cls, value: tuple[PolicyRuleSettings, ...] | None
    ) -> tuple[PolicyRuleSettings, ...] | None:
        if value is None:
            return value
        if not value:
            raise ValueError("must list at least one rule (leave it out for the defaults)")
        names = [rule.name for rule in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate rule name {', '.join(map(repr, duplicates))}")
        for position, rule in enumerate(value[:-1]):
            if rule.when.to_condition().always:
                raise ValueError(
                    f"rule {rule.name!r} always matches, so the rules after it "
                    f"({', '.join(r.name for r in value[position + 1 :])}) would never be tried"
                )
        return value

    def to_policy(self) -> Policy:
        rules = DEFAULT_RULES if self.rules is None else tuple(r.to_rule() for r in self.rules)
        return Policy(
            rules=rules,
            version=self.version,
            locality=self.locality,
            lookback_days=self.lookback_days,
            fever_threshold=self.fever_threshold,
            immediate_report_when=(
                DEFAULT_IMMEDIATE_REPORT_WHEN
                if self.immediate_report_when is None
                else self.immediate_report_when.to_condition()
            ),
        )


class DeclarationsSettings(_Section):
    """Returnee declarations: how long a half-finished one is kept, and when the follow-up
    (daily check-ins, tests on test days) is due each day, in local time."""

    draft_ttl_hours: int = Field(default=24, ge=1, le=720)
    checkin_due: time = time(20, 0)
    test_due: time = time(10, 0)

    @field_validator("checkin_due", "test_due", mode="before")
    @classmethod
    def _due(cls, value: Any) -> time:
        return _clock(value)


class Settings(_Section):
    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    fsm: FsmSettings = FsmSettings()
    redis: RedisSettings = RedisSettings()
    i18n: I18nSettings = I18nSettings()
    time: TimeSettings = TimeSettings()
    admins: AdminsSettings = AdminsSettings()
    invites: InviteSettings = InviteSettings()
    outbox: OutboxSettings = OutboxSettings()
    escalation: EscalationSettings = EscalationSettings()
    quiet_hours: QuietHoursSettings = QuietHoursSettings()
    holidays: HolidaySettings = HolidaySettings()
    # A factory: the jobs' validation imports the scheduler, which `import bot.config` need not.
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    reports: ReportsSettings = ReportsSettings()
    policy: PolicySettings = PolicySettings()
    declarations: DeclarationsSettings = DeclarationsSettings()

    @model_validator(mode="after")
    def _report_chains_exist(self) -> Settings:
        named = self.escalation.named
        for key, name in self.reports.chains().items():
            if name not in named:
                known = ", ".join(sorted(named)) or "none configured"
                raise ValueError(
                    f"{key}: no chain {name!r} in [escalation.named] (named chains: {known})"
                )
        return self

    def require_runnable(self) -> None:
        """Checks that only matter when the bot actually starts talking to Telegram."""
        problems = []
        if self.telegram.token is None:
            problems.append("telegram.token: not set (set BOT_TOKEN or telegram.token)")
        if self.telegram.mode == "webhook":
            if not self.telegram.webhook.url:
                problems.append("telegram.webhook.url: required when telegram.mode = 'webhook'")
            if self.telegram.webhook.secret_token is None:
                problems.append(
                    "telegram.webhook.secret_token: required when telegram.mode = 'webhook'"
                )
        if problems:
            raise ConfigError("\n".join(problems))

    def secrets(self) -> list[str]:
        """What must never be logged: the token, the webhook secret, database and Redis
        passwords."""
        found = [
            secret.get_secret_value()
            for secret in (self.telegram.token, self.telegram.webhook.secret_token)
            if secret is not None
        ]
        for url in (self.database.url, self.redis.url):
            password = urlsplit(url).password
            if password:
                found.append(password)
        return found


def config_path(explicit: str | Path | None, environ: Mapping[str, str]) -> Path | None:
    if explicit is not None:
        return Path(explicit)
    from_env = environ.get(CONFIG_PATH_ENV)
    return Path(from_env) if from_env else None


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the file (if any), apply environment overrides, validate everything at once."""
    env = os.environ if environ is None else environ
    source = config_path(path, env)
    raw: dict[str, Any] = {}
    if source is not None:
        try:
            raw = tomllib.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{source}: configuration file not found") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{source}: cannot read the configuration file: {error}") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{source}: not valid TOML: {error}") from None
    from_env: dict[tuple[str, str], str] = {}
    for variable, (section, key) in ENV_OVERRIDES.items():
        value = env.get(variable)
        if value:
            table = raw.setdefault(section, {})
            if isinstance(table, dict):
                table[key] = value
                from_env[(section, key)] = variable
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_describe(error, source, from_env)) from None


def _describe(
    error: ValidationError, source: Path | None, from_env: dict[tuple[str, str], str]
) -> str:
    lines = []
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"])
        loc = problem["loc"]
        variable = from_env.get((str(loc[0]), str(loc[1]))) if len(loc) >= 2 else None
        where = f" (from {variable})" if variable else ""
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        # A check across sections (Settings' model validator) names its keys itself.
        lines.append(f"{location}{where}: {message}" if location else message)
    origin = f"{source}: " if source else ""
    return origin + "invalid configuration\n" + "\n".join(f"  {line}" for line in lines)
