"""/notice: the compose dialog, step by step: each bad input re-asked without losing what was
entered, forged and stale buttons refused, the role checked at each step, the draft kept over
a restart, and the preview exactly what a recipient gets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import AnswerCallbackQuery, SendPhoto
from aiogram.types import PhotoSize

from domain.notice_compose import Step
from domain.notice_presses import Act
from storage import Repositories
from tests.handlers.conftest import ADMIN_ID, EN, ZH, Harness
from texts.i18n import Translator
from texts.notice_compose import NoticeStep

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
COUNTY, TOWNSHIP, LIAISON = 1001, 1002, 2001  # 王主任 (zh), 李镇长 (en), 张联络


@pytest.fixture(autouse=True)
def at_nine(harness: Harness) -> None:
    harness.clock.set(NOW)


def photo(file_id: str, size: int) -> PhotoSize:
    return PhotoSize(file_id=file_id, file_unique_id=file_id, width=9, height=9, file_size=size)


def alerts(harness: Harness) -> list[str]:
    return [r.text or "" for r in harness.session.of_type(AnswerCallbackQuery) if r.show_alert]


def step_data(harness: Harness, step: Step, act: Act, value: str = "") -> str:
    """The data of a button of the current dialog's `step` (its id read off the last keyboard)."""
    for row in harness.last_keyboard().inline_keyboard:
        for button in row:
            data = button.callback_data or ""
            if data.startswith(NoticeStep.__prefix__ + ":"):
                dialog = NoticeStep.unpack(data).dialog
                return NoticeStep(dialog=dialog, step=step, act=act, value=value).pack()
    raise AssertionError("no notice dialog button")


async def to_when(harness: Harness, user: int = COUNTY, tr: Translator = ZH) -> None:
    """Text typed, no file, the whole subtree, liaisons: the "when?" question."""
    await harness.send(user, "/notice")
    await harness.send(user, "请各村做好<b>防护</b>")
    await harness.press(user, harness.button(tr("ncp-button-no-file")))
    await harness.press(user, harness.button(tr("ncp-scope-all")))
    await harness.press(user, harness.button(tr("ncp-audience-liaisons")))
    await harness.press(user, harness.button(tr("ncp-button-done", count=1)))
    assert tr("ncp-ask-when") in harness.session.texts(user)[-1]


async def test_resident_and_liaison_are_refused(harness: Harness) -> None:
    assert await harness.send(LIAISON, "/notice") == [ZH("ncp-not-allowed")]
    assert await harness.send(3001, "/notice") == [ZH("ncp-not-allowed")]


async def test_a_whole_dialog_to_the_preview_matches_what_is_sent(harness: Harness) -> None:
    await to_when(harness)
    await harness.press(COUNTY, harness.button(ZH("ncp-when-now")))
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-yes")))
    replies = await harness.send(COUNTY, "18:00")
    preview_title, preview, summary = replies[-3:]
    # The county office has no liaison: the preview is a unit that gets it.
    assert preview_title == ZH("ncp-preview-title", unit="东关村")
    # The author's text escaped, exactly as typed, with the deadline.
    assert "请各村做好&lt;b&gt;防护&lt;/b&gt;" in preview
    assert "11-23 18:00" in preview
    assert ZH("ncp-summary-ack-by", at="2026-11-23 18:00") in summary
    assert ZH("ncp-summary-now") in summary
    names = "示范县、城关镇、东关村、河西街道"
    assert ZH("ncp-summary-units-liaisons", count=4, reached=1, names=names) in summary
    assert ZH("ncp-button-send") in harness.labels()


