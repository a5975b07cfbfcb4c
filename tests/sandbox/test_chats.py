"""Chats, members, privacy mode, service updates and bot commands."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from sandbox.emulator import Emulator

from .conftest import OTHER_TOKEN, make_bot

User = dict[str, Any]


@pytest.fixture
def group(emu: Emulator, alice: User) -> dict[str, Any]:
    bob = emu.create_user("Bob")
    created = emu.create_group("三号楼", member_ids=[alice["id"], bob["id"]])
    created["bob"] = bob
    return created


async def test_get_chat_member_and_administrators(
    emu: Emulator, bot: Bot, alice: User, group: dict[str, Any]
) -> None:
    emu.add_bot_to_group(group["id"], status="administrator", can_pin_messages=True)
    carol = emu.create_user("Carol")
    emu.add_member(group["id"], carol["id"], "administrator", rights={"can_pin_messages": False})
    owner = await bot.get_chat_member(group["id"], alice["id"])
    assert owner.status == "creator"
    plain = await bot.get_chat_member(group["id"], group["bob"]["id"])
    assert plain.status == "member"
    admin = await bot.get_chat_member(group["id"], carol["id"])
    assert isinstance(admin, ChatMemberAdministrator)
    assert admin.can_pin_messages is False
    me = await bot.get_chat_member(group["id"], 123456789)
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_pin_messages is True
    outsider = emu.create_user("Out")
    assert (await bot.get_chat_member(group["id"], outsider["id"])).status == "left"
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await bot.get_chat_member(group["id"], 5)
    admins = await bot.get_chat_administrators(group["id"])
    # Bots are not listed, like Telegram's getChatAdministrators.
    assert sorted(m.user.id for m in admins) == sorted([alice["id"], carol["id"]])
    with pytest.raises(TelegramBadRequest, match="no administrators in the private chat"):
        await bot.get_chat_administrators(alice["id"])
    assert await bot.get_chat_member_count(group["id"]) == 4


async def test_get_chat(emu: Emulator, bot: Bot, alice: User, group: dict[str, Any]) -> None:
    private = await bot.get_chat(alice["id"])
    assert (private.type, private.first_name, private.username) == ("private", "Alice", "alice")
    emu.add_bot_to_group(group["id"])
    chat = await bot.get_chat(group["id"])
    assert (chat.type, chat.title) == ("supergroup", "三号楼")
    stranger = emu.create_user("Nobody")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(stranger["id"])


async def test_adding_the_bot_sends_my_chat_member_and_service_message(
    emu: Emulator, bot: Bot, alice: User, group: dict[str, Any]
) -> None:
    emu.add_bot_to_group(group["id"], status="administrator", can_pin_messages=False)
    updates = await bot.get_updates()
    assert [u.event_type for u in updates] == ["my_chat_member", "message"]
    change = updates[0].my_chat_member
    assert change is not None
    assert change.from_user.id == alice["id"]
    assert (change.old_chat_member.status, change.new_chat_member.status) == (
        "left",
        "administrator",
    )
    joined = updates[1].message
    assert joined is not None
    assert joined.new_chat_members is not None
    assert joined.new_chat_members[0].id == 123456789


async def test_privacy_mode_limits_what_a_member_bot_sees(
    emu: Emulator, bot: Bot, alice: User, group: dict[str, Any]
) -> None:
    emu.add_bot_to_group(group["id"])
    await bot.get_updates(offset=-1)
    await bot.get_updates(offset=(await bot.get_updates())[-1].update_id + 1)
    bob = group["bob"]["id"]
    emu.user_sends(alice["id"], group["id"], "今天大家都好吗")
    emu.user_sends(alice["id"], group["id"], "/report")
    emu.user_sends(alice["id"], group["id"], "/report@other_bot")
    emu.user_sends(alice["id"], group["id"], "/report@sandbox_bot 36.8")
    mine = await bot.send_message(group["id"], "请报告体温")
    emu.user_sends(bob, group["id"], "36.5", reply_to_message_id=mine.message_id)
    texts = [u.message.text for u in await bot.get_updates() if u.message]
    assert texts == ["/report", "/report@sandbox_bot 36.8", "36.5"]
    # Everything is stored in the chat all the same.
    assert len([m for m in emu.messages(group["id"]) if m["text"]]) == 6


async def test_admin_bots_and_privacy_off_see_everything(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot, alice: User, group: dict[str, Any]
) -> None:
    emu.add_bot_to_group(group["id"], status="administrator")
    emu.add_bot(OTHER_TOKEN, username="chatty_bot", privacy_mode=False)
    emu.add_bot_to_group(group["id"], "chatty_bot")
    await bot.get_updates(offset=-1)
    other = make_bot(emu, OTHER_TOKEN)
    await other.get_updates(offset=-1)
    emu.user_sends(alice["id"], group["id"], "普通消息")
    assert (await bot.get_updates(offset=-1))[0].message.text == "普通消息"  # type: ignore[union-attr]
    assert (await other.get_updates(offset=-1))[0].message.text == "普通消息"  # type: ignore[union-attr]
    assert (await other.get_me()).can_read_all_group_messages is True
    await other.session.close()


async def test_chat_member_updates_need_admin_and_opt_in(
    emu: Emulator, bot: Bot, alice: User, group: dict[str, Any]
) -> None:
    emu.add_bot_to_group(group["id"], status="administrator")
    await bot.get_updates(offset=-1, allowed_updates=["message", "chat_member"])
    await bot.get_updates(offset=(await bot.get_updates())[-1].update_id + 1)
    dave = emu.create_user("Dave")
    emu.add_member(group["id"], dave["id"])
    updates = await bot.get_updates()
    assert [u.event_type for u in updates] == ["chat_member", "message"]
    assert updates[0].chat_member.new_chat_member.user.id == dave["id"]  # type: ignore[union-attr]
    assert updates[1].message.new_chat_members[0].id == dave["id"]  # type: ignore[union-attr,index]


async def test_commands_are_stored_per_scope_and_language(
    emu: Emulator, bot: Bot, alice: User, group: dict[str, Any]
) -> None:
    emu.add_bot_to_group(group["id"], status="administrator")
    default = [BotCommand(command="start", description="开始")]
    english = [BotCommand(command="start", description="Start")]
    groups = [BotCommand(command="report", description="报告体温")]
    admins = [BotCommand(command="stats", description="统计")]
    await bot.set_my_commands(default)
    await bot.set_my_commands(english, language_code="en")
    await bot.set_my_commands(groups, scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(admins, scope=BotCommandScopeChatAdministrators(chat_id=group["id"]))

    assert [c.description for c in await bot.get_my_commands()] == ["开始"]
    assert [c.description for c in await bot.get_my_commands(language_code="en")] == ["Start"]
    assert await bot.get_my_commands(language_code="de") == []
    in_groups = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in in_groups] == ["report"]
    assert emu.commands(scope={"type": "all_group_chats"}) == [
        {"command": "report", "description": "报告体温"}
    ]
    assert emu.commands(language_code="en") == [{"command": "start", "description": "Start"}]
    # What people see after Telegram's fallbacks.
    assert emu.effective_commands(alice["id"], alice["id"])[0]["description"] == "开始"
    assert emu.effective_commands(group["id"], alice["id"])[0]["command"] == "stats"
    assert emu.effective_commands(group["id"], group["bob"]["id"])[0]["command"] == "report"

    assert await bot.delete_my_commands(scope=BotCommandScopeAllGroupChats())
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == []
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=-1009999999999))
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])
    with pytest.raises(TelegramBadRequest, match="invalid language code"):
        await bot.set_my_commands(default, language_code="zh-hans")


async def test_callback_queries_are_checked_and_answered_once(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="是", callback_data="yes")]]
    )
    sent = await bot.send_message(alice["id"], "发热吗？", reply_markup=markup)
    with pytest.raises(Exception, match="no button with callback_data 'no'"):
        emu.press_button(alice["id"], alice["id"], sent.message_id, "no")
    query_id = emu.press_button(alice["id"], alice["id"], sent.message_id, "yes")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert query.id == query_id
    assert query.data == "yes"
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query_id, text="已记录", show_alert=True)
    assert emu.callback_answers[-1]["show_alert"] is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)


async def test_chat_list_of_a_user(emu: Emulator, bot: Bot, alice: User) -> None:
    empty = emu.create_group("空群")
    emu.add_bot_to_group(empty["id"])  # nobody to act: the bot joins by itself
    group = emu.create_group("群", member_ids=[alice["id"]])
    chats = emu.chats_for_user(alice["id"])
    assert [(c["id"], c["type"]) for c in chats] == [
        (alice["id"], "private"),
        (group["id"], "supergroup"),
    ]
    assert chats[0]["last_message"]["text"] == "/start"
