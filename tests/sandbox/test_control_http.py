"""The control API over HTTP, including the event long poll and the SSE stream."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.emulator import Emulator

from .conftest import TOKEN


async def control(
    http: aiohttp.ClientSession,
    emu: Emulator,
    verb: str,
    path: str,
    body: dict[str, Any] | None = None,
    expect: int = 200,
) -> Any:
    async with http.request(verb, f"{emu.base_url}/control{path}", json=body) as response:
        payload = await response.json()
        assert response.status == expect, payload
        return payload["result"] if payload["ok"] else payload["error"]


async def test_people_and_chats_through_http(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot
) -> None:
    user = await control(http, emu, "POST", "/users", {"first_name": "王芳", "username": "wf"})
    other = await control(http, emu, "POST", "/users", {"first_name": "李雷"})
    group = await control(
        http, emu, "POST", "/groups", {"title": "小区群", "member_ids": [user["id"]]}
    )
    assert group["members"][str(user["id"])]["status"] == "creator"
    await control(http, emu, "POST", f"/groups/{group['id']}/members", {"user_id": other["id"]})
    await control(
        http,
        emu,
        "POST",
        f"/groups/{group['id']}/bots",
        {"status": "administrator", "rights": {"can_pin_messages": True}},
    )
    sent = await control(
        http, emu, "POST", "/send", {"user_id": user["id"], "chat_id": user["id"], "text": "/start"}
    )
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

    chats = await control(http, emu, "GET", f"/users/{user['id']}/chats")
    assert [(c["type"], c["title"]) for c in chats] == [
        ("private", "Sandbox Bot"),
        ("supergroup", "小区群"),
    ]
    assert chats[0]["last_message"]["text"] == "/start"

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="好", callback_data="ok")]]
    )
    reply = await bot.send_message(user["id"], "请确认", reply_markup=markup)
    messages = await control(http, emu, "GET", f"/chats/{user['id']}/messages")
    assert [m["text"] for m in messages] == ["/start", "请确认"]
    later = await control(http, emu, "GET", f"/chats/{user['id']}/messages?after_message_id=1")
    assert [m["message_id"] for m in later] == [reply.message_id]
    pressed = await control(
        http,
        emu,
        "POST",
        "/press",
        {
            "user_id": user["id"],
            "chat_id": user["id"],
            "message_id": reply.message_id,
            "callback_data": "ok",
        },
    )
    updates = await bot.get_updates()
    assert updates[-1].callback_query is not None
    assert updates[-1].callback_query.id == pressed["callback_query_id"]

    error = await control(
        http, emu, "POST", "/send", {"user_id": other["id"], "chat_id": -1, "text": "x"}, expect=404
    )
    assert "unknown group" in error
    error = await control(http, emu, "POST", "/send", {"user_id": other["id"]}, expect=400)
    assert error == "missing field 'chat_id'"


async def test_settings_log_and_state_through_http(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot
) -> None:
    limits = await control(http, emu, "POST", "/rate-limits", {"enabled": True, "scale": 10})
    assert (limits["enabled"], limits["scale"], limits["private_per_s"]) == (True, 10.0, 1.0)
    fault = await control(
        http, emu, "POST", "/faults", {"kind": "5xx", "method": "getMe", "status": 500}
    )
    assert fault["remaining"] == 1
    async with http.get(f"{emu.base_url}/bot123456789:{'a' * 35}/getMe") as response:
        assert response.status == 401  # another secret for the same id: no fault consumed
    assert await control(http, emu, "GET", "/faults") == [fault]
    assert await control(http, emu, "DELETE", "/faults") == []
    await bot.get_me()
    log = await control(http, emu, "GET", "/log?method=getMe")
    assert [(entry["status"], entry["bot_id"]) for entry in log] == [(401, None), (200, 123456789)]

    clock = await control(http, emu, "POST", "/clock", {"offset_seconds": 86400})
    assert clock["offset_seconds"] == 86400
    user = emu.create_user("Tom")
    message = emu.user_sends(user["id"], user["id"], "tomorrow")
    assert message["date_iso"].startswith(clock["now"][:10])

    state = await control(http, emu, "GET", "/state")
    assert state["bots"][0]["username"] == "sandbox_bot"
    assert state["users"][0]["first_name"] == "Tom"
    await control(http, emu, "POST", "/reset")
    state = await control(http, emu, "GET", "/state")
    assert state["users"] == []
    assert state["bots"][0]["id"] == 123456789


async def test_event_long_poll_wakes_on_new_messages(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot
) -> None:
    user = emu.create_user("Ann")
    emu.user_sends(user["id"], user["id"], "/start")
    start = (await control(http, emu, "GET", "/events?after=0"))["last_id"]
    poll = asyncio.create_task(control(http, emu, "GET", f"/events?after={start}&timeout=5"))
    await asyncio.sleep(0.1)
    assert not poll.done()
    sent = await bot.send_message(user["id"], "你好")
    result = await asyncio.wait_for(poll, 2)
    event = result["events"][0]  # the API call's own event follows once the request ends
    assert event["type"] == "message_new"
    assert event["message"]["text"] == "你好"
    assert event["chat_id"] == user["id"]
    assert event["bot_id"] == 123456789
    assert result["last_id"] == result["events"][-1]["id"]
    await bot.edit_message_text("您好", chat_id=user["id"], message_id=sent.message_id)
    await bot.delete_message(user["id"], sent.message_id)
    later = await control(http, emu, "GET", f"/events?after={event['id']}")
    assert [(e["type"], e.get("entry", {}).get("method")) for e in later["events"]] == [
        ("api_call", "sendMessage"),
        ("message_edited", None),
        ("api_call", "editMessageText"),
        ("message_deleted", None),
        ("api_call", "deleteMessage"),
    ]


async def test_server_sent_events_stream(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot
) -> None:
    user = emu.create_user("Sse")
    emu.user_sends(user["id"], user["id"], "/start")
    async with http.get(f"{emu.base_url}/control/events/stream") as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        await bot.send_message(user["id"], "流")
        events: list[dict[str, Any]] = []
        kind = None
        while not events:
            line = (await asyncio.wait_for(response.content.readline(), 2)).decode().strip()
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
        assert kind == "message_new"
        assert events[0]["message"]["text"] == "流"


async def test_file_download_through_control(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot
) -> None:
    user = emu.create_user("F")
    emu.user_sends(user["id"], user["id"], "/start")
    sent = await bot.send_document(user["id"], BufferedInputFile(b"abc", filename="a.bin"))
    assert sent.document is not None
    async with http.get(f"{emu.base_url}/control/files/{sent.document.file_id}") as response:
        assert await response.read() == b"abc"
    await control(http, emu, "GET", "/files/nope", expect=404)
    # A page's download link keeps the name, Chinese included; a photo shows inline.
    report = await bot.send_document(
        user["id"], BufferedInputFile(b"PK", filename="日报 11-23.xlsx")
    )
    assert report.document is not None
    async with http.get(f"{emu.base_url}/control/files/{report.document.file_id}") as response:
        assert response.content_type == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''%E6%97%A5%E6%8A%A5%2011-23.xlsx" in disposition
    inline = f"{emu.base_url}/control/files/{report.document.file_id}?inline=1"
    async with http.get(inline) as response:
        assert "Content-Disposition" not in response.headers


async def test_only_this_machine_and_pages_of_this_address_may_call(
    emu: Emulator, http: aiohttp.ClientSession
) -> None:
    state = f"{emu.base_url}/control/state"
    # A name that resolves here by DNS rebinding is refused, as is a page of another site.
    async with http.get(state, headers={"Host": f"attacker.example:{emu.port}"}) as response:
        assert response.status == 403
    for origin in ("http://attacker.example", "null", "http://127.0.0.1:1"):
        async with http.post(
            f"{emu.base_url}/control/users", json={"first_name": "X"}, headers={"Origin": origin}
        ) as response:
            assert response.status == 403, origin
    # Nor may a link or an image of another site call the Bot API without an Origin header.
    sneaky = f"{emu.base_url}/bot{TOKEN}/getMe"
    async with http.get(sneaky, headers={"Sec-Fetch-Site": "cross-site"}) as response:
        assert response.status == 403
    async with http.get(sneaky, headers={"Sec-Fetch-Site": "same-origin"}) as response:
        assert response.status == 200
    assert emu.users() == []
    for host in (f"127.0.0.1:{emu.port}", f"localhost:{emu.port}"):
        async with http.get(state, headers={"Host": host}) as response:
            assert response.status == 200
    same_site = {"Origin": f"http://localhost:{emu.port}"}
    async with http.post(
        f"{emu.base_url}/control/users", json={"first_name": "Y"}, headers=same_site
    ) as response:
        assert response.status == 200


async def test_send_file_through_control(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot
) -> None:
    user = emu.create_user("G")
    sent = await control(
        http,
        emu,
        "POST",
        "/send-file",
        {
            "user_id": user["id"],
            "chat_id": user["id"],
            "data_base64": base64.b64encode(b"report").decode(),
            "filename": "r.txt",
            "caption": "日报",
        },
    )
    assert sent["document"]["file_name"] == "r.txt"
    assert sent["caption"] == "日报"
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.document is not None
    assert emu.file_bytes(update.message.document.file_id) == b"report"
    error = await control(
        http,
        emu,
        "POST",
        "/send-file",
        {"user_id": user["id"], "chat_id": user["id"], "data_base64": "%%%"},
        expect=400,
    )
    assert "base64" in error


class MovableClock:
    """Shaped like the bot's AdjustableClock: an object with now()."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


async def test_injected_clock_dates_messages_and_restart_works() -> None:
    clock = MovableClock()
    emulator = Emulator(clock=clock)
    await emulator.start()
    emulator.add_bot(TOKEN)
    user = emulator.create_user("Z")
    first = emulator.user_sends(user["id"], user["id"], "/start")
    assert first["date_iso"] == "2026-05-01T09:30:00+00:00"
    assert first["chat"] == {"id": user["id"], "type": "private", "first_name": "Z"}
    clock.moment += timedelta(days=1)
    emulator.set_clock_offset(3600)
    second = emulator.user_sends(user["id"], user["id"], "later")
    assert second["date_iso"] == "2026-05-02T10:30:00+00:00"
    await emulator.stop()
    # A stopped emulator keeps its state and can serve again.
    await emulator.start()
    async with aiohttp.ClientSession() as http:
        messages = await control(http, emulator, "GET", f"/chats/{user['id']}/messages")
    assert [m["text"] for m in messages] == ["/start", "later"]
    await emulator.stop()
