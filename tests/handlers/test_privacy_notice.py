"""The privacy notice a declaration opens with: asked once per person and version, before any
question; declining keeps nothing; the version and time go with the declaration."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import AnswerCallbackQuery
from sqlalchemy import select

from bot.wiring import expired_draft_notice, jobs_config
from domain.privacy_notice import notice_version
from scheduler.actions import expire_drafts
from scheduler.context import JobContext
from services.org import load_org_file
from storage import Repositories
from storage.models import DeclarationRow, DraftLeaseRow, PrivacyNoticeAcceptanceRow
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_declarations import click, walk_to_summary
from tests.orgs import NANJIE, Member, org_toml
from texts.privacy_notice import DeclNotice
from texts.proxy_declarations import DeclProxy, ProxyAction

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=ZONE)
RESIDENT, FOREIGNER, LIAISON = 3001, 3003, 2001
VERSION = notice_version(30)
ORG = org_toml(
    [NANJIE],
    [
        Member(RESIDENT, "刘居民", "dongguan", "resident"),
        Member(FOREIGNER, "Anna", "dongguan", "resident", "en"),
    ],
)


@pytest.fixture(autouse=True)
async def setup(harness: Harness) -> None:
    harness.clock.set(NOW)
    await harness.repos(lambda repos: load_org_file(repos, ORG, now=NOW))


def near(at: datetime, expected: datetime) -> bool:
    """The harness's clock runs on from where it was set."""
    return abs(at - expected) < timedelta(seconds=30)


async def _rows(harness: Harness, model: type) -> list:  # type: ignore[type-arg]
    async def read(repos: Repositories) -> list:  # type: ignore[type-arg]
        return list(await repos.session.scalars(select(model)))

    return list(await harness.repos(read))


def _notice_buttons(harness: Harness) -> list[DeclNotice]:
    return [
        DeclNotice.unpack(button.callback_data or "")
        for row in harness.last_keyboard().inline_keyboard
        for button in row
    ]


async def test_the_notice_comes_before_any_question_and_is_asked_once(harness: Harness) -> None:
    [notice] = await harness.send(RESIDENT, "/declare")
    assert ZH("notice-title", version=ZH("notice-version", revision=1, days=30)) in notice
    assert VERSION not in notice  # the stored code is not for people
    assert ZH("notice-body", unit="东关村", days=30) in notice
    assert "传染病防治法" in notice
    assert "/mydata" in notice
    assert harness.labels() == [ZH("notice-accept"), ZH("notice-decline")]
    # Typing an answer first: the notice again, nothing taken as an answer.
    [again] = await harness.send(RESIDENT, "刘小明")
    assert again.startswith(ZH("notice-first"))
    assert await _rows(harness, PrivacyNoticeAcceptanceRow) == []
    harness.clock.advance(timedelta(minutes=2))
    replies = await harness.accept_notice(RESIDENT)
    assert replies == [ZH("declare-intro", unit="东关村"), ZH("declare-q-name")]
    [accepted] = await _rows(harness, PrivacyNoticeAcceptanceRow)
    assert (accepted.person_id, accepted.version) == (RESIDENT, VERSION)
    assert near(accepted.accepted_at, NOW + timedelta(minutes=2))
    # The notice's buttons are gone, the choice shown in it; pressing again is refused.
    assert harness.echoes(RESIDENT)[-1].endswith(ZH("dialog-answered", answer=ZH("notice-accept")))
    accept = DeclNotice(accept=True, dialog=_notice_buttons_dialog(harness)).pack()
    assert await harness.press(RESIDENT, accept) == []
    assert harness.session.of_type(AnswerCallbackQuery)[-1].show_alert
    # Accepted once: the next declaration starts with its questions.
    await harness.send(RESIDENT, "/cancel")
    assert await harness.send(RESIDENT, "/declare") == [
        ZH("declare-intro", unit="东关村"),
        ZH("declare-q-name"),
    ]


def _notice_buttons_dialog(harness: Harness) -> str:
    for request in reversed(harness.session.requests):
        markup = getattr(request, "reply_markup", None)
        for row in getattr(markup, "inline_keyboard", []):
            for button in row:
                if (button.callback_data or "").startswith("v1dcln:"):
                    return DeclNotice.unpack(button.callback_data).dialog
    raise AssertionError("no notice was sent")


