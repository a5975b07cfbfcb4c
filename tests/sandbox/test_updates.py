"""Update delivery: long polling, offsets, allowed_updates, webhooks and redelivery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramConflictError
from aiogram.filters import Command, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from sandbox.emulator import Emulator

BOT_ID = 123456789


async def test_long_poll_returns_as_soon_as_an_update_arrives(emu: Emulator, bot: Bot) -> None:
    user = emu.create_user("Bob")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)
    assert not poll.done()
    emu.user_sends(user["id"], user["id"], "/start")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "/start"
    assert message.entities is not None
    assert message.entities[0].type == "bot_command"
    assert message.chat.id == user["id"] == message.from_user.id  # type: ignore[union-attr]


async def test_empty_long_poll_times_out_with_no_updates(emu: Emulator, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 < time.monotonic() - started < 2


async def test_offset_confirms_updates(emu: Emulator, bot: Bot) -> None:
    user = emu.create_user("Carol")
    for text in ("one", "two", "three"):
        emu.user_sends(user["id"], user["id"], text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["one", "two"]  # type: ignore[union-attr]
    # Without a higher offset nothing is confirmed.
    assert len(await bot.get_updates()) == 3
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["three"]  # type: ignore[union-attr]
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == []
    assert emu.pending_updates() == []


async def test_negative_offset_keeps_only_the_latest(emu: Emulator, bot: Bot) -> None:
    user = emu.create_user("Dan")
    for text in ("a", "b", "c"):
        emu.user_sends(user["id"], user["id"], text)
    updates = await bot.get_updates(offset=-1)
    assert [u.message.text for u in updates] == ["c"]  # type: ignore[union-attr]


async def test_allowed_updates_filters_new_updates(emu: Emulator, bot: Bot) -> None:
    user = emu.create_user("Eve")
    await bot.get_updates(allowed_updates=["callback_query"])
    emu.user_sends(user["id"], user["id"], "ignored")
    assert await bot.get_updates() == []
    # The setting persists until changed; [] restores Telegram's default set.
    await bot.get_updates(allowed_updates=[])
    emu.user_sends(user["id"], user["id"], "seen")
    assert [u.message.text for u in await bot.get_updates()] == ["seen"]  # type: ignore[union-attr]


async def test_second_long_poll_terminates_the_first(emu: Emulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(bot.get_updates())
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)
    assert await second == []


async def test_duplicate_update_arrives_twice_in_one_batch(emu: Emulator, bot: Bot) -> None:
    user = emu.create_user("Fay")
    emu.user_sends(user["id"], user["id"], "/start")
    emu.duplicate_last_update()
    raw = {"message": {"message_id": 99, "date": 0, "chat": {"id": 1, "type": "private"}}}
    injected = emu.queue_update(BOT_ID, raw, deliver_twice=True)
    updates = await bot.get_updates()
    ids = [u.update_id for u in updates]
    assert ids[0] == ids[1]
    assert ids[2] == ids[3] == injected["update_id"]
    assert ids[0] != ids[2]


class WebhookSink:
    """A local webhook endpoint that fails the first ``failures`` deliveries with 500."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append((body, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        self.arrived.set()
        return web.json_response({})


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def sink() -> AsyncIterator[tuple[WebhookSink, str]]:
    endpoint = WebhookSink(failures=2)
    app = web.Application()
    app.router.add_post("/hook", endpoint.handle)
    runner, base = await serve(app)
    yield endpoint, f"{base}/hook"
    await runner.cleanup()


async def test_webhook_delivery_with_secret_and_redelivery_after_500(
    emu: Emulator, bot: Bot, sink: tuple[WebhookSink, str]
) -> None:
    endpoint, url = sink
    await bot.set_webhook(url, secret_token="s3cret_token-1")
    user = emu.create_user("Gus")
    emu.user_sends(user["id"], user["id"], "/start")
    await asyncio.wait_for(endpoint.arrived.wait(), 3)
    # Two 500s, then success: the same update (same update_id) three times, with the secret.
    assert len(endpoint.received) == 3
    assert {body["update_id"] for body, _ in endpoint.received} == {100000001}
    assert {secret for _, secret in endpoint.received} == {"s3cret_token-1"}
    info = await bot.get_webhook_info()
    assert info.url == url
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/hook",
        # Names that merely start like a loopback address can resolve anywhere.
        "http://localhost.example.com/hook",
        "http://127.0.0.1.nip.io/hook",
        "http://127.attacker.example/hook",
    ],
)
async def test_webhook_rejects_non_loopback_urls(emu: Emulator, bot: Bot, url: str) -> None:
    with pytest.raises(Exception, match="loopback"):
        await bot.set_webhook(url)


async def test_webhook_redirects_are_not_followed(emu: Emulator, bot: Bot) -> None:
    followed: list[str] = []

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect("/elsewhere")

    async def elsewhere(request: web.Request) -> web.Response:
        followed.append(await request.text())
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", redirect)
    app.router.add_post("/elsewhere", elsewhere)
    runner, base = await serve(app)
    try:
        await bot.set_webhook(f"{base}/hook")
        user = emu.create_user("Hal")
        emu.user_sends(user["id"], user["id"], "/start")
        for _ in range(100):
            info = await bot.get_webhook_info()
            if info.last_error_message:
                break
            await asyncio.sleep(0.02)
        # Like Telegram: a redirect is a wrong response, and the update stays pending.
        assert info.last_error_message == "Wrong response from the webhook: 307 Temporary Redirect"
        assert followed == []
        await bot.delete_webhook()
    finally:
        await runner.cleanup()


