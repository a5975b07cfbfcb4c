"""The infrastructure sections: Telegram, the database, dialogs' storage, Redis, languages,
time, administrators, invitations."""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    field_validator,
)

from bot.config.base import Section
from domain.org import Language

_TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
_SECRET_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class WebhookSettings(Section):
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


class TelegramSettings(Section):
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


class DatabaseSettings(Section):
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


class FsmSettings(Section):
    storage: Literal["sql", "memory", "redis"] = "sql"


class RedisSettings(Section):
    url: str = "redis://127.0.0.1:6379/0"


class I18nSettings(Section):
    default_locale: Language = Language.ZH_CN


class TimeSettings(Section):
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


class AdminsSettings(Section):
    telegram_ids: list[int] = Field(default_factory=list)


class InviteSettings(Section):
    ttl_hours: int = Field(72, ge=1, le=24 * 30)
