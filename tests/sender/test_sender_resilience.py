"""The sender keeps going through a database that is not up yet, a lost leader lock and sends
whose outcome it cannot know."""

from __future__ import annotations

import re
import socket
from collections import Counter
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from sqlalchemy import event

from bot.session import BotSession
from domain.outbox import Failure, FailureKind, OutboxState
from outbox.sender import Outcome
from outbox.telegram import classify
from sandbox.emulator import Emulator
from storage import Database, Repositories

from .conftest import (
    ADMIN,
    TOKEN,
    QuickCloseSession,
    Running,
    drained,
    enqueue,
    eventually,
    make_sender,
    now,
    outgoing,
    started_user,
)


class UnsteadyLock:
    """The real lock, but the database refuses the first attempts and one check finds it lost."""

    def __init__(self, real: Any, refusals: int = 0, losses: int = 0) -> None:
        self.real = real
        self.refusals = refusals
        self.losses = losses
        self.checks = 0

    async def try_acquire(self) -> bool:
        if self.refusals:
            self.refusals -= 1
            raise OSError("the database system is starting up")
        return bool(await self.real.try_acquire())

    async def check(self) -> bool:
        self.checks += 1
        if self.losses:
            self.losses -= 1
            await self.real.release()
            return False
        return bool(await self.real.check())

    async def release(self) -> None:
        await self.real.release()


def sent_texts(emu: Emulator) -> Counter[str]:
    calls = emu.api_calls("sendMessage")
    return Counter(re.sub(r"<[^>]+>", "", c["text"]) for c in calls if c["status"] == 200)


