"""Control API errors a person can run into on the sandbox page carry a code, which the page
turns into a message in its own language (sandbox/web/api.js); the page has a text for every
code, in Chinese and in English."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.emulator import Emulator
from sandbox.emulator.actions import REFUSALS

WEB = Path(__file__).parents[2] / "sandbox" / "web"
EMULATOR = Path(__file__).parents[2] / "sandbox" / "emulator"


async def control(
    http: aiohttp.ClientSession, emu: Emulator, path: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{emu.base_url}/control{path}", json=body) as response:
        return response.status, await response.json()


def file_body(user: dict[str, Any], data: bytes, **fields: Any) -> dict[str, Any]:
    return {
        "user_id": user["id"],
        "chat_id": user["id"],
        "data_base64": base64.b64encode(data).decode(),
        **fields,
    }


async def test_a_message_over_the_limit_is_refused_with_its_reason(
    emu: Emulator, http: aiohttp.ClientSession, alice: dict[str, Any]
) -> None:
    to_self = {"user_id": alice["id"], "chat_id": alice["id"]}
    status, body = await control(http, emu, "/send", {**to_self, "text": "长" * 4097})
    assert (status, body) == (
        400,
        {"ok": False, "error": "Bad Request: message is too long", "code": "message_too_long"},
    )
    status, body = await control(http, emu, "/send", {**to_self, "text": "长" * 4096})
    assert (status, body["ok"]) == (200, True)

    status, body = await control(
        http, emu, "/send-file", file_body(alice, b"report", caption="x" * 1025)
    )
    assert (status, body["code"]) == (400, "caption_too_long")
    status, body = await control(http, emu, "/send-file", file_body(alice, b""))
    assert (status, body["code"]) == (400, "file_empty")
    status, body = await control(
        http, emu, "/send-file", file_body(alice, b"not an image", kind="photo")
    )
    assert (status, body["code"]) == (400, "bad_image")


async def test_chats_and_buttons_that_are_gone_say_so(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot, alice: dict[str, Any]
) -> None:
    group = emu.create_group("居民群", member_ids=[])
    status, body = await control(
        http, emu, "/send", {"user_id": alice["id"], "chat_id": group["id"], "text": "hi"}
    )
    assert (status, body["code"]) == (400, "not_member")

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="v1:ok")]]
    )
    sent = await bot.send_message(alice["id"], "确认？", reply_markup=markup)
    press = {"user_id": alice["id"], "chat_id": alice["id"], "message_id": sent.message_id}
    status, body = await control(http, emu, "/press", {**press, "callback_data": "v1:old"})
    assert (status, body["code"]) == (400, "button_gone")
    status, body = await control(
        http, emu, "/press", {**press, "message_id": 999, "callback_data": "v1:ok"}
    )
    assert (status, body["code"]) == (404, "message_not_found")


async def test_a_clients_own_mistakes_have_no_code(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    status, body = await control(http, emu, "/send", {"user_id": 42, "chat_id": 42, "text": "x"})
    assert (status, body) == (404, {"ok": False, "error": "unknown user 42"})


def test_the_page_has_a_text_for_every_code_in_both_languages() -> None:
    emulator_source = "".join(path.read_text("utf-8") for path in EMULATOR.glob("*.py"))
    codes = set(REFUSALS.values()) | set(re.findall(r'code="(\w+)"', emulator_source))
    assert {"message_too_long", "not_member", "button_gone"} <= codes
    api = (WEB / "api.js").read_text("utf-8")
    table = api[api.index("const ERROR_CODES") : api.index("};", api.index("const ERROR_CODES"))]
    keys = dict(re.findall(r"^\s+(\w+): '(\w+)',$", table, re.MULTILINE))
    assert codes <= keys.keys()
    i18n = (WEB / "i18n.js").read_text("utf-8")
    chinese, english = i18n[i18n.index("  zh: {") :].split("\n  en: {\n", 1)
    for key in (keys[code] for code in codes):
        assert re.search(rf"^    {key}: '[^']*[\u4e00-\u9fff]", chinese, re.MULTILINE), key
        assert re.search(rf"^    {key}: '[A-Z][^'\u4e00-\u9fff]*',$", english, re.MULTILINE), key
