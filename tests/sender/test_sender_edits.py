"""Outbox rows that edit the keyboard of a message already sent (domain.outbox.keyboard_edit):
answered reminders lose their buttons through the same sender, limits and retries."""

from __future__ import annotations

from typing import Any

from aiogram import Bot

from domain.org import Language
from domain.outbox import OutboxEntry, OutboxMessage, OutboxState, keyboard_edit
from sandbox.emulator import Emulator
from storage import Database, Repositories

from .conftest import ADMIN, Running, drained, enqueue, make_sender, now, outgoing, started_user

KEYBOARD = {"inline_keyboard": [[{"text": "🌡 立即打卡", "callback_data": "v1chk:1"}]]}


def with_buttons(key: str, chat: int) -> OutboxMessage:
    message = outgoing(key, chat)
    return OutboxMessage(
        message.dedupe_key,
        message.chat_id,
        message.text,
        message.not_before,
        message.priority,
        KEYBOARD,
        message.recipient_id,
    )


def unbutton(key: str, chat: int, message_id: int) -> OutboxMessage:
    return keyboard_edit(key, chat, message_id, not_before=now(), recipient_id=chat)


async def entry(database: Database, key: str) -> OutboxEntry:
    async with database.session() as session:
        outbox = Repositories(session).outbox
        for entry_id in range(1, 50):
            found = await outbox.get(entry_id)
            if found is not None and found.message.dedupe_key == key:
                return found
    raise AssertionError(f"no outbox row {key!r}")


async def send_all(bot: Bot, database: Database, *messages: OutboxMessage) -> None:
    await enqueue(database, *messages)
    running = Running(make_sender(bot, database))
    await drained(database)
    await running.stop()


def edits(emu: Emulator) -> list[dict[str, Any]]:
    return emu.api_calls("editMessageReplyMarkup")


async def test_an_edit_row_takes_the_keyboard_off_a_sent_message(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    user = started_user(emu, 701)
    await send_all(bot, sqlite_database, with_buttons("reminder", user))
    reminder = await entry(sqlite_database, "reminder")
    assert reminder.sent_message_id is not None
    [sent] = emu.bot_messages(user)
    assert sent["reply_markup"] == KEYBOARD
    await send_all(bot, sqlite_database, unbutton("unbutton", user, reminder.sent_message_id))
    [sent] = emu.bot_messages(user)
    assert sent["reply_markup"] is None
    assert sent["text"] == "reminder"  # nothing but the keyboard changed
    done = await entry(sqlite_database, "unbutton")
    assert (done.state, done.sent_message_id) == (OutboxState.SENT, reminder.sent_message_id)
    assert len(emu.api_calls("sendMessage")) == 1  # an edit sends no new message


async def test_a_keyboard_already_gone_counts_as_done(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    user = started_user(emu, 702)
    await send_all(bot, sqlite_database, outgoing("plain", user))
    plain = await entry(sqlite_database, "plain")
    assert plain.sent_message_id is not None
    # Telegram answers "message is not modified": the message is already as wanted.
    await send_all(bot, sqlite_database, unbutton("again", user, plain.sent_message_id))
    again = await entry(sqlite_database, "again")
    assert (again.state, again.attempts, again.last_error) == (OutboxState.SENT, 1, None)
    assert len(edits(emu)) == 1


async def test_an_edit_that_cannot_be_made_fails_quietly(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    admin, user = started_user(emu, ADMIN), started_user(emu, 703)
    async with sqlite_database.transaction() as session:
        await Repositories(session).people.ensure(704, "张三", Language.ZH_CN, now=now())
    started_user(emu, 704)
    await send_all(bot, sqlite_database, with_buttons("to-block", 704))
    blocked = await entry(sqlite_database, "to-block")
    assert blocked.sent_message_id is not None
    emu.user_blocks_bot(704)
    await send_all(
        bot,
        sqlite_database,
        unbutton("gone", user, 9999),  # no such message
        unbutton("blocked", 704, blocked.sent_message_id),
    )
    gone, refused = await entry(sqlite_database, "gone"), await entry(sqlite_database, "blocked")
    assert gone.state is OutboxState.FAILED
    assert "message to edit not found" in (gone.last_error or "")
    assert refused.state is OutboxState.FAILED
    assert len(edits(emu)) == 2  # neither retried
    # Buttons left behind are refused when pressed: no human is asked about them, and a
    # cosmetic edit does not decide that a person cannot be written to.
    assert emu.bot_messages(admin) == []
    async with sqlite_database.session() as session:
        assert await Repositories(session).people.unreachable(704) is None


async def test_a_server_error_on_an_edit_is_retried(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    user = started_user(emu, 705)
    await send_all(bot, sqlite_database, with_buttons("reminder", user))
    reminder = await entry(sqlite_database, "reminder")
    assert reminder.sent_message_id is not None
    emu.inject_fault("5xx", count=2, chat_id=user, method="editMessageReplyMarkup", status=502)
    await send_all(bot, sqlite_database, unbutton("unbutton", user, reminder.sent_message_id))
    done = await entry(sqlite_database, "unbutton")
    assert (done.state, done.attempts) == (OutboxState.SENT, 3)
    [sent] = emu.bot_messages(user)
    assert sent["reply_markup"] is None