async def test_webhook_redelivers_duplicates(
    emu: Emulator, bot: Bot, sink: tuple[WebhookSink, str]
) -> None:
    endpoint, url = sink
    endpoint.failures = 0
    await bot.set_webhook(url)
    emu.queue_update(BOT_ID, {"message": {"message_id": 1}}, deliver_twice=True)
    for _ in range(100):
        if len(endpoint.received) == 2:
            break
        await asyncio.sleep(0.02)
    assert [body["update_id"] for body, _ in endpoint.received] == [100000001, 100000001]


def build_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="健康", callback_data="ok")]]
        )
        await message.answer("<b>欢迎</b>，请报告", parse_mode="HTML", reply_markup=keyboard)

    @dp.message(Command("ping"))
    async def ping(message: Message) -> SendMessage:
        # Returning the method (not awaiting it) lets aiogram answer a webhook with it.
        return message.answer("pong")

    @dp.callback_query(F.data == "ok")
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("已记录")
        if isinstance(query.message, Message):
            await query.message.edit_text("已报告：健康")

    return dp


async def test_real_aiogram_dispatcher_by_polling(emu: Emulator, bot: Bot) -> None:
    dp = build_dispatcher()
    polling = asyncio.create_task(
        dp.start_polling(bot, polling_timeout=1, handle_signals=False, close_bot_session=False)
    )
    try:
        user = emu.create_user("Hui")
        emu.user_sends(user["id"], user["id"], "/start")
        reply = await emu.wait_for_message(user["id"])
        assert reply["text"] == "欢迎，请报告"
        assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
        query_id = emu.press_button(user["id"], user["id"], reply["message_id"], "ok")
        edited = await emu.wait_for_message(user["id"], lambda m: m["edited"])
        assert edited["text"] == "已报告：健康"
        assert edited["reply_markup"] is None
        assert edited["edit_history"][0]["text"] == "欢迎，请报告"
        for _ in range(50):
            if emu.callback_answer(query_id):
                break
            await asyncio.sleep(0.02)
        assert emu.callback_answer(query_id) is not None
        assert emu.callback_answer(query_id)["text"] == "已记录"  # type: ignore[index]
    finally:
        await dp.stop_polling()
        await polling


async def test_real_aiogram_dispatcher_by_webhook_with_method_in_reply(
    emu: Emulator, bot: Bot
) -> None:
    dp = build_dispatcher()
    app = web.Application()
    # handle_in_background=False makes aiogram answer the webhook with the method call.
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="abc").register(
        app, path="/hook"
    )
    runner, base = await serve(app)
    try:
        await bot.set_webhook(f"{base}/hook", secret_token="abc")
        user = emu.create_user("Ivy")
        emu.user_sends(user["id"], user["id"], "/start")
        reply = await emu.wait_for_message(user["id"])
        assert reply["text"] == "欢迎，请报告"
        assert emu.api_calls("sendMessage")[-1]["transport"] == "http"
        emu.user_sends(user["id"], user["id"], "/ping")
        assert (await emu.wait_for_message(user["id"]))["text"] == "pong"
        log = emu.api_calls("sendMessage")
        assert log[-1]["transport"] == "webhook-reply"
        assert log[-1]["status"] == 200
    finally:
        await runner.cleanup()


async def test_stop_ends_open_long_polls_quickly(http: aiohttp.ClientSession) -> None:
    emulator = Emulator()
    await emulator.start()
    url = f"{emulator.base_url}/bot123456789:{'a' * 35}/getUpdates?timeout=30"
    poll = asyncio.create_task(http.get(url))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await emulator.stop()
    response = await asyncio.wait_for(poll, 3)
    assert (await response.json())["result"] == []
    assert time.monotonic() - started < 2.5


async def test_a_long_poll_is_known_when_it_starts_not_only_when_it_returns(
    emu: Emulator, bot: Bot
) -> None:
    user = emu.create_user("Dora")
    assert emu.polls_started(BOT_ID) == 0
    assert not emu.is_polling(BOT_ID)
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.wait_for(emu.wait_until_polling(BOT_ID), 2)
    # Waiting with nothing pending: idle, although the API log has no getUpdates yet.
    assert emu.polls_started(BOT_ID) == 1
    assert emu.is_polling(BOT_ID)
    assert emu.is_polling(BOT_ID, after=1) is False
    assert emu.is_idle(BOT_ID)
    assert emu.api_calls("getUpdates") == []
    info = emu.bot_info(BOT_ID)
    assert (info["polling"], info["polls_started"]) == (True, 1)
    emu.user_sends(user["id"], user["id"], "hi")
    assert not emu.is_idle(BOT_ID)  # something is pending
    [update] = await asyncio.wait_for(poll, 2)
    # Fetched but not confirmed yet: still pending, and no poll waits.
    assert not emu.is_polling(BOT_ID)
    assert emu.pending_updates(BOT_ID)
    with pytest.raises(TimeoutError, match="did not take its 1 pending updates"):
        await emu.wait_until_idle(BOT_ID, timeout=0.05)
    # The next poll confirms it and waits: now the bot has taken everything.
    poll = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=10))
    await asyncio.wait_for(emu.wait_until_idle(BOT_ID), 2)
    assert emu.polls_started(BOT_ID) == 2
    assert emu.is_polling(BOT_ID, after=1)
    assert emu.pending_updates(BOT_ID) == []
    poll.cancel()


async def test_waiting_for_a_poll_that_never_comes_times_out(emu: Emulator) -> None:
    with pytest.raises(TimeoutError, match="did not start a long poll"):
        await emu.wait_until_polling(BOT_ID, timeout=0.05)
