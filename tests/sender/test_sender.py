"""The outbox sender against the Bot API emulator: order, faults, unreachable people, restarts."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer

from domain.org import Language
from domain.orgfile import parse_org_file
from domain.outbox import OutboxEntry, OutboxState, Priority
from sandbox.emulator import Emulator
from storage import Database, Repositories
from tests.orgs import COUNTY, EAST, TOWN, Group, Member, org_toml

from .conftest import (
    ADMIN,
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


async def entries(database: Database) -> dict[str, OutboxEntry]:
    async with database.session() as session:
        outbox = Repositories(session).outbox
        found: dict[str, OutboxEntry] = {}
        for entry_id in range(1, 200):
            entry = await outbox.get(entry_id)
            if entry is not None:
                found[entry.message.dedupe_key] = entry
        return found


def sends(emu: Emulator, chat: int | None = None) -> list[dict[str, Any]]:
    calls = emu.api_calls("sendMessage")
    return [c for c in calls if chat is None or c["chat_id"] == chat]


def at(call: dict[str, Any]) -> float:
    return datetime.fromisoformat(call["time"]).timestamp()


async def test_sends_in_priority_order_and_records_message_ids(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    chats = [started_user(emu, 100 + i) for i in range(5)]
    await enqueue(
        sqlite_database,
        outgoing("notice-a", chats[0]),
        outgoing("notice-b", chats[1]),
        outgoing("reminder", chats[2], priority=Priority.REMINDER),
        outgoing("alert", chats[3], priority=Priority.ALERT),
        outgoing("notice-c", chats[4]),
    )
    # 20/s overall with no burst: one request at a time, 50 ms apart, in claim order.
    running = Running(make_sender(bot, sqlite_database, global_per_s=20))
    await drained(sqlite_database)
    await running.stop()
    order = [c["chat_id"] for c in sends(emu)]
    assert order == [chats[3], chats[2], chats[0], chats[1], chats[4]]
    stored = await entries(sqlite_database)
    for key, entry in stored.items():
        assert entry.state is OutboxState.SENT
        [message] = emu.bot_messages(entry.chat_id)
        assert entry.sent_message_id == message["message_id"]
        assert message["text"] == key  # sent as HTML: <b> became an entity


async def test_a_429_pauses_that_chat_only_and_is_retried_after_retry_after(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    limited, other = started_user(emu, 201), started_user(emu, 202)
    emu.inject_fault("429", chat_id=limited, method="sendMessage", retry_after=1)
    await enqueue(sqlite_database, outgoing("limited", limited))
    running = Running(make_sender(bot, sqlite_database))
    await eventually(lambda: len(sends(emu, limited)) == 1)
    await enqueue(sqlite_database, outgoing("other", other))
    running.sender.wake.set()
    await drained(sqlite_database)
    await running.stop()
    first, second = sends(emu, limited)
    assert at(second) - at(first) >= 0.95
    [other_call] = sends(emu, other)
    assert at(other_call) < at(second)  # the other chat did not wait
    stored = await entries(sqlite_database)
    assert stored["limited"].state is OutboxState.SENT
    assert stored["limited"].attempts == 1  # flood control is not the message's fault
    assert len(emu.bot_messages(limited)) == 1


async def test_server_errors_are_retried_with_backoff_then_given_up(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    flaky, broken, admin = started_user(emu, 301), started_user(emu, 302), started_user(emu, ADMIN)
    emu.inject_fault("5xx", count=2, chat_id=flaky, method="sendMessage", status=502)
    emu.inject_fault("5xx", count=50, chat_id=broken, method="sendMessage")
    await enqueue(sqlite_database, outgoing("flaky", flaky), outgoing("broken", broken))
    running = Running(make_sender(bot, sqlite_database))
    await drained(sqlite_database)
    await running.stop()
    stored = await entries(sqlite_database)
    assert (stored["flaky"].state, stored["flaky"].attempts) == (OutboxState.SENT, 3)
    assert len(emu.bot_messages(flaky)) == 1
    assert (stored["broken"].state, stored["broken"].attempts) == (OutboxState.FAILED, 4)
    assert "gave up after 4 attempts" in (stored["broken"].last_error or "")
    assert len(sends(emu, broken)) == 4
    [alert] = emu.bot_messages(admin)
    assert "发送失败" in alert["text"]


async def test_403_marks_the_person_unreachable_and_alerts_the_admins_once(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    admin = started_user(emu, ADMIN)
    emu.create_user("Never started", user_id=401)  # Telegram refuses: never wrote to the bot
    async with sqlite_database.transaction() as session:
        await Repositories(session).people.ensure(401, "张三", Language.ZH_CN, now=now())
    await enqueue(sqlite_database, outgoing("one", 401), outgoing("two", 401))
    running = Running(make_sender(bot, sqlite_database))
    await drained(sqlite_database)
    await running.stop()
    stored = await entries(sqlite_database)
    assert {stored["one"].state, stored["two"].state} == {OutboxState.UNREACHABLE}
    async with sqlite_database.session() as session:
        unreachable = await Repositories(session).people.unreachable(401)
    assert unreachable is not None
    assert "forbidden" in (unreachable[1] or "")
    [alert] = emu.bot_messages(admin)  # one alert for the person, not one per message
    assert "张三" in alert["text"]
    assert "401" in alert["text"]
    assert "无法私聊联系" in alert["text"]


async def test_400_is_recorded_as_failed_with_the_reason_and_never_retried(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    user, admin = started_user(emu, 501), started_user(emu, ADMIN)
    await enqueue(sqlite_database, outgoing("malformed", user, text="<b>unclosed & <i>"))
    running = Running(make_sender(bot, sqlite_database))
    await drained(sqlite_database)
    await running.stop()
    failed = (await entries(sqlite_database))["malformed"]
    assert failed.state is OutboxState.FAILED
    assert "can't parse entities" in (failed.last_error or "")
    assert len(sends(emu, user)) == 1
    [alert] = emu.bot_messages(admin)
    assert "can't parse entities" in alert["text"]
    assert "<b>unclosed & <i>" in alert["text"]  # the excerpt is escaped, shown as written


SUPERVISED = org_toml(
    [TOWN, EAST],
    [
        Member(601, "Li Zhen", "town", "supervisor", language="en"),
        Member(402, "张联络", "east", "liaison"),
    ],
)


async def test_403_escalates_to_the_persons_supervisor_in_their_language(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    admin, supervisor = started_user(emu, ADMIN), started_user(emu, 601)
    emu.create_user("Never started", user_id=402)
    async with sqlite_database.transaction() as session:
        await Repositories(session).org.apply_plan(parse_org_file(SUPERVISED), now=now())
    await enqueue(sqlite_database, outgoing("reminder", 402))
    running = Running(make_sender(bot, sqlite_database))
    await drained(sqlite_database)
    await running.stop()
    [alert] = emu.bot_messages(supervisor)
    assert "Cannot reach 张联络" in alert["text"]
    assert "contact them another way" in alert["text"]
    assert emu.bot_messages(admin) == []  # a supervisor answers for the person, not the admins
    async with sqlite_database.session() as session:
        [audit] = await Repositories(session).audit.recent()
    assert (audit.action, audit.target) == ("person.unreachable", "402")


def work_group_org(chat: int) -> str:
    return org_toml([COUNTY], groups=[Group(chat, "工作群", "county", "work")])


async def test_a_migrated_group_is_followed(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    group = emu.create_group("工作群", chat_id=-4242, type="group")["id"]
    emu.add_bot_to_group(group)
    new_id = emu.migrate_group(group)
    async with sqlite_database.transaction() as session:
        plan = parse_org_file(work_group_org(group))
        await Repositories(session).org.apply_plan(plan, now=now())
    await enqueue(sqlite_database, outgoing("roll-up", group), outgoing("later", group))
    running = Running(make_sender(bot, sqlite_database, group_per_min=600))
    await drained(sqlite_database)
    await running.stop()
    stored = await entries(sqlite_database)
    assert {e.chat_id for e in stored.values()} == {new_id}
    assert {e.state for e in stored.values()} == {OutboxState.SENT}
    assert [m["text"] for m in emu.bot_messages(new_id)] == ["roll-up", "later"]
    async with sqlite_database.session() as session:
        groups = Repositories(session).groups
        assert await groups.get(group) is None
        assert await groups.get(new_id) is not None


async def test_a_stopped_and_restarted_sender_delivers_every_message_exactly_once(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    chats = [started_user(emu, 600 + i) for i in range(20)]
    messages = [outgoing(f"m{chat}-{n}", chat) for chat in chats for n in range(2)]
    await enqueue(sqlite_database, *messages)
    # 20/s overall: the 40 messages take two seconds, so the stop comes in the middle.
    first = Running(make_sender(bot, sqlite_database, global_per_s=20, private_per_s=20))
    await eventually(lambda: len(sends(emu)) >= 12)
    await first.stop()
    assert 0 < len(sends(emu)) < 40
    second = Running(make_sender(bot, sqlite_database, global_per_s=50, private_per_s=20))
    await drained(sqlite_database)
    await second.stop()
    delivered = sorted(m["text"] for chat in chats for m in emu.bot_messages(chat))
    assert delivered == sorted(m.dedupe_key for m in messages)
    assert len(sends(emu)) == 40


@pytest.mark.e2e
async def test_a_sender_faster_than_telegram_recovers_from_429s_without_loss(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    """The emulator allows 5/s overall; the sender believes in 50/s and learns otherwise."""
    emu.set_rate_limits(enabled=True, global_per_s=5)
    chats = [started_user(emu, 700 + i) for i in range(15)]
    await enqueue(sqlite_database, *(outgoing(f"m{chat}", chat) for chat in chats))
    running = Running(make_sender(bot, sqlite_database, global_per_s=50))
    await drained(sqlite_database, within=30)
    await running.stop()
    assert emu.rate_limited_count > 0
    delivered = sorted(m["text"] for chat in chats for m in emu.bot_messages(chat))
    assert delivered == sorted(f"m{chat}" for chat in chats)


@pytest.mark.e2e
async def test_per_chat_limits_are_kept_without_a_single_429(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    # Telegram's limits times 20: 20/s in a private chat, 400/min (6.7/s) in a group.
    emu.set_rate_limits(enabled=True, scale=20)
    user = started_user(emu, 801)
    group = emu.create_group("群", chat_id=-5151)["id"]
    emu.add_bot_to_group(group)
    await enqueue(
        sqlite_database,
        *(outgoing(f"p{n}", user) for n in range(25)),
        *(outgoing(f"g{n}", group) for n in range(10)),
    )
    sender = make_sender(
        bot, sqlite_database, global_per_s=600, private_per_s=20, group_per_min=400
    )
    running = Running(sender)
    await drained(sqlite_database, within=30)
    await running.stop()
    assert emu.rate_limited_count == 0
    assert len(emu.bot_messages(user)) == 25
    assert len(emu.bot_messages(group)) == 10


async def test_two_senders_on_one_postgres_send_each_message_once(
    emu: Emulator, bot: Bot, postgres_database: Database
) -> None:
    database = postgres_database
    chats = [started_user(emu, 900 + i) for i in range(10)]
    await enqueue(database, *(outgoing(f"pg{chat}", chat) for chat in chats))
    first, second = make_sender(bot, database), make_sender(bot, database)
    one, two = Running(first), Running(second)
    await drained(database)
    assert first.lock.held != second.lock.held  # one leads, the other stands by
    await one.stop()
    await two.stop()
    delivered = sorted(m["text"] for chat in chats for m in emu.bot_messages(chat))
    assert delivered == sorted(f"pg{chat}" for chat in chats)


async def test_a_revoked_token_pauses_sending_and_keeps_every_message(
    emu: Emulator, sqlite_database: Database
) -> None:
    user = started_user(emu, 701)
    revoked = Bot(
        "123456789:revokedrevokedrevokedrevokedrevoked",
        session=QuickCloseSession(api=TelegramAPIServer.from_base(emu.base_url)),
    )
    try:
        await enqueue(sqlite_database, *(outgoing(f"kept-{n}", user) for n in range(3)))
        running = Running(make_sender(revoked, sqlite_database))
        await eventually(lambda: emu.count_status(401, "sendMessage") >= 1)
        await asyncio.sleep(0.3)  # long enough for several retries if it were retrying
        await running.stop()
    finally:
        await revoked.session.close()
    # One refused request, then the whole sender waits for the operator; nothing used up.
    assert emu.count_status(401, "sendMessage") == 1
    stored = await entries(sqlite_database)
    assert {e.state for e in stored.values()} == {OutboxState.PENDING}
    assert {e.attempts for e in stored.values()} == {0}
    refused = [e for e in stored.values() if e.last_error]
    assert len(refused) == 1
    assert refused[0].next_attempt_at > now() + timedelta(seconds=30)


async def test_an_escalation_that_cannot_be_delivered_still_reaches_a_human(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    admin = started_user(emu, ADMIN)
    emu.create_user("Never started", user_id=402)
    emu.create_user("Never started either", user_id=601)  # the supervisor never started it
    async with sqlite_database.transaction() as session:
        await Repositories(session).org.apply_plan(parse_org_file(SUPERVISED), now=now())
    await enqueue(sqlite_database, outgoing("reminder", 402))
    running = Running(make_sender(bot, sqlite_database))
    await drained(sqlite_database)
    await running.stop()
    texts = [m["text"] for m in emu.bot_messages(admin)]
    # The supervisor's alert about the liaison, forwarded as it was, and one about the
    # supervisor, who has nobody above them: both reach the admins, once each.
    assert len(texts) == 2
    assert any("张联络" in text and "Cannot reach" in text for text in texts)
    assert any("Li Zhen" in text for text in texts)


async def test_an_away_supervisor_is_not_the_one_asked_to_reach_someone(
    emu: Emulator, bot: Bot, sqlite_database: Database
) -> None:
    admin, supervisor = started_user(emu, ADMIN), started_user(emu, 601)
    emu.create_user("Never started", user_id=402)
    async with sqlite_database.transaction() as session:
        repos = Repositories(session)
        await repos.org.apply_plan(parse_org_file(SUPERVISED), now=now())
        await repos.absences.set(601, now().date() + timedelta(days=2), now=now())
    await enqueue(sqlite_database, outgoing("reminder", 402))
    running = Running(make_sender(bot, sqlite_database))
    await drained(sqlite_database)
    await running.stop()
    assert emu.bot_messages(supervisor) == []
    [alert] = emu.bot_messages(admin)
    assert "张联络" in alert["text"]
