"""The foundation's promises, shown with the real bot process over HTTP."""

import asyncio
import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from domain.org import Language
from sandbox.emulator import Emulator
from tests.e2e.conftest import BOT_ID, BotProcess, Chat, eventually, people, webhook_process
from texts.i18n import Translator


def _plain(tr: Translator) -> Callable[..., str]:
    """Catalog text as a Telegram client shows it: entities parsed, markup gone."""

    def render(key: str, **values: object) -> str:
        return html.unescape(re.sub(r"<[^>]+>", "", tr(key, **values)))

    return render


ZH = _plain(Translator(Language.ZH_CN))
EN = _plain(Translator(Language.EN))
DONGGUAN_RESIDENTS = -1001000000003
DONGGUAN = "示范县疫情防控办公室 / 城关镇 / 东关村"

pytestmark = pytest.mark.e2e


def demo_people(emulator: Emulator) -> None:
    people(emulator, (1001, "zh-hans"), (1002, "zh-hans"), (1003, "en"), (2001, "zh-hans"))
    people(emulator, (5001, "zh-hans"), (5002, "en"), (5003, "zh-hans"))


async def test_onboarding_by_invite_link_and_binding_a_group(
    emulator: Emulator, bot_process: BotProcess, chat: Chat
) -> None:
    demo_people(emulator)
    await bot_process.start()

    reply = await chat.say(1002, "/invite liaison dongguan")
    token = re.search(r"start=inv_([\w-]+)", reply["text"])
    assert token, reply["text"]
    welcome = await chat.say(5001, f"/start inv_{token.group(1)}")
    assert welcome["text"] == ZH("invite-accepted", unit=DONGGUAN, role=ZH("role-liaison"))
    assert (await chat.say(5003, f"/start inv_{token.group(1)}"))["text"] == ZH("invite-used")

    group = emulator.create_group(
        "东关村居民群", chat_id=DONGGUAN_RESIDENTS, member_ids=[1002, 5002]
    )
    emulator.add_bot_to_group(group["id"], BOT_ID, "administrator", can_pin_messages=True)
    bound = await chat.say(1002, "/bind dongguan residents", chat_id=group["id"])
    assert bound["text"].startswith(ZH("bind-done", unit=DONGGUAN))
    join_post = await emulator.wait_for_message(
        group["id"],
        lambda m: "inline_keyboard" in str(m.get("reply_markup")),
        bot=BOT_ID,
        after_message_id=bound["message_id"],
        timeout=30,
    )
    pinned = await eventually(lambda: emulator.pinned_message(group["id"], bot=BOT_ID))
    assert pinned["message_id"] == join_post["message_id"]
    url = join_post["reply_markup"]["inline_keyboard"][0][0]["url"]
    payload = url.split("start=")[1]
    # The button joins the person as a resident of the unit and starts their declaration.
    # The privacy notice comes first, in the person's language.
    notice = await chat.say(5002, f"/start {payload}")
    assert EN("notice-body", unit="东关村", days=30) in notice["text"]
    await chat.press(5002, notice, 0, 0)
    started = await emulator.wait_for_message(
        5002,
        lambda m: m["text"] == EN("declare-intro", unit="东关村"),
        bot=BOT_ID,
        after_message_id=notice["message_id"],
        timeout=30,
    )
    assert started["text"] == EN("declare-intro", unit="东关村")


async def test_help_differs_by_role_and_language_and_wrong_roles_are_refused(
    emulator: Emulator, bot_process: BotProcess, chat: Chat
) -> None:
    demo_people(emulator)
    await bot_process.start()
    resident = (await chat.say(5001, "/help"))["text"]
    supervisor_zh = (await chat.say(1002, "/help"))["text"]
    supervisor_en = (await chat.say(1003, "/help"))["text"]  # 赵书记 chose English
    assert "/invite" not in resident
    assert ZH("cmd-invite") in supervisor_zh
    assert EN("cmd-invite") in supervisor_en
    assert (await chat.say(2001, "/invite liaison dongguan"))["text"] == ZH("perm-not-supervisor")
    # Menus are registered per scope and language.
    assert emulator.commands(BOT_ID, {"type": "all_private_chats"}, "en")
    assert emulator.commands(BOT_ID, {"type": "all_private_chats"}, "zh")


