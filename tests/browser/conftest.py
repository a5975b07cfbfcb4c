"""Fixtures for the browser test: the demo as `make demo` runs it, and the system's Chromium.

Chromium is the system's own (`tests/browser/install_chromium.sh`, run by `make test`, installs
Debian's package when it can); Playwright only drives it and never downloads a browser. When
no Chromium is found the test is skipped, unless REQUIRE_BROWSER=1 (set by CI) makes that a
failure. Screenshots go to test-artifacts/browser/ (or $TEST_ARTIFACTS/browser/).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.e2e.conftest import free_port
from tests.logcheck import check_log_file

START_TIMEOUT_S = 60.0
# A Monday morning, so that the day's reports are open and their deadline is ahead.
DEMO_START = "2026-11-23T09:00"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # as root in a container there is no user namespace to sandbox with
    "--disable-gpu",
    "--no-first-run",
    # This machine has no internet: without these Chromium keeps trying to reach Google.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    message = "no Chromium on this machine (tests/browser/install_chromium.sh installs it)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message}; REQUIRE_BROWSER=1 makes this a failure", pytrace=False)
    pytest.skip(f"{message}; set REQUIRE_BROWSER=1 to fail instead")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    root = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts")) / "browser"
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def browser() -> Iterator[Browser]:
    # Per test, not per session: Playwright's sync API runs an event loop in this thread
    # while it is open, and the asynchronous tests that follow need the thread to themselves.
    path = chromium_path()
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """`python -m bot sandbox` on a fresh database in a scratch directory; its page's URL."""
    port = free_port()
    log = tmp_path / "demo.log"  # a file, not a pipe: nobody must have to drain it
    with log.open("w") as output:
        command = [sys.executable, "-m", "bot", "sandbox", "--reset", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--time", DEMO_START],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Sandbox: open " not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the demo did not start:\n" + log.read_text())
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0, log.read_text()
    check_log_file(log)
