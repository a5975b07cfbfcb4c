"""`make demo` (python -m bot sandbox) starts, serves its page, answers through the emulator,
stops on Ctrl-C and, started again, goes on with the same chats and time."""

import asyncio
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import START_TIMEOUT, free_port
from tests.logcheck import assert_no_personal_data, offending_lines

pytestmark = pytest.mark.e2e

RESIDENTS_GROUP = -1001000000003


async def start_demo(workdir: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        *args,
        cwd=workdir,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def stop_demo(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert_no_personal_data(offending_lines(output.decode()), "the demo's output")
    return output.decode()


async def pinned_button(http: aiohttp.ClientSession, base: str) -> dict[str, Any]:
    """The residents group's pinned post, once the demo is up and its groups are bound."""
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    while True:
        assert asyncio.get_running_loop().time() < deadline, "the demo did not come up"
        await asyncio.sleep(0.05)
        try:
            async with http.get(f"{base}/chats/{RESIDENTS_GROUP}/messages") as response:
                answer = await response.json()
        except aiohttp.ClientError:
            continue  # not listening yet
        if not answer["ok"]:
            continue  # the emulator is up but the demo groups are not seeded yet
        pinned = [m for m in answer["result"] if m["pinned"]]
        if pinned:
            return dict(pinned[-1])


async def help_is_answered(http: aiohttp.ClientSession, base: str) -> None:
    before = await messages_of(http, base, 1003)
    send = {"user_id": 1003, "chat_id": 1003, "text": "/help"}
    async with http.post(f"{base}/send", json=send) as response:
        assert (await response.json())["ok"]
    for _ in range(600):
        texts = [m["text"] for m in (await messages_of(http, base, 1003))[len(before) :]]
        if any(text and text.startswith("Commands") for text in texts):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer to /help: {texts}")


async def move_clock(http: aiohttp.ClientSession, port: int, minutes: int) -> datetime:
    url = f"http://127.0.0.1:{port}/sandbox/clock"
    async with http.post(url, json={"minutes": minutes}) as response:
        answer = await response.json()
    assert answer["ok"], answer
    return datetime.fromisoformat(answer["result"]["now"])


async def messages_of(http: aiohttp.ClientSession, base: str, chat: int) -> list[dict[str, Any]]:
    async with http.get(f"{base}/chats/{chat}/messages") as response:
        return list((await response.json())["result"])


async def test_the_demo_runs_stops_cleanly_and_goes_on_where_it_stopped(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/control"
    process = await start_demo(tmp_path, "--port", str(port))
    try:
        async with aiohttp.ClientSession() as http:
            pinned = await pinned_button(http, base)
            # The residents group got its declare button, pinned, on the first start.
            assert pinned["reply_markup"]["inline_keyboard"][0][0]["url"].startswith(
                "https://t.me/fangkong_demo_bot?start=decl-"
            )
            # The page is served on the same address.
            async with http.get(f"http://127.0.0.1:{port}/") as response:
                assert response.status == 200
                assert "/static/app.js" in await response.text()
            await help_is_answered(http, base)
            chats_before = len(await messages_of(http, base, 1003))
            moved = await move_clock(http, port, 120)
        assert (tmp_path / "data" / "sandbox.db").exists()
    finally:
        output = await stop_demo(process)
    assert f"Sandbox: open http://127.0.0.1:{port}/ in a browser" in output

    # Started again: the same chats (the bot carries on with new update ids, which it has not
    # seen), and the simulated time goes on from where it was moved to.
    saved = datetime.fromisoformat((tmp_path / "data" / "sandbox-clock.txt").read_text())
    assert saved >= moved
    process = await start_demo(tmp_path, "--port", str(port))
    async with aiohttp.ClientSession() as http:
        assert (await pinned_button(http, base))["message_id"] == pinned["message_id"]
        assert len(await messages_of(http, base, 1003)) == chats_before
        await help_is_answered(http, base)
        async with http.get(f"http://127.0.0.1:{port}/sandbox/state") as response:
            now = datetime.fromisoformat((await response.json())["result"]["now"])
        assert now >= moved
    # Killed without a chance to save the chats: the next start still numbers updates above
    # those the bot has handled, so it does not drop them as seen.
    process.kill()
    await process.wait()
    process = await start_demo(tmp_path, "--port", str(port))
    try:
        async with aiohttp.ClientSession() as http:
            await pinned_button(http, base)
            await help_is_answered(http, base)
    finally:
        await stop_demo(process)

    # It never goes back for this database.
    earlier = (saved - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = await start_demo(tmp_path, "--port", str(port), "--time", earlier)
    output_bytes, _ = await asyncio.wait_for(refused.communicate(), 30)
    assert refused.returncode == 2
    assert "add --reset to start over earlier" in output_bytes.decode()
