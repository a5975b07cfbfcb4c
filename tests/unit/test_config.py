from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from domain.org import Language

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_working_defaults() -> None:
    settings = load_settings(None, environ={})
    assert settings.telegram.mode == "polling"
    assert settings.database.url == "sqlite+aiosqlite:///data/bot.db"
    assert settings.fsm.storage == "sql"
    assert settings.i18n.default_locale is Language.ZH_CN
    assert settings.time.timezone == "Asia/Shanghai"
    assert settings.admins.telegram_ids == []


def test_example_config_is_valid_and_documents_every_section() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    settings = load_settings(example, environ={})
    text = example.read_text(encoding="utf-8")
    for section in type(settings).model_fields:
        assert f"[{section}]" in text, f"config.example.toml does not document [{section}]"


def test_environment_overrides_file_and_picks_async_drivers(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///file.db"\n')
    env = {
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": "postgres://u:p@db/prod",
        "TELEGRAM_API_BASE": "http://127.0.0.1:8080/",
        "REDIS_URL": "redis://cache:6379/1",
    }
    settings = load_settings(path, environ=env)
    assert settings.telegram.token is not None
    assert settings.telegram.token.get_secret_value() == TOKEN
    assert settings.database.url == "postgresql+asyncpg://u:p@db/prod"
    assert settings.telegram.api_base == "http://127.0.0.1:8080"
    assert settings.redis.url == "redis://cache:6379/1"


def test_bot_config_variable_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[i18n]\ndefault_locale = "en"\n')
    assert load_settings(None, environ={"BOT_CONFIG": str(path)}).i18n.default_locale is Language.EN


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[telegram]\nmode = "poll"\n', "telegram.mode: Input should be 'polling' or 'webhook'"),
        ("[telegram]\ncolour = 1\n", "telegram.colour: unknown key"),
        ("[nonsense]\n", "nonsense: unknown key"),
        ('[time]\ntimezone = "Mars/Base"\n', "time.timezone: unknown time zone 'Mars/Base'"),
        ('[admins]\ntelegram_ids = ["me"]\n', "admins.telegram_ids.0:"),
        ('[database]\nurl = "mysql://x"\n', "database.url: must be a sqlite:/// or postgresql://"),
        ("[invites]\nttl_hours = 0\n", "invites.ttl_hours: Input should be greater than or equal"),
        ('[database]\nurl = "sqlite:///:memory:"\n', "database.url: an in-memory SQLite database"),
        (
            '[[escalation.unit_report]]\noffset = "+1h"\ntarget = "boss"\nmessage = "m"\n',
            "escalation.unit_report.0.target: unknown target 'boss'",
        ),
        ('[quiet_hours]\nstart = "25:00"\n', "quiet_hours.start:"),
        ("[outbox]\nglobal_per_s = 0\n", "outbox.global_per_s: Input should be greater than 0"),
        (
            "[outbox]\nretry_base_s = 10\nretry_max_s = 1\n",
            "outbox.retry_max_s: must not be smaller than retry_base_s",
        ),
    ],
)
def test_wrong_values_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text), environ={})
    assert message in str(caught.value)


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ={"BOT_TOKEN": "not-a-token"})
    assert "telegram.token (from BOT_TOKEN): does not look like a bot token" in str(caught.value)


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "missing.toml", environ={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[telegram\n"), environ={})
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_settings(tmp_path, environ={})  # a directory


def test_runnable_needs_a_token_and_webhook_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"telegram\.token: not set"):
        load_settings(None, environ={}).require_runnable()
    webhook = load_settings(write(tmp_path, '[telegram]\nmode = "webhook"\n'), {"BOT_TOKEN": TOKEN})
    with pytest.raises(ConfigError) as caught:
        webhook.require_runnable()
    assert "telegram.webhook.url" in str(caught.value)
    assert "telegram.webhook.secret_token" in str(caught.value)
