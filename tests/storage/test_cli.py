"""The command line, called in-process as an operator would call `python -m bot ...`."""

from pathlib import Path

import pytest

from bot.cli import main

ORG = """[[unit]]
code = "xian"
name = "示范县"
kind = "office"

[[unit]]
code = "chengguan"
name = "城关镇"
kind = "township"
parent = "xian"

[[member]]
telegram_id = 1001
name = "王主任"
unit = "xian"
role = "supervisor"
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_org_load_is_idempotent(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    org = write(env, "org.toml", ORG)
    assert main(["org", "load", str(org)]) == 0
    assert (
        "units 2 new, 0 updated; people 1 new, 0 updated; roles 1 added" in capsys.readouterr().out
    )
    assert main(["org", "load", str(org)]) == 0
    assert (
        "units 0 new, 0 updated; people 0 new, 0 updated; roles 0 added" in capsys.readouterr().out
    )


def test_a_bad_org_file_loads_nothing_and_names_lines(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = (
        ORG
        + '\n[[unit]]\ncode = "dongguan"\nname = "东关村"\nkind = "village"\nparent = "nowhere"\n'
    )
    assert main(["org", "load", str(write(env, "bad.toml", bad))]) == 1
    err = capsys.readouterr().err
    assert "nothing was loaded" in err
    assert "bad.toml:22: unit 'dongguan' has unknown parent 'nowhere'" in err
    # The valid units of the same file were not stored either.
    member_only = '[[member]]\ntelegram_id = 7\nname = "X"\nunit = "chengguan"\nrole = "liaison"\n'
    assert main(["org", "load", str(write(env, "member.toml", member_only))]) == 1
    assert "member.toml:4: unknown unit 'chengguan'" in capsys.readouterr().err


def test_org_load_of_a_missing_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["org", "load", str(env / "missing.toml")]) == 2
    assert "No such file" in capsys.readouterr().err


def test_check_config(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(env, "good.toml", '[time]\ntimezone = "Asia/Urumqi"\n')
    assert main(["check-config", str(good)]) == 0
    out = capsys.readouterr().out
    assert "configuration is valid" in out
    assert "time.timezone = Asia/Urumqi" in out
    assert "telegram.token: not set" in out  # valid, but not ready to run
    bad = write(env, "bad.toml", '[telegram]\nmode = "push"\n[fsm]\nstorage = "disk"\n')
    assert main(["check-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "telegram.mode: Input should be 'polling' or 'webhook'" in err
    assert "fsm.storage: Input should be 'sql', 'memory' or 'redis'" in err


def test_run_without_a_token_stops_with_a_clear_message(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    assert "telegram.token: not set (set BOT_TOKEN or telegram.token)" in capsys.readouterr().err


def test_db_upgrade_creates_the_database(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert (env / "bot.db").exists()
    assert "database is up to date" in capsys.readouterr().out


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["db"], ["db", "upgrade"], ["org", "load"], ["check-config"], ["sandbox"]],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage: python -m bot" in capsys.readouterr().out
