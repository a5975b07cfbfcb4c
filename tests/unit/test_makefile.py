"""The README's two commands, as make would run them (dry runs: nothing is started)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(*args: str) -> list[str]:
    """The commands make would run (also when the tests themselves run under make)."""
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", ".venv/.installed-stamp", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def test_make_demo_takes_another_port() -> None:
    assert dry_run("demo", "PORT=8081")[-1].endswith("-m bot sandbox --port 8081")
    assert dry_run("demo")[-1].endswith("-m bot sandbox")
