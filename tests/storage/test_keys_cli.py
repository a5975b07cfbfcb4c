"""`python -m bot keys init|status|rotate` and a missing key at start-up, on a SQLite file."""

from __future__ import annotations

import asyncio
import shutil
import stat
from pathlib import Path

import pytest

from bot.cli import _check_keys, main
from bot.config import load_settings
from storage import Database
from storage.crypto import KeyRing, KeyRingError, install_keyring
from storage.models import PersonRow
from tests.conftest import run_in_thread
from tests.storage.test_sealing import AT, PHONE


@pytest.fixture
def template(_migrated_sqlite_file: Path) -> Path:
    return _migrated_sqlite_file


def _config(tmp_path: Path, keys: Path | None) -> Path:
    config = tmp_path / "config.toml"
    privacy = f'[privacy]\nkey_file = "{keys}"\n' if keys else ""
    database = f'[database]\nurl = "sqlite:///{tmp_path / "bot.db"}"\nauto_migrate = false\n'
    config.write_text(database + privacy, "utf-8")
    return config


async def _phone(url: str) -> str | None:
    database = Database.connect(url)
    try:
        async with database.session() as session:
            person = await session.get(PersonRow, 5)
            return None if person is None else person.phone
    finally:
        await database.dispose()


async def _add_person(url: str) -> None:
    database = Database.connect(url)
    try:
        async with database.transaction() as session:
            session.add(PersonRow(telegram_id=5, name="张三", language="zh_CN", phone=PHONE,
                                  created_at=AT, updated_at=AT))  # fmt: skip
    finally:
        await database.dispose()


def test_init_rotate_and_status(
    tmp_path: Path,
    test_keyring: KeyRing,
    capsys: pytest.CaptureFixture[str],
    template: Path,
) -> None:
    keys = tmp_path / "keys.json"
    config = _config(tmp_path, keys)
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    shutil.copyfile(template, tmp_path / "bot.db")
    assert main(["keys", "init", "--config", str(config)]) == 0
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    first = KeyRing.from_json(keys.read_text("utf-8"), "keys")
    install_keyring(first, keys)
    run_in_thread(lambda: _add_person(url))

    assert main(["keys", "rotate", "--config", str(config)]) == 0
    rotated = KeyRing.from_json(keys.read_text("utf-8"), "keys")
    assert set(rotated.keys) == {first.current, rotated.current} != {first.current}
    assert rotated.index_secret == first.index_secret  # the blind index survives rotation
    capsys.readouterr()
    assert main(["keys", "status", "--config", str(config)]) == 0
    status = capsys.readouterr().out
    assert f"{rotated.current} (current)" in status
    assert first.current not in status  # nothing is left under the old key
    assert run_in_thread(lambda: _phone(url)) == PHONE


def test_a_missing_key_stops_start_up(
    tmp_path: Path,
    test_keyring: KeyRing,
    capsys: pytest.CaptureFixture[str],
    template: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    shutil.copyfile(template, tmp_path / "bot.db")
    run_in_thread(lambda: _add_person(url))
    install_keyring(None)
    settings = load_settings(_config(tmp_path, None), environ={})
    with pytest.raises(KeyRingError, match=f"missing key ids {test_keyring.current}"):
        asyncio.run(_check_keys(settings))
    assert main(["keys", "status", "--config", str(_config(tmp_path, tmp_path / "no.json"))]) == 2
    assert "no.json does not exist" in capsys.readouterr().err
