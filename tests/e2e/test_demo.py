"""`make demo` (python -m bot sandbox) starts, answers through the emulator and stops on Ctrl-C."""

import asyncio
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import START_TIMEOUT, free_port

pytestmark = pytest.mark.e2e


async def test_the_demo_runs_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}/control"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--port",
        str(port),
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with aiohttp.ClientSession() as http:
            deadline = asyncio.get_running_loop().time() + START_TIMEOUT
            pinned = None
            while pinned is None:
                assert asyncio.get_running_loop().time() < deadline, "the demo did not come up"
                await asyncio.sleep(0.2)
                try:
                    async with http.get(f"{base}/chats/-1001000000003/messages") as response:
                        answer = await response.json()
                except aiohttp.ClientError:
                    continue  # not listening yet
                if not answer["ok"]:
                    continue  # the emulator is up but the demo groups are not seeded yet
                messages = answer["result"]
                pinned = next((m for m in messages if m["pinned"]), None)
            # The residents group got its declare button, pinned, on the first start.
            assert pinned["reply_markup"]["inline_keyboard"][0][0]["url"].startswith(
                "https://t.me/fangkong_demo_bot?start=decl-"
            )
            send = {"user_id": 1003, "chat_id": 1003, "text": "/help"}
            async with http.post(f"{base}/send", json=send) as response:
                assert (await response.json())["ok"]
            for _ in range(150):
                async with http.get(f"{base}/chats/1003/messages") as response:
                    texts = [m["text"] for m in (await response.json())["result"]]
                if any(text.startswith("Commands") for text in texts):
                    break
                await asyncio.sleep(0.2)
            else:
                raise AssertionError(f"no answer to /help: {texts}")
        assert (tmp_path / "data" / "sandbox.db").exists()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert "Bot API emulator: http://127.0.0.1:" in output.decode()