async def test_empty_text_and_bad_times_are_asked_again_keeping_the_draft(
    harness: Harness,
) -> None:
    await harness.send(COUNTY, "/notice")
    replies = await harness.send(COUNTY, "   ")
    assert ZH("ncp-text-empty") in replies[-1]
    assert ZH("ncp-ask-text").splitlines()[0] in replies[-1]
    await harness.send(COUNTY, "请注意防护")
    await harness.press(COUNTY, harness.button(ZH("ncp-button-no-file")))
    await harness.press(COUNTY, harness.button(ZH("ncp-scope-all")))
    await harness.press(COUNTY, harness.button(ZH("ncp-audience-liaisons")))
    await harness.press(COUNTY, harness.button(ZH("ncp-button-done", count=1)))
    await harness.press(COUNTY, harness.button(ZH("ncp-when-at")))
    assert ZH("ncp-past") in (await harness.send(COUNTY, "08:00"))[-1]
    assert ZH("ncp-moment-bad") in (await harness.send(COUNTY, "明天"))[-1]
    await harness.send(COUNTY, "2026-11-23 10:00")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-yes")))
    # A deadline before the sending time is refused; the text typed first is still there.
    assert ZH("ncp-ack-before-send") in (await harness.send(COUNTY, "09:30"))[-1]
    replies = await harness.send(COUNTY, "11-24 18:00")
    assert "请注意防护" in replies[-2]
    assert ZH("ncp-summary-at", at="2026-11-23 10:00") in replies[-1]
    assert ZH("ncp-button-schedule") in harness.labels()


async def test_a_template_in_english_fills_the_unit(harness: Harness) -> None:
    await harness.send(TOWNSHIP, "/notice", language="en")
    await harness.press(TOWNSHIP, harness.button("Masks and hand hygiene"), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-button-no-file")), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-scope-all")), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-audience-members")), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-button-done", count=1)), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-when-now")), language="en")
    replies = await harness.press(TOWNSHIP, harness.button(EN("ncp-ack-no")), language="en")
    assert "[城关镇 prevention notice] Wear a mask" in replies[-2]
    assert EN("ncp-summary-no-ack") in replies[-1]


async def test_a_photo_over_the_limit_is_refused_and_a_smaller_one_taken(
    harness: Harness,
) -> None:
    await harness.send(COUNTY, "/notice")
    await harness.send(COUNTY, "正文")
    big = {"photo": [photo("big", 11 * 1024 * 1024)]}
    replies = await harness.send(COUNTY, "", media=big)
    assert ZH("ncp-file-large", most=10) in replies[-1]
    small = {"photo": [photo("ok", 1000)]}
    replies = await harness.send(COUNTY, "", media=small)
    assert ZH("ncp-ask-scope") in replies[-1]
    await harness.press(COUNTY, harness.button(ZH("ncp-scope-all")))
    await harness.press(COUNTY, harness.button(ZH("ncp-audience-liaisons")))
    await harness.press(COUNTY, harness.button(ZH("ncp-button-done", count=1)))
    await harness.press(COUNTY, harness.button(ZH("ncp-when-now")))
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-no")))
    photos = harness.session.of_type(SendPhoto)
    assert [p.photo for p in photos] == ["ok"]
    assert "正文" in (photos[-1].caption or "")


async def test_choosing_units_by_browsing_and_forged_units_refused(harness: Harness) -> None:
    await harness.send(TOWNSHIP, "/notice", language="en")
    await harness.send(TOWNSHIP, "Notice", language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-button-no-file")), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-scope-units")), language="en")
    # 李镇长 supervises 城关镇 only: 河西街道 is not offered, and a forged press is refused.
    assert not any("河西" in label for label in harness.labels())
    forged = step_data(harness, Step.UNITS, Act.UNIT, "hexi")
    await harness.press(TOWNSHIP, forged, language="en")
    assert alerts(harness)[-1] == EN("ncp-forged")
    await harness.press(TOWNSHIP, harness.button("东关村"), language="en")
    assert "✅ 东关村" in harness.labels()
    await harness.press(TOWNSHIP, harness.button(EN("ncp-button-done", count=1)), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-audience-liaisons")), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-button-done", count=1)), language="en")
    await harness.press(TOWNSHIP, harness.button(EN("ncp-when-now")), language="en")
    replies = await harness.press(TOWNSHIP, harness.button(EN("ncp-ack-no")), language="en")
    assert EN("ncp-summary-units-liaisons", count=1, reached=1, names="东关村") in replies[-1]


