"""Outbox rows that edit the text of a message already sent (domain.outbox.text_edit): the
groups' report boards are kept current in place through the same sender and limits."""

from __future__ import annotations

import pytest
from aiogram import Bot

from domain.outbox import OutboxState, text_edit
from sandbox.emulator import Emulator
from storage import Database

from .conftest import now, outgoing, started_user
from .test_sender_edits import KEYBOARD, entry, send_all


async def test_a_text_edit_replaces_the_text_of_a_sent_message(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    user = started_user(emu, 711)
    await send_all(bot, sqlite_database, outgoing("board", user))
    board = await entry(sqlite_database, "board")
    assert board.sent_message_id is not None
    edit = text_edit(
        "board-edit-1",
        user,
        board.sent_message_id,
        "<b>东关村</b> 已报",
        not_before=now(),
        reply_markup=KEYBOARD,
    )
    await send_all(bot, sqlite_database, edit)
    [sent] = emu.bot_messages(user)
    assert sent["text"] == "东关村 已报"  # HTML parsed, as for a message
    assert sent["reply_markup"] == KEYBOARD
    done = await entry(sqlite_database, "board-edit-1")
    assert (done.state, done.sent_message_id) == (OutboxState.SENT, board.sent_message_id)
    assert len(emu.api_calls("sendMessage")) == 1
    assert len(emu.api_calls("editMessageText")) == 1
    # The same text again: Telegram says "not modified", which is done, not an error.
    again = text_edit(
        "board-edit-2",
        user,
        board.sent_message_id,
        "<b>东关村</b> 已报",
        not_before=now(),
        reply_markup=KEYBOARD,
    )
    await send_all(bot, sqlite_database, again)
    second = await entry(sqlite_database, "board-edit-2")
    assert (second.state, second.last_error) == (OutboxState.SENT, None)


def test_a_text_edit_needs_a_text() -> None:
    with pytest.raises(ValueError, match="needs a text"):
        text_edit("k", 1, 2, "", not_before=now())