async def test_a_database_not_up_at_start_does_not_end_the_sender(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    chat = started_user(emu, 301)
    sender = make_sender(bot, sqlite_database)
    lock = UnsteadyLock(sender.lock, refusals=3)
    sender.lock = lock  # type: ignore[assignment]
    running = Running(sender)
    await enqueue(sqlite_database, outgoing("late-start", chat))
    await drained(sqlite_database)
    await running.stop()
    assert lock.refusals == 0
    assert sent_texts(emu)["late-start"] == 1


async def test_a_lost_lock_is_noticed_during_a_backlog_and_nothing_is_sent_twice(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    chats = [started_user(emu, 400 + i) for i in range(60)]
    # 20 messages a second overall: a three-second backlog that keeps the loop busy.
    sender = make_sender(bot, sqlite_database, global_per_s=20, idle_poll_s=0.2)
    lock = UnsteadyLock(sender.lock, losses=1)
    sender.lock = lock  # type: ignore[assignment]
    await enqueue(sqlite_database, *(outgoing(f"m{i}", chat) for i, chat in enumerate(chats)))
    running = Running(sender)
    await drained(sqlite_database, within=30)
    await running.stop()
    assert lock.losses == 0  # the check ran while busy, found the lock lost and got it back
    counts = sent_texts(emu)
    assert sorted(counts) == sorted(f"m{i}" for i in range(60))
    assert set(counts.values()) == {1}


async def test_a_migration_to_the_same_chat_fails_instead_of_looping(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    chat = started_user(emu, 501)
    started_user(emu, ADMIN)
    await enqueue(sqlite_database, outgoing("bounce", chat))
    sender = make_sender(bot, sqlite_database)
    async with sqlite_database.transaction() as session:
        repos = Repositories(session)
        [entry] = await repos.outbox.due(now(), 10)
        failure = Failure(FailureKind.MIGRATED, "moved", new_chat_id=chat)
        await sender._record(repos, Outcome(entry, now(), failure=failure), failure)
    async with sqlite_database.session() as session:
        stored = await Repositories(session).outbox.get(entry.id)
    assert stored is not None
    assert stored.state is OutboxState.FAILED


async def test_one_groups_backlog_does_not_hold_up_other_chats(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    group = emu.create_group("backlog", member_ids=[])["id"]
    emu.add_bot_to_group(group, bot.id, "administrator")
    privates = [started_user(emu, 600 + i) for i in range(5)]
    # 200 messages for a group that takes one a second, queued before the private ones.
    await enqueue(sqlite_database, *(outgoing(f"g{i}", group) for i in range(200)))
    await enqueue(sqlite_database, *(outgoing(f"p{i}", chat) for i, chat in enumerate(privates)))
    updates: list[str] = []

    def count_updates(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            updates.append(statement)

    event.listen(sqlite_database.engine.sync_engine, "before_cursor_execute", count_updates)
    running = Running(make_sender(bot, sqlite_database, group_per_min=60))
    try:

        async def privates_sent() -> bool:
            return all(emu.bot_messages(chat) for chat in privates)

        await eventually(privates_sent, within=3)
    finally:
        await running.stop()
    assert 1 <= len(emu.bot_messages(group)) <= 5  # the group keeps to its own pace
    # The backlog is moved a chat at a time, not rewritten row by row on every claim.
    assert len(updates) < 30


async def _timed_out_sends(
    emu: Emulator, database: Database, after_timeout: str
) -> tuple[int, int, OutboxState]:
    """Three sends to one chat time out (the emulator answers after the bot's request timeout),
    the fourth goes through: how many messages arrived, how many sends were counted as of
    unknown outcome, and the row's final state."""
    chat = started_user(emu, 4242)
    emu.inject_fault(
        "timeout",
        count=3,
        chat_id=chat,
        method="sendMessage",
        seconds=0.6,
        after_timeout=after_timeout,
    )
    await enqueue(database, outgoing("slow", chat))
    client = Bot(
        TOKEN, session=QuickCloseSession(api=TelegramAPIServer.from_base(emu.base_url), timeout=0.3)
    )
    running = Running(make_sender(client, database))
    try:
        await drained(database, within=20)
        # The emulator logs a request once it has finished with it, which for those the client
        # gave up on is after the client's timeout: four attempts, all finished.
        await eventually(lambda: len(emu.api_calls("sendMessage")) == 4)
    finally:
        await running.stop()
        await client.session.close()
    async with database.session() as session:
        entry = await Repositories(session).outbox.get(1)
    assert entry is not None
    return len(emu.bot_messages(chat)), entry.uncertain_sends, entry.state


async def test_timed_out_sends_are_sent_again_and_counted_as_possibly_doubled(
    emu: Emulator, sqlite_database: Database
) -> None:
    # Telegram acted on each timed-out request: at least once means the person got it 4 times,
    # and every one of those extra copies is on record.
    arrived, uncertain, state = await _timed_out_sends(emu, sqlite_database, "process")
    assert state is OutboxState.SENT
    assert uncertain == 3
    assert arrived == 1 + uncertain


async def test_a_dropped_connection_is_counted_but_arrives_once(
    emu: Emulator, sqlite_database: Database
) -> None:
    arrived, uncertain, state = await _timed_out_sends(emu, sqlite_database, "close")
    assert (arrived, uncertain, state) == (1, 3, OutboxState.SENT)


async def test_only_a_request_that_went_out_has_an_unknown_outcome(emu: Emulator) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = Bot(
        TOKEN,
        session=QuickCloseSession(
            api=TelegramAPIServer.from_base(f"http://127.0.0.1:{closed_port}")
        ),
    )
    slow = Bot(
        TOKEN, session=QuickCloseSession(api=TelegramAPIServer.from_base(emu.base_url), timeout=0.2)
    )
    chat = started_user(emu, 4343)
    emu.inject_fault("timeout", chat_id=chat, method="sendMessage", seconds=0.5)
    try:
        with pytest.raises(TelegramNetworkError) as refused:
            await unreachable.send_message(chat, "x")
        with pytest.raises(TelegramNetworkError) as timed_out:
            await slow.send_message(chat, "x")
    finally:
        await unreachable.session.close()
        await slow.session.close()
    assert classify(refused.value, chat).kind is FailureKind.NETWORK_ERROR
    assert classify(timed_out.value, chat).kind is FailureKind.UNKNOWN_OUTCOME


class GarblingSession(BotSession):
    """The answers to sendMessage lose a field aiogram requires, as when Telegram changes its
    answers under a pinned aiogram: the message was sent, its answer cannot be read."""

    def check_response(self, bot: Bot, method: Any, status_code: int, content: str) -> Any:
        if method.__api_method__ == "sendMessage":
            content = content.replace('"date"', '"when"')
        return super().check_response(bot, method, status_code, content)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


async def test_a_send_whose_answer_cannot_be_read_is_sent_once(
    emu: Emulator, sqlite_database: Database
) -> None:
    chat = started_user(emu, 4444)
    await enqueue(sqlite_database, outgoing("garbled", chat))
    client = Bot(TOKEN, session=GarblingSession(api=TelegramAPIServer.from_base(emu.base_url)))
    running = Running(make_sender(client, sqlite_database))
    try:
        await drained(sqlite_database)
    finally:
        await running.stop()
        await client.session.close()
    async with sqlite_database.session() as session:
        entry = await Repositories(session).outbox.get(1)
    assert entry is not None
    assert entry.state is OutboxState.SENT
    assert len(emu.bot_messages(chat)) == 1
