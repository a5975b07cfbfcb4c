"""Benchmark: how long `make demo` (`python -m bot sandbox`) takes to be usable.

Each run starts `python -m bot sandbox --port P` as a new process in a scratch directory and
measures, from the process's start, until:

- `url_s`: it prints the page's address (the emulator listens and the bot runs);
- `ready_s`: the page is usable: `/` serves the page, `/sandbox/state` answers, and the first
  residents group carries its pinned declare button (so on a first start the staff have
  started the bot and every group is bound).

A cold run has an empty `data/` (what `make demo` does on a fresh clone, after the
dependencies are installed: migrations, the demo organisation, binding the groups through the
bot); a warm run starts again on the database the cold run left. The target is 15 s for the
cold start. Python's own start-up and imports are included, as a newcomer would wait for them.

Run: `python -m bench.demo_start [--runs N]`; the last line is
`cold_ready_s=<median> warm_ready_s=<median>`. The exit status is 1 unless the slowest cold
run is ready within 15 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

TARGET_S = 15.0
GROUP = -1001000000003  # 东关村居民群, the first residents group


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except OSError:
        return 0, b""


def _usable(base: str) -> bool:
    status, _ = _get(f"{base}/")
    if status != 200 or _get(f"{base}/sandbox/state")[0] != 200:
        return False
    status, body = _get(f"{base}/control/chats/{GROUP}/messages")
    if status != 200:
        return False
    return any(m["pinned"] for m in json.loads(body)["result"])


async def one_start(workdir: Path) -> tuple[float, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--port",
        str(port),
        cwd=workdir,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        url_s = 0.0
        while not url_s:
            line = await asyncio.wait_for(process.stdout.readline(), 120)
            if not line:
                raise RuntimeError("the demo exited before printing its address")
            if line.startswith(b"Sandbox: open "):
                url_s = time.perf_counter() - started
        while not await asyncio.to_thread(_usable, base):
            if time.perf_counter() - started > 120:
                raise RuntimeError("the demo did not become usable within 120 s")
            await asyncio.sleep(0.05)
        ready_s = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.communicate(), 60)
    if process.returncode != 0:
        raise RuntimeError(f"the demo stopped with status {process.returncode}")
    return url_s, ready_s


async def main(runs: int) -> int:
    cold: list[tuple[float, float]] = []
    warm: list[tuple[float, float]] = []
    for number in range(1, runs + 1):
        with tempfile.TemporaryDirectory(prefix="demo-start-") as scratch:
            workdir = Path(scratch)
            cold.append(await one_start(workdir))
            warm.append(await one_start(workdir))
        print(
            f"run {number}: cold url {cold[-1][0]:.2f} s ready {cold[-1][1]:.2f} s; "
            f"warm url {warm[-1][0]:.2f} s ready {warm[-1][1]:.2f} s",
            flush=True,
        )
    slowest = max(ready for _, ready in cold)
    ok = slowest <= TARGET_S
    print(
        f"slowest cold start ready in {slowest:.2f} s (target {TARGET_S:.0f} s): "
        f"{'ok' if ok else 'TOO SLOW'}"
    )
    print(
        f"cold_ready_s={statistics.median(r for _, r in cold):.2f} "
        f"warm_ready_s={statistics.median(r for _, r in warm):.2f}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold+warm pairs (default 3)")
    sys.exit(asyncio.run(main(parser.parse_args().runs)))
