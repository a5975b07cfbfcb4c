"""A notice's buttons through the real dispatcher: confirm, undo within five minutes, ask and
answer, forward to the residents group, re-remind (at most every five minutes), forged
buttons and other people's presses; the 403 path; and a confirmation stopping escalation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import select, update

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.notices import Audience, NoticeContent, NoticeRequest, RecipientState
from domain.obligations import ObligationKey, ObligationKind, ObligationState
from domain.org import ChatGroup, GroupPurpose, Language, Role, RoleAssignment
from domain.outbox import OutboxState
from scheduler.engine import ObligationEngine
from scheduler.notices import NoticeRefresher
from services.notices import NoticeService
from storage import Repositories
from storage.models import OutboxRow
from tests.handlers.conftest import EN, ZH, Harness
from texts.notice_keyboards import CardAction, CardPress, NoticePress, RecipientAction
from texts.obligations import ObligationTexts

ZONE = ZoneInfo("Asia/Shanghai")
SENT = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
DUE = datetime(2026, 11, 23, 18, 0, tzinfo=ZONE)
AUTHOR = 1001  # 王主任, supervisor of the county
LIAISON = 2001  # 张联络, liaison of 东关村
TOWN = 1002  # supervisor of 城关镇 (English)
RESIDENTS_CHAT = -5001


@pytest.fixture(autouse=True)
def morning(harness: Harness) -> None:
    harness.clock.set(SENT)


def service(harness: Harness) -> NoticeService:
    found = harness.dispatcher["notice_service"]
    assert isinstance(found, NoticeService)
    return found


async def send_notice(
    harness: Harness, units: tuple[str, ...] = ("dongguan", "hexi"), text: str = "戴口罩 <勤洗手>"
) -> int:
    request = NoticeRequest(
        author_id=AUTHOR,
        content=NoticeContent(text),
        unit_codes=units,
        audiences=frozenset({Audience.LIAISONS}),
        ack_by=DUE,
    )

    async def act(repos: Repositories) -> int | None:
        return await service(harness).create_notice(repos, request, now=harness.clock.now())

    notice_id = await harness.repos(act)
    assert isinstance(notice_id, int)
    return notice_id


async def outbox_to(harness: Harness, chat_id: int) -> list[OutboxRow]:
    async with harness.database.session() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.chat_id == chat_id).order_by(OutboxRow.id)
        )
        return list(rows)


def buttons(row: OutboxRow) -> dict[str, str]:
    assert row.reply_markup is not None
    return {b["text"]: b["callback_data"] for r in row.reply_markup["inline_keyboard"] for b in r}


def alert(harness: Harness) -> Any:
    answer: AnswerCallbackQuery = harness.session.of_type(AnswerCallbackQuery)[-1]
    return answer.text


async def recipient_state(harness: Harness, notice_id: int, person: int) -> RecipientState:
    recipients = await harness.repos(lambda r: r.notices.recipients(notice_id))
    [mine] = [r for r in recipients if r.person_id == person]
    return RecipientState(mine.state)


async def obligation_state(harness: Harness, notice_id: int, unit: str) -> ObligationState:
    key = ObligationKey(ObligationKind.NOTICE_ACK, unit, f"notice-{notice_id}")
    found = await harness.repos(lambda r: r.obligations.get(key))
    assert found is not None
    return ObligationState(found.state)


async def test_the_liaison_gets_the_notice_escaped_with_its_buttons(harness: Harness) -> None:
    notice_id = await send_notice(harness)
    [message] = await outbox_to(harness, LIAISON)
    assert "戴口罩 &lt;勤洗手&gt;" in message.text
    assert ZH("ntc-ack-by", due="11-23 18:00") in message.text
    assert set(buttons(message)) == {ZH("ntc-button-ack"), ZH("ntc-button-ask")}
    # A unit without a liaison cannot be told: it stays unconfirmed, counted as unreachable.
    recipients = await harness.repos(lambda r: r.notices.recipients(notice_id))
    hexi = [r for r in recipients if r.unit_code == "hexi"]
    assert [(r.person_id, r.state) for r in hexi] == [(None, RecipientState.UNREACHABLE)]
    # The author's card, at once.
    [card] = await outbox_to(harness, AUTHOR)
    assert ZH("ntc-card-units", confirmed=0, total=2) in card.text


async def test_acknowledge_then_undo_within_five_minutes_then_too_late(harness: Harness) -> None:
    notice_id = await send_notice(harness)
    [message] = await outbox_to(harness, LIAISON)
    ack = buttons(message)[ZH("ntc-button-ack")]

    await harness.press(LIAISON, ack)
    assert alert(harness) == ZH("ntc-acked")
    assert await recipient_state(harness, notice_id, LIAISON) is RecipientState.ACKNOWLEDGED
    assert await obligation_state(harness, notice_id, "dongguan") is ObligationState.MET
    # Pressing it twice is refused, not counted twice.
    await harness.press(LIAISON, ack)
    assert alert(harness) == ZH("ntc-refused-already")

    undo = NoticePress(action=RecipientAction.UNDO, recipient=NoticePress.unpack(ack).recipient)
    harness.clock.set(SENT + timedelta(minutes=4))
    await harness.press(LIAISON, undo.pack())
    assert alert(harness) == ZH("ntc-undone")
    assert await recipient_state(harness, notice_id, LIAISON) is RecipientState.SENT
    assert await obligation_state(harness, notice_id, "dongguan") is ObligationState.OPEN

    await harness.press(LIAISON, ack)
    assert alert(harness) == ZH("ntc-acked")
    harness.clock.set(SENT + timedelta(minutes=10))
    await harness.press(LIAISON, undo.pack())
    assert alert(harness) == ZH("ntc-refused-undo-expired")
    assert await recipient_state(harness, notice_id, LIAISON) is RecipientState.ACKNOWLEDGED


async def test_someone_elses_button_and_forged_buttons_are_refused(harness: Harness) -> None:
    notice_id = await send_notice(harness)
    [message] = await outbox_to(harness, LIAISON)
    ack = buttons(message)[ZH("ntc-button-ack")]
    await harness.press(TOWN, ack, language="en")
    assert alert(harness) == EN("ntc-refused-not-yours")
    assert await recipient_state(harness, notice_id, LIAISON) is RecipientState.QUEUED
    await harness.press(LIAISON, NoticePress(action=RecipientAction.ACK, recipient=99999).pack())
    assert alert(harness) == ZH("ntc-refused-unknown")
    # The card's buttons: only the author (or a supervisor over the whole scope).
    remind = CardPress(action=CardAction.REMIND, notice=notice_id).pack()
    await harness.press(LIAISON, remind)
    assert alert(harness) == ZH("ntc-refused-not-yours")
    await harness.press(LIAISON, "v1ntc:ack:not-a-number")
    assert await recipient_state(harness, notice_id, LIAISON) is RecipientState.QUEUED


async def test_a_question_goes_to_the_author_who_answers(harness: Harness) -> None:
    notice_id = await send_notice(harness)
    [message] = await outbox_to(harness, LIAISON)
    assert await harness.press(LIAISON, buttons(message)[ZH("ntc-button-ask")]) == [
        ZH("ntc-ask-prompt")
    ]
    assert await harness.send(LIAISON, "  ") == [ZH("ntc-ask-empty")]
    assert await harness.send(LIAISON, "口罩<哪里领>？") == [ZH("ntc-asked")]
    assert await recipient_state(harness, notice_id, LIAISON) is RecipientState.QUESTION
    question = (await outbox_to(harness, AUTHOR))[-1]
    assert "口罩&lt;哪里领&gt;？" in question.text
    answer_button = buttons(question)[ZH("ntc-button-answer")]
    # Only the author answers.
    await harness.press(TOWN, answer_button, language="en")
    assert alert(harness) == EN("ntc-refused-not-yours")
    assert await harness.press(AUTHOR, answer_button) == [
        # The name Telegram gave last (the harness's users are all "用户").
        ZH("ntc-answer-prompt", name="用户")
    ]
    assert await harness.send(AUTHOR, "村委会领取") == [ZH("ntc-answered")]
    answer = (await outbox_to(harness, LIAISON))[-1]
    assert answer.text == ZH(
        "ntc-answer-to-recipient", id=notice_id, question="口罩<哪里领>？", answer="村委会领取"
    )


async def test_forward_to_the_residents_group_is_tracked(harness: Harness) -> None:
    async def bind(repos: Repositories) -> None:
        group = ChatGroup(RESIDENTS_CHAT, "东关村居民群", "dongguan", GroupPurpose.RESIDENTS)
        await repos.groups.bind(group, bound_by=LIAISON, now=SENT)

    await harness.repos(bind)
    notice_id = await send_notice(harness)
    [message] = await outbox_to(harness, LIAISON)
    forward = buttons(message)[ZH("ntc-button-forward")]
    await harness.press(LIAISON, forward)
    assert alert(harness) == ZH("ntc-forwarded", unit="东关村")
    [posting] = await harness.repos(lambda r: r.notices.postings(notice_id))
    assert (posting.chat_id, posting.forwarded_by) == (RESIDENTS_CHAT, LIAISON)
    [post] = await outbox_to(harness, RESIDENTS_CHAT)
    assert ZH("ntc-post-pending", unit="东关村", due="11-23 18:00") in post.text
    # Twice is one posting.
    await harness.press(LIAISON, forward)
    assert len(await outbox_to(harness, RESIDENTS_CHAT)) == 1


async def test_re_remind_only_the_unconfirmed_at_most_every_five_minutes(harness: Harness) -> None:
    notice_id = await send_notice(harness, units=("dongguan",))
    remind = CardPress(action=CardAction.REMIND, notice=notice_id).pack()
    await harness.press(AUTHOR, remind)
    assert alert(harness) == ZH("ntc-reminded", n=1)
    assert len(await outbox_to(harness, LIAISON)) == 2
    harness.clock.set(SENT + timedelta(minutes=4))
    await harness.press(AUTHOR, remind)
    assert alert(harness) == ZH("ntc-refused-remind-too-soon", at="09:05:00")
    assert len(await outbox_to(harness, LIAISON)) == 2
    # Confirmed: nobody left to remind.
    [message] = (await outbox_to(harness, LIAISON))[:1]
    await harness.press(LIAISON, buttons(message)[ZH("ntc-button-ack")])
    harness.clock.set(SENT + timedelta(minutes=6))
    await harness.press(AUTHOR, remind)
    assert alert(harness) == ZH("ntc-refused-nothing-to-remind")


async def test_the_pending_list_names_who_has_not_confirmed(harness: Harness) -> None:
    notice_id = await send_notice(harness)
    replies = await harness.press(
        AUTHOR, CardPress(action=CardAction.PENDING, notice=notice_id).pack()
    )
    assert replies == [
        "\n".join(
            [
                ZH("ntc-pending-title", id=notice_id, n=2),
                ZH("ntc-pending-line", unit="东关村", person="张联络"),
                ZH("ntc-pending-line", unit="河西街道", person="—"),
            ]
        )
    ]


async def test_an_unreachable_liaison_is_reached_through_the_unit(harness: Harness) -> None:
    async def tracker(repos: Repositories) -> None:
        await repos.people.ensure(3001, "赵网格", Language.ZH_CN, now=SENT)
        await repos.roles.grant(
            RoleAssignment(3001, "dongguan", Role.TRACKER), granted_by=None, now=SENT
        )

    await harness.repos(tracker)
    notice_id = await send_notice(harness)
    [message] = await outbox_to(harness, LIAISON)
    # The sender met a 403 for the liaison.
    async with harness.database.transaction() as session:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message.id)
            .values(state=OutboxState.UNREACHABLE.value)
        )
    refresher = NoticeRefresher(harness.database, service(harness), now=harness.clock.now)
    await refresher.run_due()
    assert await recipient_state(harness, notice_id, LIAISON) is RecipientState.UNREACHABLE
    [told] = await outbox_to(harness, 3001)
    assert told.text == ZH("ntc-unreachable-tell", name="张联络", unit="东关村", id=notice_id)
    await refresher.run_due()  # told once
    assert len(await outbox_to(harness, 3001)) == 1


async def test_a_confirmation_stops_the_escalation(harness: Harness) -> None:
    notice_id = await send_notice(harness, units=("dongguan",))
    [message] = await outbox_to(harness, LIAISON)
    engine = ObligationEngine(
        harness.database,
        DEFAULT_CHAIN_BOOK,
        WorkCalendar.of(ZONE),
        ObligationTexts(),
        now=harness.clock.now,
    )
    # Before confirming, the reminder 30 minutes before the deadline goes out.
    await engine.run_due(DUE - timedelta(minutes=29))
    before = len(await outbox_to(harness, LIAISON))
    assert before == 2
    await harness.press(LIAISON, buttons(message)[ZH("ntc-button-ack")])
    await engine.run_due(DUE + timedelta(hours=30))
    # Only the pressed message's buttons changed (received → undo); nothing more was sent.
    rows = await outbox_to(harness, LIAISON)
    assert [row.edit_message_id for row in rows[before:]] == [7]
    assert await outbox_to(harness, TOWN) == []
    assert await obligation_state(harness, notice_id, "dongguan") is ObligationState.MET


async def test_an_unconfirmed_unit_escalates_to_the_township(harness: Harness) -> None:
    await send_notice(harness, units=("dongguan",))
    engine = ObligationEngine(
        harness.database,
        DEFAULT_CHAIN_BOOK,
        WorkCalendar.of(ZONE),
        ObligationTexts(),
        now=harness.clock.now,
    )
    await engine.run_due(DUE + timedelta(hours=3, minutes=1))
    [escalation] = await outbox_to(harness, TOWN)
    assert escalation.text.startswith(
        EN("obligation-notice-escalate", unit="东关村", due="", who="")[:20]
    )


async def test_the_refresher_writes_no_edit_that_changes_nothing(harness: Harness) -> None:
    notice_id = await send_notice(harness)
    [card] = [r for r in await outbox_to(harness, AUTHOR) if r.dedupe_key.endswith(":card")]
    async with harness.database.transaction() as session:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == card.id)
            .values(state=OutboxState.SENT.value, sent_message_id=77)
        )

    async def dirty(repos: Repositories) -> None:
        await repos.notices.mark_dirty(notice_id)

    await harness.repos(dirty)
    refresher = NoticeRefresher(harness.database, service(harness), now=harness.clock.now)
    await refresher.run_due()
    # Nothing changed since the card went out: Telegram would refuse the edit.
    edits = [r for r in await outbox_to(harness, AUTHOR) if ":card:e" in r.dedupe_key]
    assert edits == []
    # The card's text changed (as if rendered by an older version): the edit is written.
    async with harness.database.transaction() as session:
        await session.execute(update(OutboxRow).where(OutboxRow.id == card.id).values(text="旧"))
    await harness.repos(dirty)
    harness.clock.set(SENT + timedelta(minutes=10))
    await refresher.run_due()
    edits = [r for r in await outbox_to(harness, AUTHOR) if ":card:e" in r.dedupe_key]
    assert len(edits) == 1
