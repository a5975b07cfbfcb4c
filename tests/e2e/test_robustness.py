"""What an operator's log never holds, and updates the bot cannot read: the real bot process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from sandbox.emulator import Emulator
from tests.conftest import run_in_thread, unique_name
from tests.e2e.conftest import (
    ADMIN_ID,
    BOT_ID,
    ORG,
    TOKEN,
    BotProcess,
    Chat,
    eventually,
    free_port,
    people,
    webhook_process,
)
from tests.e2e.test_foundation import EN, ZH, demo_people

pytestmark = pytest.mark.e2e

# What a resident typed: it must not reach the log, whatever happens to the update.
PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
TYPED = f"我的电话 {PHONE} 身份证 {ID_NUMBER} 住在幸福路8号"
RISK_CSV = b"region,level,effective_from,effective_to\n110105,high,2026-11-20,\n"


def unreadable_message(text: str) -> dict[str, object]:
    """A message lacking fields aiogram requires (chat, date): what an update of a newer Bot
    API looks like to the pinned aiogram."""
    return {"message": {"message_id": 77, "text": text, "from": {"id": 1001}}}


def assert_nothing_private(log: str) -> None:
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log
    for private in (PHONE, ID_NUMBER, "幸福路"):
        assert private not in log


async def test_a_failing_download_logs_no_token(
    emulator: Emulator, bot_process: BotProcess, chat: Chat
) -> None:
    people(emulator, (ADMIN_ID, "en"))
    await bot_process.start()
    assert "CSV" in (await chat.say(ADMIN_ID, "/risk_load"))["text"]
    emulator.inject_fault("5xx", method="download", status=500)
    sent = emulator.user_sends_file(
        ADMIN_ID, ADMIN_ID, RISK_CSV, filename="risk.csv", mime_type="text/csv", bot=BOT_ID
    )
    answer = await emulator.wait_for_message(
        ADMIN_ID, bot=BOT_ID, timeout=30, after_message_id=sent["message_id"]
    )
    assert answer["text"] == EN("risk-load-download-failed")
    await bot_process.stop()
    log = bot_process.log.read_text()
    assert "risk list download failed: ClientResponseError" in log
    assert_nothing_private(log)


@pytest.mark.parametrize("problem", ["unreachable", "rejected"])
async def test_a_bot_that_cannot_start_says_why_without_the_token(
    emulator: Emulator, tmp_path: Path, demo_org_database: Path, problem: str
) -> None:
    process = BotProcess(emulator, tmp_path)
    process.use_database(demo_org_database)
    if problem == "unreachable":
        process.env["TELEGRAM_API_BASE"] = f"http://127.0.0.1:{free_port()}"
    else:
        # The registered bot's id with another secret: a revoked token.
        process.env["BOT_TOKEN"] = f"{BOT_ID}:" + "R" * 35
    code, output = await asyncio.wait_for(process.cli("run"), 60)
    if problem == "unreachable":
        assert code == 1
        assert "cannot reach the Bot API" in output
    else:
        assert code == 2
        assert "Telegram refuses the bot's token" in output
    assert "Traceback" not in output
    assert_nothing_private(output)
    assert "R" * 35 not in output


async def test_an_unreadable_update_is_skipped_and_polling_goes_on(
    emulator: Emulator, bot_process: BotProcess, chat: Chat
) -> None:
    demo_people(emulator)
    await bot_process.start()
    skipped = emulator.queue_update(BOT_ID, unreadable_message(TYPED))
    # Updates after it are handled: polling confirmed it and carried on.
    assert (await chat.say(1001, "/help"))["text"].startswith(ZH("help-title"))
    assert (await chat.say(1003, "/help"))["text"].startswith(EN("help-title"))
    assert not emulator.pending_updates(bot=BOT_ID)
    await bot_process.stop()
    log = bot_process.log.read_text()
    assert f"update {skipped['update_id']} cannot be read and is skipped" in log
    assert "message.chat: missing" in log
    assert "Failed to fetch updates" not in log
    assert_nothing_private(log)
    assert "住在" not in log


async def test_an_unreadable_update_is_answered_without_acting_in_webhook_mode(
    emulator: Emulator, tmp_path: Path, chat: Chat, demo_org_database: Path
) -> None:
    process, _ = webhook_process(emulator, tmp_path)
    process.use_database(demo_org_database)
    demo_people(emulator)
    await process.start()
    try:
        skipped = emulator.queue_update(BOT_ID, unreadable_message(TYPED))
        assert (await chat.say(1003, "/help"))["text"].startswith(EN("help-title"))
        # Answered with 200: the emulator does not deliver it again.
        await eventually(lambda: not emulator.pending_updates(bot=BOT_ID))
    finally:
        await process.stop()
    log = process.log.read_text()
    assert f"update {skipped['update_id']} cannot be read and is skipped" in log
    assert log.count(f"update {skipped['update_id']} cannot be read") == 1
    assert_nothing_private(log)


@pytest.fixture
def postgres_database_url(postgres_url: str) -> Iterator[str]:
    """A database of its own on the PostgreSQL server, for a bot process (which has no schema
    setting), dropped after."""
    name = unique_name("e2e")
    server = make_url(postgres_url)

    async def ddl(statement: str) -> None:
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    run_in_thread(lambda: ddl(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        run_in_thread(lambda: ddl(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_control_characters_are_removed_before_postgresql_sees_them(
    emulator: Emulator, tmp_path, chat: Chat, postgres_database_url: str
) -> None:
    """PostgreSQL refuses U+0000 in text; a person's text reaches it without one."""
    process = BotProcess(emulator, tmp_path)
    process.env["DATABASE_URL"] = postgres_database_url
    assert (await process.cli("org", "load", str(ORG)))[0] == 0
    demo_people(emulator)
    group = emulator.create_group("测试群\x00", member_ids=[1001])
    emulator.add_bot_to_group(group["id"], BOT_ID, "administrator", can_pin_messages=True)
    await process.start()
    try:
        typed = await chat.say(1001, "/invite liaison dong\x00guan")
        assert "start=inv_" in typed["text"], typed["text"]
        roles = await chat.say(1001, "/invite")
        await chat.press(1001, roles, 0, 1)  # liaison
        asked = ZH("invite-choose-unit", role=ZH("role-liaison"))
        await eventually(
            lambda: any(m["text"] == asked for m in emulator.bot_messages(1001, bot=BOT_ID))
        )
        wizard = await chat.say(1001, "dong\x00guan\x07")
        assert "start=inv_" in wizard["text"], wizard["text"]
        bound = await chat.say(1001, "/bind dong\x00guan work", chat_id=group["id"])
        assert bound["text"] != ZH("error-generic")
        assert "东关村" in bound["text"]
    finally:
        await process.stop()
    assert "error" not in process.log.read_text().lower()