async def test_the_declaration_records_the_notice_it_was_filed_under(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await walk_to_summary(harness, RESIDENT)
    await click(harness, RESIDENT, "confirm")
    await click(harness, RESIDENT, "agree")
    [row] = await _rows(harness, DeclarationRow)
    assert row.notice_version == VERSION
    assert near(row.notice_accepted_at, NOW)
    stored = await harness.repos(lambda repos: repos.declarations.get(row.id))
    assert stored.notice.version == VERSION
    # /mydata tells the resident which notice they accepted, and when.
    text = "\n".join(await harness.send(RESIDENT, "/mydata"))
    assert (
        ZH(
            "notice-accepted-line",
            version=ZH("notice-version", revision=1, days=30),
            at="2026-11-22 10:00",
        )
        in text
    )


async def test_declining_keeps_nothing_and_asks_again_next_time(harness: Harness) -> None:
    await harness.send(RESIDENT, "/declare")
    decline = next(b for b in _notice_buttons(harness) if not b.accept)
    assert await harness.press(RESIDENT, decline.pack()) == [ZH("notice-declined")]
    assert await _rows(harness, PrivacyNoticeAcceptanceRow) == []
    assert await _rows(harness, DraftLeaseRow) == []
    assert await harness.send(RESIDENT, "刘小明") != [ZH("declare-q-phone")]
    [notice] = await harness.send(RESIDENT, "/declare")
    assert ZH("notice-title", version=ZH("notice-version", revision=1, days=30)) in notice
    assert VERSION not in notice  # the stored code is not for people


async def test_a_new_version_of_the_notice_is_asked_again(harness: Harness) -> None:
    async def accepted_before(repos: Repositories) -> None:
        await repos.privacy_notices.accept(RESIDENT, notice_version(14), NOW - timedelta(days=9))

    await harness.repos(accepted_before)
    [notice] = await harness.send(RESIDENT, "/declare")
    assert ZH("notice-body", unit="东关村", days=30) in notice
    await harness.accept_notice(RESIDENT)
    versions = {row.version for row in await _rows(harness, PrivacyNoticeAcceptanceRow)}
    assert versions == {notice_version(14), VERSION}


async def test_the_notice_is_in_the_residents_language(harness: Harness) -> None:
    [notice] = await harness.send(FOREIGNER, "/declare")
    assert EN("notice-body", unit="东关村", days=30) in notice
    assert harness.labels() == [EN("notice-accept"), EN("notice-decline")]


async def test_a_forged_or_other_dialogs_notice_button_is_refused(harness: Harness) -> None:
    await harness.send(RESIDENT, "/declare")
    forged = DeclNotice(accept=True, dialog="other").pack()
    assert await harness.press(RESIDENT, forged) == []
    assert harness.session.of_type(AnswerCallbackQuery)[-1].text == ZH("declare-stale")
    assert await _rows(harness, PrivacyNoticeAcceptanceRow) == []
    # Another person pressing this one's button has no dialog of their own.
    real = next(b for b in _notice_buttons(harness) if b.accept).pack()
    assert await harness.press(FOREIGNER, real) == []
    assert await _rows(harness, PrivacyNoticeAcceptanceRow) == []


async def test_a_proxy_filer_states_the_notice_for_each_person(harness: Harness) -> None:
    [notice] = await harness.send(LIAISON, "/declare_for")
    assert ZH("notice-ask-proxy") in notice
    assert harness.labels()[0] == ZH("notice-accept-proxy")
    await harness.accept_notice(LIAISON)
    await walk_to_summary(harness, LIAISON)
    await click(harness, LIAISON, "confirm")
    await click(harness, LIAISON, "agree")
    [row] = await _rows(harness, DeclarationRow)
    assert (row.proxy, row.notice_version) == (True, VERSION)
    assert near(row.notice_accepted_at, NOW)
    # Nothing is recorded as the filer's own acceptance.
    assert await _rows(harness, PrivacyNoticeAcceptanceRow) == []


async def test_a_proxy_update_asks_again_when_the_notice_changed(harness: Harness) -> None:
    await harness.send(LIAISON, "/declare_for")
    await harness.accept_notice(LIAISON)
    await walk_to_summary(harness, LIAISON)
    await click(harness, LIAISON, "confirm")
    await click(harness, LIAISON, "agree")
    [row] = await _rows(harness, DeclarationRow)
    update = DeclProxy(action=ProxyAction.UPDATE, id=row.id).pack()
    # Filed under the current notice: the update goes straight to the answers.
    replies = await harness.press(LIAISON, update)
    assert not any(ZH("notice-ask-proxy") in reply for reply in replies)
    await harness.send(LIAISON, "/cancel")

    async def filed_under_an_older_notice(repos: Repositories) -> None:
        await repos.session.execute(
            DeclarationRow.__table__.update()  # type: ignore[attr-defined]
            .where(DeclarationRow.id == row.id)
            .values(notice_version=notice_version(14))
        )

    await harness.repos(filed_under_an_older_notice)
    replies = await harness.press(LIAISON, update)
    assert any(ZH("notice-ask-proxy") in reply for reply in replies)
    await harness.accept_notice(LIAISON)
    await click(harness, LIAISON, "confirm")
    await click(harness, LIAISON, "agree")
    first, second = await _rows(harness, DeclarationRow)
    assert (first.superseded_by, second.notice_version) == (second.id, VERSION)


async def test_an_unanswered_notice_starts_no_expiry_timer(harness: Harness) -> None:
    await harness.send(RESIDENT, "/declare")
    assert await _rows(harness, DraftLeaseRow) == []  # no draft begun: no expiry notice later
    harness.clock.advance(timedelta(hours=30))
    context = JobContext(
        harness.database,
        harness.clock.now(),
        jobs_config(harness.settings),
        draft_notice=expired_draft_notice,
    )
    assert await expire_drafts(context) == {"drafts": 0}
    # Accepted: the half-finished declaration has its lease from now.
    await harness.send(RESIDENT, "/declare")
    await harness.accept_notice(RESIDENT)
    [lease] = await _rows(harness, DraftLeaseRow)
    assert lease.telegram_id == RESIDENT
