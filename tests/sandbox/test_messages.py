"""Sending, validating, editing, deleting and pinning messages; files; permissions."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
)
from aiogram.types import (
    BufferedInputFile,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyParameters,
)

from sandbox.emulator import Emulator

from .conftest import TOKEN, call, make_bot

User = dict[str, Any]


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="b", callback_data=data)]]
    )


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def test_text_limit_counts_text_after_html_parsing(bot: Bot, alice: User) -> None:
    sent = await bot.send_message(alice["id"], "<b>" + "长" * 4096 + "</b>", parse_mode="HTML")
    assert sent.text == "长" * 4096
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(alice["id"], "<i>" + "a" * 4097 + "</i>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(alice["id"], "   ")


async def test_bad_html_is_refused(bot: Bot, alice: User) -> None:
    with pytest.raises(TelegramBadRequest) as info:
        await bot.send_message(alice["id"], "<foo>x</foo>", parse_mode="HTML")
    assert info.value.message == (
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0'
    )
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(alice["id"], "体温 < 37.3", parse_mode="HTML")


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, alice: User) -> None:
    await bot.send_message(alice["id"], "ok", reply_markup=keyboard("x" * 64))
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(alice["id"], "too long", reply_markup=keyboard("x" * 65))
    # 22 CJK characters are 66 bytes in UTF-8.
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(alice["id"], "cjk", reply_markup=keyboard("健" * 22))


async def test_inline_buttons_need_exactly_one_action(
    emu: Emulator, http: aiohttp.ClientSession, alice: User
) -> None:
    markup: dict[str, Any] = {"inline_keyboard": [[{"text": "plain"}]]}
    status, body = await call(
        http, emu, "sendMessage", json={"chat_id": alice["id"], "text": "x", "reply_markup": markup}
    )
    assert status == 400
    assert body["description"] == (
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )
    markup = {"inline_keyboard": [[{"text": "t", "callback_data": "a", "url": "https://x.org"}]]}
    status, _ = await call(
        http, emu, "sendMessage", json={"chat_id": alice["id"], "text": "x", "reply_markup": markup}
    )
    assert status == 400


async def test_reply_keyboards_are_kept_but_not_part_of_the_message(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="正常")]], resize_keyboard=True)
    sent = await bot.send_message(alice["id"], "choose", reply_markup=markup)
    assert sent.reply_markup is None
    assert emu.last_message(alice["id"])["keyboard"]["keyboard"] == [[{"text": "正常"}]]  # type: ignore[index]
    await bot.send_message(alice["id"], "why?", reply_markup=ForceReply())
    assert emu.last_message(alice["id"])["keyboard"] == {"force_reply": True}  # type: ignore[index]


async def test_private_chats_need_a_started_and_unblocked_user(emu: Emulator, bot: Bot) -> None:
    stranger = emu.create_user("Stranger")
    with pytest.raises(TelegramForbiddenError) as info:
        await bot.send_message(stranger["id"], "hi")
    assert info.value.message == "Forbidden: bot can't initiate conversation with a user"

    emu.user_sends(stranger["id"], stranger["id"], "/start")
    await bot.send_message(stranger["id"], "hi")
    emu.user_blocks_bot(stranger["id"])
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(stranger["id"], "still there?")
    emu.user_unblocks_bot(stranger["id"])
    await bot.send_message(stranger["id"], "welcome back")

    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(424242, "nobody")


async def test_blocking_sends_my_chat_member(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.user_blocks_bot(alice["id"])
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert update.my_chat_member.old_chat_member.status == "member"


async def test_groups_need_membership(emu: Emulator, bot: Bot, alice: User) -> None:
    group = emu.create_group("社区", member_ids=[alice["id"]])
    with pytest.raises(TelegramForbiddenError) as info:
        await bot.send_message(group["id"], "hello")
    assert info.value.message == "Forbidden: bot is not a member of the supergroup chat"
    basic = emu.create_group("楼栋", type="group", member_ids=[alice["id"]])
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the group chat"):
        await bot.send_message(basic["id"], "hello")
    emu.add_bot_to_group(group["id"])
    await bot.send_message(group["id"], "hello")
    emu.remove_bot_from_group(group["id"], kicked=True)
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the supergroup chat"):
        await bot.send_message(group["id"], "hello")


async def test_edit_rules(emu: Emulator, bot: Bot, alice: User) -> None:
    sent = await bot.send_message(alice["id"], "v1", reply_markup=keyboard("a"))
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new"):
        await bot.edit_message_text(
            "v1", chat_id=alice["id"], message_id=sent.message_id, reply_markup=keyboard("a")
        )
    edited = await bot.edit_message_text(
        "<i>v2</i>", chat_id=alice["id"], message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, type(sent))
    assert edited.edit_date is not None
    assert edited.reply_markup is None
    view = emu.message(alice["id"], sent.message_id)
    assert view["text"] == "v2"
    assert view["edited"]
    assert [h["text"] for h in view["edit_history"]] == ["v1"]

    await bot.edit_message_reply_markup(
        chat_id=alice["id"], message_id=sent.message_id, reply_markup=keyboard("b")
    )
    assert (
        emu.message(alice["id"], sent.message_id)["reply_markup"]["inline_keyboard"][0][0][
            "callback_data"
        ]
        == "b"
    )
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text("x", chat_id=alice["id"], message_id=999)
    incoming = emu.user_sends(alice["id"], alice["id"], "mine")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=alice["id"], message_id=incoming["message_id"])


async def test_delete_rules() -> None:
    now = [datetime(2026, 3, 1, 8, 0, tzinfo=UTC)]
    emulator = Emulator(clock=lambda: now[0])
    async with emulator.running() as emu2:
        emu2.add_bot(TOKEN)
        user = emu2.create_user("Li")
        emu2.user_sends(user["id"], user["id"], "/start")
        client = make_bot(emu2)
        old = await client.send_message(user["id"], "old")
        assert old.date == now[0]
        now[0] += timedelta(hours=49)
        with pytest.raises(TelegramBadRequest, match="message can't be deleted for everyone"):
            await client.delete_message(user["id"], old.message_id)
        fresh = await client.send_message(user["id"], "fresh")
        assert await client.delete_message(user["id"], fresh.message_id) is True
        assert emu2.message(user["id"], fresh.message_id)["deleted"] is True
        with pytest.raises(TelegramBadRequest, match="message to delete not found"):
            await client.delete_message(user["id"], fresh.message_id)

        group = emu2.create_group("G", member_ids=[user["id"]])
        emu2.add_bot_to_group(group["id"], status="administrator", can_delete_messages=False)
        theirs = emu2.user_sends(user["id"], group["id"], "spam")
        with pytest.raises(TelegramBadRequest, match="Bad Request: message can't be deleted"):
            await client.delete_message(group["id"], theirs["message_id"])
        emu2.set_bot_rights(group["id"], can_delete_messages=True)
        assert await client.delete_message(group["id"], theirs["message_id"])
        await client.session.close()


async def test_pinning_needs_rights_in_groups(emu: Emulator, bot: Bot, alice: User) -> None:
    group = emu.create_group("G", member_ids=[alice["id"]])
    emu.add_bot_to_group(group["id"], status="member")
    sent = await bot.send_message(group["id"], "公告")
    with pytest.raises(TelegramBadRequest) as info:
        await bot.pin_chat_message(group["id"], sent.message_id)
    assert info.value.message == (
        "Bad Request: not enough rights to manage pinned messages in the chat"
    )
    emu.set_bot_rights(group["id"], status="administrator", can_pin_messages=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights"):
        await bot.pin_chat_message(group["id"], sent.message_id)
    emu.set_bot_rights(group["id"], status="administrator", can_pin_messages=True)
    assert await bot.pin_chat_message(group["id"], sent.message_id, disable_notification=True)
    assert emu.pinned_message(group["id"])["message_id"] == sent.message_id  # type: ignore[index]
    service = emu.messages(group["id"])[-1]
    assert service["service"] == {"pinned_message": sent.message_id}
    chat = await bot.get_chat(group["id"])
    assert chat.pinned_message is not None
    assert chat.pinned_message.text == "公告"
    assert await bot.unpin_chat_message(group["id"], message_id=sent.message_id)
    assert emu.pinned_message(group["id"]) is None
    # Private chats need no rights.
    private = await bot.send_message(alice["id"], "mine")
    assert await bot.pin_chat_message(alice["id"], private.message_id)


async def test_replies(emu: Emulator, bot: Bot, alice: User) -> None:
    question = emu.user_sends(alice["id"], alice["id"], "体温多少算发热？")
    answer = await bot.send_message(
        alice["id"], "37.3", reply_parameters=ReplyParameters(message_id=question["message_id"])
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "体温多少算发热？"
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(alice["id"], "x", reply_parameters=ReplyParameters(message_id=999))
    lenient = await bot.send_message(
        alice["id"],
        "x",
        reply_parameters=ReplyParameters(message_id=999, allow_sending_without_reply=True),
    )
    assert lenient.reply_to_message is None


async def test_document_upload_and_download(emu: Emulator, bot: Bot, alice: User) -> None:
    content = "日期,体温\n3/1,36.6\n".encode()
    sent = await bot.send_document(
        alice["id"],
        BufferedInputFile(content, filename="report.csv"),
        caption="<b>日报</b>",
        parse_mode="HTML",
    )
    document = sent.document
    assert document is not None
    assert (document.file_name, document.file_size, document.mime_type) == (
        "report.csv",
        len(content),
        "text/csv",
    )
    assert sent.caption == "日报"
    assert sent.caption_entities is not None
    file = await bot.get_file(document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == content
    assert emu.file_bytes(document.file_id) == content
    # Re-sending by file_id reuses the stored file.
    again = await bot.send_document(alice["id"], document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == document.file_unique_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(alice["id"], "nonsense")


async def test_raw_multipart_upload_and_photo_sizes(
    emu: Emulator, http: aiohttp.ClientSession, bot: Bot, alice: User
) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice["id"]))
    form.add_field("photo", png(1000, 500), filename="p.png", content_type="image/png")
    status, body = await call(http, emu, "sendPhoto", data=form)
    assert status == 200
    sizes = [(p["width"], p["height"]) for p in body["result"]["photo"]]
    assert sizes == [(90, 45), (320, 160), (800, 400), (1000, 500)]
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice["id"]))
    form.add_field("photo", b"not an image", filename="p.png")
    status, body = await call(http, emu, "sendPhoto", data=form)
    assert (status, body["description"]) == (400, "Bad Request: IMAGE_PROCESS_FAILED")
    photo = await bot.send_photo(alice["id"], BufferedInputFile(png(2, 3), filename="x.png"))
    assert photo.photo is not None
    assert (photo.photo[-1].width, photo.photo[-1].height) == (2, 3)


async def test_group_migration(emu: Emulator, bot: Bot, alice: User) -> None:
    group = emu.create_group("老群", type="group", member_ids=[alice["id"]])
    emu.add_bot_to_group(group["id"])
    await bot.get_updates(offset=-1)
    new_id = emu.migrate_group(group["id"])
    assert str(new_id).startswith("-100")
    with pytest.raises(TelegramMigrateToChat) as info:
        await bot.send_message(group["id"], "hello")
    assert info.value.migrate_to_chat_id == new_id
    assert "group chat was upgraded to a supergroup chat" in info.value.message
    sent = await bot.send_message(new_id, "hello again")
    assert sent.chat.type == "supergroup"
    updates = await bot.get_updates(offset=-2)
    services = [u.message for u in updates if u.message is not None]
    assert [m.migrate_to_chat_id for m in services] == [new_id, None]
    assert services[1].migrate_from_chat_id == group["id"]


async def test_user_sends_photo_and_document(emu: Emulator, bot: Bot, alice: User) -> None:
    photo = emu.user_sends_file(
        alice["id"], alice["id"], png(640, 480), kind="photo", caption="/report 核酸结果"
    )
    assert photo["caption_entities"][0]["type"] == "bot_command"
    doc = emu.user_sends_file(
        alice["id"], alice["id"], b"%PDF-1.4", filename="证明.pdf", mime_type="application/pdf"
    )
    updates = await bot.get_updates()
    photo_message, doc_message = (u.message for u in updates)
    assert photo_message is not None
    assert photo_message.photo is not None
    assert (photo_message.photo[-1].width, photo_message.photo[-1].height) == (640, 480)
    assert photo_message.caption == "/report 核酸结果"
    assert doc_message is not None
    assert doc_message.document is not None
    assert doc_message.document.file_name == "证明.pdf"
    file = await bot.get_file(doc_message.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.read() == b"%PDF-1.4"
    assert doc["document"]["mime_type"] == "application/pdf"
    with pytest.raises(Exception, match="IMAGE_PROCESS_FAILED"):
        emu.user_sends_file(alice["id"], alice["id"], b"nope", kind="photo")


async def test_delete_messages_refuses_ids_that_are_not_numbers(
    emu: Emulator, http: aiohttp.ClientSession, alice: dict[str, Any]
) -> None:
    status, body = await call(
        http, emu, "deleteMessages", json={"chat_id": alice["id"], "message_ids": [1, "x"]}
    )
    assert status == 400  # a malformed request is the client's error, not a server failure
    assert body["description"] == "Bad Request: message_ids must contain message identifiers"
