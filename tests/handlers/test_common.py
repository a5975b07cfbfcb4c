import asyncio
from typing import Any

import pytest
from aiogram.methods import EditMessageText, GetChatMember, SendMessage

from domain.org import Language
from domain.outbox import OutboxMessage
from tests.handlers.conftest import EN, ZH, Harness, not_understood


async def test_start_registers_the_person_in_their_client_language(harness: Harness) -> None:
    [reply] = await harness.send(4001, "/start", language="en-US", name="<b>Ann</b>")
    assert reply == EN("start-welcome", name="<b>Ann</b>")
    assert "&lt;b&gt;Ann&lt;/b&gt;" in reply  # user text never becomes markup
    person = await harness.repos(lambda r: r.people.get(4001))
    assert person.language is Language.EN
    assert await harness.repos(lambda r: r.people.has_started(4001))


async def test_help_depends_on_role_and_language(harness: Harness) -> None:
    [resident] = await harness.send(4001, "/help")
    [supervisor] = await harness.send(1002, "/help")
    assert "/invite" not in resident
    assert "/invite" in supervisor
    assert ZH("cmd-whoami") in resident
    assert EN("cmd-invite") in supervisor  # 李镇长 chose English in the organisation file
    [in_group] = await harness.send(1001, "/help", chat_id=-100777)
    assert "/bind" in in_group
    assert "/invite" not in in_group


async def test_whoami_lists_roles(harness: Harness) -> None:
    [reply] = await harness.send(1001, "/whoami")
    assert ZH("whoami-role", role=ZH("role-supervisor"), unit="示范县") in reply
    [nobody] = await harness.send(4002, "/whoami")
    assert ZH("whoami-no-roles") in nobody


async def test_language_switch_changes_replies_and_menu(harness: Harness) -> None:
    assert await harness.send(2001, "/lang") == [ZH("lang-choose")]
    assert await harness.press(2001, "v1lang:en") == [EN("lang-set")]
    [help_text] = await harness.send(2001, "/help")
    assert help_text.startswith(EN("help-title"))
    # A forged language value is not parsed as a choice at all.
    await harness.press(2001, "v1lang:xx")
    assert harness.session.requests[-1].text == EN("button-expired")


async def test_cancel_leaves_a_dialog(harness: Harness) -> None:
    assert await harness.send(1001, "/cancel") == [ZH("cancel-nothing")]
    await harness.send(1001, "/invite")
    assert await harness.send(1001, "/cancel") == [ZH("cancel-done")]
    assert not_understood(await harness.send(1001, "dongguan"))  # the wizard is over


async def test_commands_work_at_a_question_that_takes_any_text(harness: Harness) -> None:
    await harness.send(1001, "/invite")
    await harness.press(1001, "v1invr:liaison")  # now any text is read as a unit code...
    [help_text] = await harness.send(1001, "/help")  # ...but commands are still commands
    assert help_text.startswith(ZH("help-title"))
    assert await harness.send(1001, "/cancel") == [ZH("cancel-done")]


async def test_a_failing_handler_is_answered_and_the_bot_goes_on(harness: Harness) -> None:
    harness.session.fail_on[GetChatMember] = RuntimeError("boom")
    replies = await harness.send(1001, "/bind dongguan work", chat_id=-100888)
    assert replies == [ZH("error-generic")]
    # The failed update's transaction was rolled back: the group is not half-bound.
    assert await harness.repos(lambda r: r.groups.get(-100888)) is None
    del harness.session.fail_on[GetChatMember]
    assert (await harness.send(1001, "/bind dongguan work", chat_id=-100888))[0].startswith(
        ZH("bind-done", unit="示范县 / 城关镇 / 东关村")
    )


async def test_a_failure_after_answering_a_button_is_still_apologised_for(
    harness: Harness,
) -> None:
    await harness.send(1001, "/invite")
    harness.session.fail_on[EditMessageText] = RuntimeError("boom")
    await harness.press(1001, "v1invr:liaison")
    # Sent as a message: the query had been answered before the handler failed.
    assert harness.session.texts(1001)[-1] == ZH("error-generic")


async def test_filters_are_checked_in_the_event_loop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiogram would run the magic filters and dialog states in worker threads, one thread
    hop per check (handlers/filters.py)."""
    threaded: list[object] = []
    to_thread = asyncio.to_thread

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        threaded.append(function)
        return await to_thread(function, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counted)
    await harness.send(1001, "/help")
    await harness.send(1001, "/report")
    await harness.send(1001, "3")
    await harness.send(1001, "free text", chat_id=-100500)
    assert threaded == []


async def test_a_duplicate_update_is_processed_once(harness: Harness) -> None:
    update = harness.message_update(1001, "/help")
    await harness.feed(update)
    await harness.feed(update)
    assert len(harness.session.of_type(SendMessage)) == 1


async def test_writing_to_the_bot_again_makes_a_person_reachable(harness: Harness) -> None:
    await harness.send(4003, "/start")

    async def block(repos: Any) -> None:
        await repos.outbox.enqueue(
            OutboxMessage("m", 4003, "x", harness.clock.now(), recipient_id=4003),
            now=harness.clock.now(),
        )
        [row] = await repos.outbox.due(harness.clock.now(), 10)
        await repos.outbox.mark_unreachable(row.id, "forbidden: blocked", now=harness.clock.now())

    await harness.repos(block)
    assert await harness.repos(lambda r: r.people.unreachable(4003)) is not None
    await harness.send(4003, "/help")
    assert await harness.repos(lambda r: r.people.unreachable(4003)) is None
