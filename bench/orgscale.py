"""Benchmark: a county-sized organisation, loaded, started and asked for its status.

The organisation: a county office, 30 townships and 9,969 villages (10,000 units); a
supervisor for the county and for each township, a liaison for each village and 100,000
residents spread over the villages (110,000 members in all). Written as an organisation file
(README, "The organisation file") and then, on SQLite in a scratch directory:

- `load_s`: `python -m bot org load FILE` as a process of its own, start to exit (Python's
  start-up included); its peak RSS is printed beside it.
- `startup_s`: `python -m bot run` against the Bot API emulator (running in this process),
  from the process's start to its first getUpdates request (a `/start` waits for it, so the
  emulator answers that request at once); `rss_mb` is the bot's resident
  memory once it has started and answered the county supervisor's `/status`.
- `status_parts`: how many messages the county supervisor's `/status` is answered with.

Targets (issue 13): load_s <= 30, startup_s <= 5, rss_mb <= 200, status_parts <= 2. The last
line is `members=... units=... load_s=... startup_s=... rss_mb=... status_parts=...`; the exit
status is 1 unless every target is met.

Run: `python -m bench.orgscale [--villages N] [--residents N]`. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.emulator import Emulator
from storage.crypto import KeyRing

TOKEN = "7200001:BenchOrgScaleTokenBenchOrgScale12345"
BOT_ID = 7200001
TOWNSHIPS = 30
VILLAGES = 9_969
RESIDENTS = 100_000
COUNTY_SUPERVISOR = 900_000
TOWNSHIP_SUPERVISOR_BASE = 900_100
LIAISON_BASE = 910_000
RESIDENT_BASE = 1_000_000
TARGETS = {"load_s": 30.0, "startup_s": 5.0, "rss_mb": 200.0, "status_parts": 2}


def org_file(villages: int, residents: int) -> str:
    parts = ['[[unit]]\ncode = "county"\nname = "示范县防控办"\nkind = "office"\n']
    parts.append(_member(COUNTY_SUPERVISOR, "县督导", "county", "supervisor"))
    for township in range(TOWNSHIPS):
        code = f"t{township:02d}"
        parts.append(
            f'[[unit]]\ncode = "{code}"\nname = "第{township + 1}镇"\nkind = "township"\n'
            'parent = "county"\n'
        )
        parts.append(
            _member(TOWNSHIP_SUPERVISOR_BASE + township, f"镇督导{township}", code, "supervisor")
        )
    for village in range(villages):
        code = f"v{village:05d}"
        parent = f"t{village % TOWNSHIPS:02d}"
        parts.append(
            f'[[unit]]\ncode = "{code}"\nname = "第{village + 1}村"\nkind = "village"\n'
            f'parent = "{parent}"\n'
        )
        parts.append(_member(LIAISON_BASE + village, f"联络员{village}", code, "liaison"))
    for resident in range(residents):
        code = f"v{resident % villages:05d}"
        parts.append(_member(RESIDENT_BASE + resident, f"居民{resident}", code, "resident"))
    return "\n".join(parts)


def _member(telegram_id: int, name: str, unit: str, role: str) -> str:
    return (
        f'[[member]]\ntelegram_id = {telegram_id}\nname = "{name}"\nunit = "{unit}"\n'
        f'role = "{role}"\n'
    )


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def load(workdir: Path, environ: dict[str, str], file: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of `python -m bot org load FILE`."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "bot", "org", "load", str(file)],
        cwd=workdir,
        env=environ,
        check=True,
    )
    elapsed = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024


async def run_bot(workdir: Path, environ: dict[str, str]) -> tuple[float, float, int]:
    """Start-up seconds, RSS (MB) after start-up and /status, and the /status parts (the RSS
    once started is printed too)."""
    async with Emulator().running() as emulator:
        emulator.add_bot(TOKEN, username="bench_orgscale_bot")
        emulator.create_user("县督导", user_id=COUNTY_SUPERVISOR)
        # Waiting for the bot: its first getUpdates is answered at once (the emulator logs a
        # call when it answers it; an empty long poll would be logged only when it expires).
        emulator.user_sends(COUNTY_SUPERVISOR, COUNTY_SUPERVISOR, "/start", bot=BOT_ID)
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=workdir,
            env={**environ, "TELEGRAM_API_BASE": emulator.base_url},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=(workdir / "bot.log").open("w"),
        )
        try:
            while not emulator.api_calls("getUpdates", bot=BOT_ID):
                if process.returncode is not None:
                    raise RuntimeError(f"the bot exited: see {workdir / 'bot.log'}")
                if time.monotonic() - started > 120:
                    raise RuntimeError("the bot did not poll within 120 s")
                await asyncio.sleep(0.01)
            startup = time.monotonic() - started
            await _settled(emulator, COUNTY_SUPERVISOR)  # the answer to /start
            print(f"bot: RSS {_rss_mb(process.pid):.0f} MB once started", flush=True)
            parts = await _status_parts(emulator)
            rss = _rss_mb(process.pid)
        finally:
            process.terminate()
            await process.wait()
    return startup, rss, parts


async def _status_parts(emulator: Emulator) -> int:
    user = COUNTY_SUPERVISOR
    before = len(emulator.bot_messages(user, bot=BOT_ID))
    emulator.user_sends(user, user, "/status", bot=BOT_ID)
    await _settled(emulator, user, before)
    return len(emulator.bot_messages(user, bot=BOT_ID)) - before


async def _settled(emulator: Emulator, user: int, before: int = 0) -> None:
    """Until the bot has answered and then sent nothing more for a second."""
    deadline = time.monotonic() + 120
    count, quiet_since = before, time.monotonic()
    while time.monotonic() < deadline:
        now_count = len(emulator.bot_messages(user, bot=BOT_ID))
        if now_count != count:
            count, quiet_since = now_count, time.monotonic()
        elif count > before and time.monotonic() - quiet_since > 1.0:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the bot did not answer within 120 s")


def main(villages: int, residents: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-orgscale-") as scratch:
        workdir = Path(scratch)
        environ = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": f"sqlite:///{workdir / 'bot.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
            # Personal fields are sealed: the bot needs a key ring (a throwaway one here).
            "BOT_PRIVACY_KEYS": KeyRing.generate().to_json(),
        }
        file = workdir / "org.toml"
        file.write_text(org_file(villages, residents), "utf-8")
        units = 1 + TOWNSHIPS + villages
        members = 1 + TOWNSHIPS + villages + residents
        subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"], cwd=workdir, env=environ, check=True
        )
        load_s, load_peak = load(workdir, environ, file)
        print(f"org load: {load_s:.1f} s, peak RSS {load_peak:.0f} MB", flush=True)
        startup_s, rss_mb, parts = asyncio.run(run_bot(workdir, environ))
        print(f"bot: first getUpdates after {startup_s:.2f} s, RSS {rss_mb:.0f} MB after /status")
    figures = {"load_s": load_s, "startup_s": startup_s, "rss_mb": rss_mb, "status_parts": parts}
    print(
        f"members={members} units={units} load_s={load_s:.1f} startup_s={startup_s:.2f} "
        f"rss_mb={rss_mb:.0f} status_parts={parts}"
    )
    return 0 if all(figures[key] <= limit for key, limit in TARGETS.items()) else 1


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.orgscale", description=__doc__)
    parser.add_argument("--villages", type=int, default=VILLAGES)
    parser.add_argument("--residents", type=int, default=RESIDENTS)
    args = parser.parse_args(argv)
    return main(args.villages, args.residents)


if __name__ == "__main__":
    sys.exit(cli())