async def test_an_empty_checklist_and_a_stale_step_are_refused(harness: Harness) -> None:
    await harness.send(COUNTY, "/notice")
    await harness.send(COUNTY, "正文")
    old = harness.button(ZH("ncp-button-no-file"))
    await harness.press(COUNTY, old)
    await harness.press(COUNTY, old)  # the same button again: its step has passed
    assert alerts(harness)[-1] == ZH("ncp-stale")
    await harness.press(COUNTY, harness.button(ZH("ncp-scope-all")))
    await harness.press(COUNTY, harness.button(ZH("ncp-button-done", count=0)))
    assert alerts(harness)[-1] == ZH("ncp-audience-none")


async def test_a_button_of_an_earlier_dialog_is_refused(harness: Harness) -> None:
    await harness.send(COUNTY, "/notice")
    await harness.send(COUNTY, "正文")
    old = harness.button(ZH("ncp-button-no-file"))
    await harness.send(COUNTY, "/notice")
    await harness.send(COUNTY, "另一条")
    await harness.press(COUNTY, old)
    assert alerts(harness)[-1] == ZH("ncp-stale")


async def test_the_draft_survives_a_restart(harness: Harness) -> None:
    await harness.send(COUNTY, "/notice")
    await harness.send(COUNTY, "重启前写的")
    await harness.press(COUNTY, harness.button(ZH("ncp-button-no-file")))
    harness.restart()
    await harness.press(COUNTY, harness.button(ZH("ncp-scope-all")))
    await harness.press(COUNTY, harness.button(ZH("ncp-audience-groups")))
    await harness.press(COUNTY, harness.button(ZH("ncp-button-done", count=1)))
    await harness.press(COUNTY, harness.button(ZH("ncp-when-now")))
    replies = await harness.press(COUNTY, harness.button(ZH("ncp-ack-no")))
    assert "重启前写的" in replies[-2]


async def test_a_supervisor_who_lost_the_role_is_stopped_mid_dialog(harness: Harness) -> None:
    await harness.send(TOWNSHIP, "/notice", language="en")
    await harness.send(TOWNSHIP, "Notice", language="en")

    async def remove(repos: Repositories) -> None:
        for assignment, person, _ in await repos.roles.in_unit("chengguan"):
            if person.telegram_id == TOWNSHIP:
                await repos.roles.revoke(assignment)

    await harness.repos(remove)
    replies = await harness.press(TOWNSHIP, harness.button(EN("ncp-button-no-file")), language="en")
    assert replies[-1] == EN("ncp-not-allowed")


async def test_an_admin_may_compose(harness: Harness) -> None:
    replies = await harness.send(ADMIN_ID, "/notice")
    assert ZH("ncp-ask-text").splitlines()[0] in replies[-1]


async def test_repeat_daily_asks_times_and_end_day(harness: Harness) -> None:
    await to_when(harness)
    await harness.press(COUNTY, harness.button(ZH("ncp-when-daily")))
    assert ZH("ncp-times-bad") in (await harness.send(COUNTY, "8点"))[-1]
    await harness.send(COUNTY, "08:00")
    assert ZH("ncp-past") in (await harness.send(COUNTY, "2026-11-01"))[-1]
    await harness.send(COUNTY, "2026-11-30")
    await harness.press(COUNTY, harness.button(ZH("ncp-ack-yes")))
    replies = await harness.send(COUNTY, "18:00")
    # The first repetition is tomorrow at 08:00 (today's has passed), due at 18:00 that day.
    assert "11-24 18:00" in replies[-2]
    assert ZH("ncp-summary-daily", times="08:00", until="2026-11-30") in replies[-1]


async def test_typing_at_a_buttons_only_step_is_refused_and_not_echoed(harness: Harness) -> None:
    await to_when(harness)
    replies = await harness.send(COUNTY, "立即")
    assert ZH("ncp-use-buttons") in replies[-1]
    assert ZH("ncp-text-only") not in replies[-1]
    assert not [e for e in harness.echoes(COUNTY) if "立即" in e]
    assert ZH("ncp-when-now") in harness.labels()
