"""The Bot API surface: tokens, transports, getMe, unknown methods, the API log."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNotFound, TelegramUnauthorizedError
from aiogram.methods import TelegramMethod

from sandbox.emulator import Emulator

from .conftest import OTHER_TOKEN, TOKEN, call, make_bot


async def test_get_me_describes_the_bot(emu: Emulator, bot: Bot) -> None:
    emu.add_bot(TOKEN, username="fangkong_bot", first_name="防控助手")
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username, me.first_name) == (
        123456789,
        True,
        "fangkong_bot",
        "防控助手",
    )
    assert me.can_read_all_group_messages is False  # privacy mode is on by default


async def test_any_wellformed_token_is_a_bot_and_others_are_unauthorized(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, emu, "getMe", token=OTHER_TOKEN)
    assert status == 200
    assert body["result"]["id"] == 987654321
    assert body["result"]["username"] == "sandbox_987654321_bot"

    status, body = await call(http, emu, "getMe", token="123:short")
    assert (status, body) == (401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    # Same bot id with another secret is a revoked token.
    status, _ = await call(http, emu, "getMe", token="123456789:" + "x" * 35)
    assert status == 401

    bad = make_bot(emu, "123456789:" + "y" * 35)
    with pytest.raises(TelegramUnauthorizedError):
        await bad.get_me()
    await bad.session.close()


async def test_unknown_method_is_404_and_names_are_case_insensitive(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot
) -> None:
    status, body = await call(http, emu, "sendTelepathy")
    assert (status, body["description"]) == (404, "Not Found")
    status, body = await call(http, emu, "GETME")
    assert status == 200
    assert body["result"]["id"] == 123456789

    class Telepathy(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "sendTelepathy"

    with pytest.raises(TelegramNotFound):
        await bot(Telepathy())


async def test_parameters_arrive_by_query_form_multipart_and_json(
    emu: Emulator, http: aiohttp.ClientSession, alice: dict[str, Any]
) -> None:
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    chat = alice["id"]
    # GET with a query string.
    async with http.get(
        f"{emu.base_url}/bot{TOKEN}/sendMessage", params={"chat_id": str(chat), "text": "q"}
    ) as response:
        assert response.status == 200
    # urlencoded form: objects are JSON strings, numbers are strings.
    status, form = await call(
        http,
        emu,
        "sendMessage",
        data={
            "chat_id": str(chat),
            "text": "<b>f</b>",
            "parse_mode": "HTML",
            "reply_markup": json.dumps(markup),
        },
    )
    assert status == 200
    assert form["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 1}]
    assert form["result"]["reply_markup"] == markup
    # multipart form without files.
    data = aiohttp.FormData()
    data.add_field("chat_id", str(chat))
    data.add_field("text", "m")
    data.add_field("reply_markup", json.dumps(markup))
    status, multi = await call(http, emu, "sendMessage", data=data)
    assert status == 200
    assert multi["result"]["text"] == "m"
    # JSON body keeps types.
    status, body = await call(
        http, emu, "sendMessage", json={"chat_id": chat, "text": "j", "reply_markup": markup}
    )
    assert status == 200
    assert body["result"]["reply_markup"] == markup
    assert [m["text"] for m in emu.bot_messages(chat)] == ["q", "f", "m", "j"]


async def test_missing_chat_id_and_unparsable_json(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    status, body = await call(http, emu, "sendMessage", json={"text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")
    async with http.post(
        f"{emu.base_url}/bot{TOKEN}/sendMessage",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    ) as response:
        assert response.status == 400


async def test_every_call_is_logged(
    emu: Emulator, http: aiohttp.ClientSession, alice: dict[str, object]
) -> None:
    await call(http, emu, "sendMessage", json={"chat_id": alice["id"], "text": "hello there"})
    await call(http, emu, "sendMessage", json={"chat_id": 5, "text": "nobody"})
    ok, failed = emu.api_calls("sendMessage")[-2:]
    assert ok["chat_id"] == alice["id"]
    assert ok["text"] == "hello there"
    assert (ok["status"], ok["error"]) == (200, None)
    assert (failed["status"], failed["error"]) == (400, "Bad Request: chat not found")
    assert failed["bot_id"] == 123456789
    assert "time" in failed
