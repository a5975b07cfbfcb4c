"""`python -m bot policy explain FILE.json`, called in-process as an operator would."""

import json
from pathlib import Path

import pytest

from bot.cli import main

DECLARATION = {
    "status": "returned",
    "origin": {"kind": "domestic", "region_names": ["湖北省", "武汉市"]},
    "arrival": "2022-04-04T18:30",
    "health_code": "green",
    "temperature": 36.5,
    "name": "张三",
    "phone": "13800000000",
}


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


def test_explain_prints_the_rule_that_fires_and_why(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write(
        env,
        "d.json",
        json.dumps({"declaration": DECLARATION, "facts": {"level": "mid", "matched": ["洪山区"]}}),
    )
    assert main(["policy", "explain", str(file)]) == 0
    out = capsys.readouterr().out
    assert "rule fired: mid_risk\ncategory: home_quarantine\n" in out
    assert "worst level within the look-back window is mid (洪山区)" in out
    assert "4. high_risk: no match" in out
    assert "immediate report: no" in out
    assert "张三" not in out
    assert "13800000000" not in out
    assert not (env / "bot.db").exists()  # explaining touches no database


def test_explain_uses_the_configured_policy(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(
        env,
        "config.toml",
        '[policy]\nversion = "v2"\nlocality = "示范县"\n'
        '[[policy.rules]]\nname = "everyone"\ncategory = "home_health_monitoring"\n'
        'days = 7\ntest_days = ["mon"]\ncheckins = true\n',
    )
    file = write(env, "d.json", json.dumps({"declaration": DECLARATION}))
    assert main(["policy", "explain", str(file), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("policy v2 (示范县)\nrule fired: everyone\n")
    assert "measure: 7 days; tests on mon; daily check-ins" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", 'must hold an object with a "declaration" key'),
        (json.dumps({"declaration": DECLARATION, "risk": {}}), "risk: unknown key"),
        (
            json.dumps({"declaration": {**DECLARATION, "temperature": "hot"}}),
            "invalid declaration: declaration.temperature: must be a number",
        ),
        (
            json.dumps({"declaration": DECLARATION, "facts": {"level": "severe"}}),
            "invalid declaration: facts.level: 'severe' is not one of high, mid, low",
        ),
    ],
)
def test_a_bad_file_exits_2_with_a_clear_message(
    env: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    file = write(env, "d.json", text)
    assert main(["policy", "explain", str(file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(file) in captured.err
    assert message in captured.err


def test_a_missing_file_exits_2(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "explain", str(env / "nope.json")]) == 2
    assert "nope.json: No such file or directory" in capsys.readouterr().err


def test_a_bad_policy_configuration_exits_2(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(env, "config.toml", '[[policy.rules]]\nname = "x"\ncategory = "jail"\n')
    file = write(env, "d.json", json.dumps({"declaration": DECLARATION}))
    assert main(["policy", "explain", str(file), "--config", str(config)]) == 2
    assert "policy.rules.0.category" in capsys.readouterr().err
