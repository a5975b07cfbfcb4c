"""Outbox rows with media (domain.outbox.media_message): a photo or a document goes out through
the same sender and limits as a text, its text the caption; the bytes are sealed at rest."""

from __future__ import annotations

import pytest
from aiogram import Bot
from sqlalchemy import text

from domain.outbox import Media, MediaKind, OutboxState, media_message
from sandbox.emulator import Emulator
from storage import Database

from .conftest import enqueue, now, started_user
from .test_sender_edits import entry, send_all

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


async def test_a_photo_row_is_sent_with_its_caption(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    user = started_user(emu, 721)
    photo = media_message(
        "chart-1",
        user,
        Media(MediaKind.PHOTO, "chart.png", data=PNG),
        not_before=now(),
        caption="<b>趋势</b> 图",
        recipient_id=user,
    )
    await send_all(bot, sqlite_database, photo)
    [sent] = emu.bot_messages(user)
    assert sent["caption"] == "趋势 图"  # HTML parsed, as for a message
    assert emu.file_bytes(sent["photo"][-1]["file_id"]) == PNG
    done = await entry(sqlite_database, "chart-1")
    assert (done.state, done.sent_message_id) == (OutboxState.SENT, sent["message_id"])
    assert done.message.media == Media(MediaKind.PHOTO, "chart.png", data=PNG)
    assert len(emu.api_calls("sendPhoto")) == 1
    assert emu.api_calls("sendMessage") == []


async def test_a_document_row_is_sent_by_upload_then_by_file_id(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    user = started_user(emu, 722)
    ledger = b"PK\x03\x04 a ledger with 138****0000"
    first = media_message(
        "ledger-1", user, Media(MediaKind.DOCUMENT, "台账.xlsx", data=ledger), not_before=now()
    )
    await send_all(bot, sqlite_database, first)
    [sent] = emu.bot_messages(user)
    assert sent["document"]["file_name"] == "台账.xlsx"
    assert sent.get("caption") is None  # no caption given, none sent
    assert emu.file_bytes(sent["document"]["file_id"]) == ledger
    again = media_message(
        "ledger-2",
        user,
        Media(MediaKind.DOCUMENT, "台账.xlsx", file_id=sent["document"]["file_id"]),
        not_before=now(),
        caption="again",
    )
    await send_all(bot, sqlite_database, again)
    second = emu.bot_messages(user)[-1]
    assert second["document"]["file_id"] == sent["document"]["file_id"]
    assert second["caption"] == "again"
    assert len(emu.api_calls("sendDocument")) == 2


async def test_media_bytes_and_names_are_sealed_at_rest(sqlite_database: Database) -> None:
    data = b"resident 13800001111"
    await enqueue(
        sqlite_database,
        media_message(
            "doc", 5, Media(MediaKind.DOCUMENT, "张三.xlsx", data=data), not_before=now()
        ),
    )
    async with sqlite_database.session() as session:
        raw = (await session.execute(text("SELECT media_name, media_data FROM outbox"))).one()
    assert "张三" not in raw[0]
    assert "13800001111" not in raw[1]
    assert raw[1].startswith("v1:")
    stored = await entry(sqlite_database, "doc")
    assert stored.message.media is not None
    assert stored.message.media.data == data


def test_media_needs_bytes_or_a_file_id_and_fits_a_caption() -> None:
    with pytest.raises(ValueError, match="either its bytes or a file_id"):
        Media(MediaKind.PHOTO, "x.png")
    with pytest.raises(ValueError, match="either its bytes or a file_id"):
        Media(MediaKind.PHOTO, "x.png", data=b"1", file_id="f")
    with pytest.raises(ValueError, match="at most 1024"):
        media_message(
            "k", 1, Media(MediaKind.PHOTO, "x.png", data=b"1"), not_before=now(), caption="x" * 1025
        )
