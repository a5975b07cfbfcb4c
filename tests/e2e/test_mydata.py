"""/mydata end to end: after a real declaration through the emulator, the resident's copy
arrives as a UTF-8 JSON document (multipart sendDocument) holding their declaration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.live import BOT_ID, live_bot
from tests.e2e.test_casework import (
    FEVER,
    FEVER_PHONE,
    ORG,
    declare_as,
    fever_script,
    open_residents_group,
)
from tests.e2e.test_declarations import START, ZH

pytestmark = pytest.mark.e2e


async def test_the_copy_arrives_as_a_json_document(tmp_path: Path) -> None:
    async with live_bot(tmp_path, ORG, START) as bot:
        payload = await open_residents_group(bot)
        await declare_as(bot, payload, FEVER, fever_script())
        before = len(bot.emu.bot_messages(FEVER, bot=BOT_ID))
        bot.emu.user_sends(FEVER, FEVER, "/mydata", bot=BOT_ID)
        await bot.settled()
        sent = bot.emu.bot_messages(FEVER, bot=BOT_ID)[before:]
    assert any(ZH("mydata-title") in (m.get("text") or "") for m in sent)
    [document] = [m["document"] for m in sent if m.get("document")]
    assert document["file_name"].startswith("mydata-")
    assert document["file_name"].endswith(".json")
    data = json.loads(bot.emu.core.world.files[document["file_id"]].data.decode("utf-8"))
    [declaration] = data["declarations"]
    assert declaration["answers"]["name"] == "周发热"
    assert FEVER_PHONE in json.dumps(data)