async def test_the_bot_survives_a_failing_handler(
    emulator: Emulator, bot_process: BotProcess, chat: Chat
) -> None:
    demo_people(emulator)
    group = emulator.create_group("测试群", member_ids=[1001])
    emulator.add_bot_to_group(group["id"], BOT_ID, "administrator", can_pin_messages=True)
    await bot_process.start()
    # getChatMember keeps failing: the /bind handler gives up with an error after its retries.
    emulator.inject_fault("5xx", count=50, method="getChatMember", status=500)
    failed = await chat.say(1001, "/bind dongguan work", chat_id=group["id"])
    assert failed["text"] == ZH("error-generic")
    emulator.clear_faults()
    assert (await chat.say(1001, "/help"))["text"].startswith(ZH("help-title"))


async def test_a_duplicate_update_is_processed_once(
    emulator: Emulator, bot_process: BotProcess, chat: Chat
) -> None:
    demo_people(emulator)
    await bot_process.start()
    await chat.say(1001, "/whoami")
    sent = emulator.user_sends(1001, 1001, "/help", bot=BOT_ID)
    emulator.duplicate_last_update(BOT_ID)
    await emulator.wait_for_message(
        1001,
        lambda m: m["text"].startswith(ZH("help-title")),
        bot=BOT_ID,
        timeout=30,
        after_message_id=sent["message_id"],
    )
    await chat.say(1001, "/whoami")  # processed after both copies of /help
    helps = [
        m for m in emulator.bot_messages(1001, bot=BOT_ID) if m["text"].startswith(ZH("help-title"))
    ]
    assert len(helps) == 1


async def test_a_429_is_retried_after_retry_after(
    emulator: Emulator, bot_process: BotProcess, chat: Chat
) -> None:
    demo_people(emulator)
    await bot_process.start()
    emulator.inject_fault("429", count=1, method="sendMessage", retry_after=2)
    started = asyncio.get_running_loop().time()
    reply = await chat.say(1001, "/help")
    assert reply["text"].startswith(ZH("help-title"))
    assert asyncio.get_running_loop().time() - started >= 2
    statuses = [c["status"] for c in emulator.api_calls("sendMessage", bot=BOT_ID)]
    assert statuses[-2:] == [429, 200]


async def test_a_dialog_draft_survives_a_restart(
    emulator: Emulator, bot_process: BotProcess, chat: Chat
) -> None:
    demo_people(emulator)
    await bot_process.start()
    question = await chat.say(1002, "/invite")
    roles = question["reply_markup"]["inline_keyboard"]
    liaison = next(b for row in roles for b in row if b["text"] == ZH("role-liaison"))
    emulator.press_button(1002, 1002, question["message_id"], liaison["callback_data"], bot=BOT_ID)
    units = await emulator.wait_for_message(
        1002,
        lambda m: ZH("invite-choose-unit", role=ZH("role-liaison")) == m["text"],
        bot=BOT_ID,
        timeout=30,
    )
    # The step commits when its update's transaction ends, just after the edit above.
    await eventually(lambda: bot_process.fsm_state(1002) == "InviteWizard:choosing_unit")
    await bot_process.kill()  # no graceful shutdown
    await bot_process.start()
    dongguan = next(
        b for row in units["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "东关村"
    )
    emulator.press_button(1002, 1002, units["message_id"], dongguan["callback_data"], bot=BOT_ID)
    link = await emulator.wait_for_message(
        1002, lambda m: "start=inv_" in m["text"], bot=BOT_ID, timeout=30
    )
    assert link["text"].startswith(ZH("invite-created", role=ZH("role-liaison"), unit=DONGGUAN))


async def test_webhook_mode(
    emulator: Emulator, tmp_path: Path, chat: Chat, demo_org_database: Path
) -> None:
    process, port = webhook_process(emulator, tmp_path)
    process.use_database(demo_org_database)
    demo_people(emulator)
    await process.start()
    try:
        info = emulator.bot_info(BOT_ID)
        assert info["webhook"]["url"] == f"http://127.0.0.1:{port}/telegram/webhook"
        assert (await chat.say(1003, "/help"))["text"].startswith(EN("help-title"))
    finally:
        await process.stop()
