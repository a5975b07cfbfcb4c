"""Configuration: one TOML file validated by pydantic, with environment overrides for secrets.

A wrong key or value stops start-up with a message naming the key, so a deployment never runs
on a half-understood configuration. One module per concern: infrastructure, jobs, reports,
policy (with the declarations' follow-up) and escalation; this one composes them and loads.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, model_validator

from bot.config.base import ConfigError, Section
from bot.config.escalation import EscalationSettings, HolidaySettings, QuietHoursSettings
from bot.config.infrastructure import (
    AdminsSettings,
    DatabaseSettings,
    FsmSettings,
    I18nSettings,
    InviteSettings,
    RedisSettings,
    TelegramSettings,
    TimeSettings,
)
from bot.config.jobs import JobsSettings
from bot.config.notices import NoticesSettings
from bot.config.policy import DeclarationsSettings, PolicySettings
from bot.config.privacy import PrivacySettings
from bot.config.reports import ReportsSettings
from bot.config.views import ViewsSettings
from outbox.settings import OutboxSettings

__all__ = ["ConfigError", "Settings", "config_path", "load_settings"]

CONFIG_PATH_ENV = "BOT_CONFIG"
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "BOT_TOKEN": ("telegram", "token"),
    "TELEGRAM_API_BASE": ("telegram", "api_base"),
    "DATABASE_URL": ("database", "url"),
    "REDIS_URL": ("redis", "url"),
}


class Settings(Section):
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
    privacy: PrivacySettings = PrivacySettings()
    views: ViewsSettings = ViewsSettings()
    notices: NoticesSettings = NoticesSettings()

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
