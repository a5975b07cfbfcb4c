"""/bulletin [UNIT] [WEEK]: who may ask (supervisors for their subtree, admins; private chats
only), the week read and its refusals, and the bulletin with its chart."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from aiogram.methods import AnswerCallbackQuery, SendPhoto
from PIL import Image

from storage import Repositories
from storage.records import AuditEntry
from tests.handlers.conftest import ADMIN_ID, EN, ZH, Harness
from tests.stats_data import ZONE, seed_reports
from texts import charts
from texts.bulletin import BulletinUnit
from texts.i18n import Html, Translator

COUNTY, TOWNSHIP, LIAISON = 1001, 1002, 2001  # 王主任 (zh), 李镇长 (en), 张联络
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZONE)  # a Monday: the last full week is 11-30..12-06
MONDAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
async def last_week(harness: Harness) -> None:
    harness.clock.set(NOW)

    async def seed(repos: Repositories) -> None:
        await seed_reports(repos, {"dongguan": "SSLM-EZ", "hexi": "SSSSS--"}, MONDAY)

    await harness.repos(seed)


def counts(tr: Translator, on_time: int, late: int, missing: int, excused: int) -> Html:
    return Html(tr("bulletin-counts", on_time=on_time, late=late, missing=missing, excused=excused))


async def refusals(harness: Harness) -> list[AuditEntry]:
    found: list[AuditEntry] = await harness.repos(lambda r: r.audit.recent(50))
    return [entry for entry in found if entry.action == "bulletin.view" and not entry.allowed]


def photos(harness: Harness) -> list[SendPhoto]:
    return harness.session.of_type(SendPhoto)


async def test_a_liaison_is_refused_and_the_refusal_audited(harness: Harness) -> None:
    assert await harness.send(LIAISON, "/bulletin") == [ZH("bulletin-no-role")]
    [refusal] = await refusals(harness)
    assert (refusal.actor_id, refusal.detail) == (LIAISON, "bulletin-no-role")


async def test_only_in_a_private_chat(harness: Harness) -> None:
    assert await harness.send(COUNTY, "/bulletin", chat_id=-100123) == [ZH("bulletin-private-only")]
    assert photos(harness) == []


async def test_a_unit_outside_the_subtree_is_refused(harness: Harness) -> None:
    replies = await harness.send(TOWNSHIP, "/bulletin 河西街道", language="en")
    assert replies == [EN("perm-denied")]
    [refusal] = await refusals(harness)
    assert refusal.target == "hexi"
    assert photos(harness) == []


async def test_a_forged_button_for_another_unit_is_refused(harness: Harness) -> None:
    await harness.press(TOWNSHIP, BulletinUnit(unit="hexi", browse=False, week="2026-11-30").pack())
    [answer] = harness.session.of_type(AnswerCallbackQuery)
    assert answer.text == EN("perm-denied")
    assert photos(harness) == []


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("2026-W99", "bulletin-week-invalid"),
        ("2026-W50", "bulletin-week-not-over"),  # the week running now
        ("12-08", "bulletin-week-not-over"),
        ("2026-W48 2026-W49", "bulletin-week-invalid"),
    ],
)
async def test_a_wrong_week_is_refused_in_the_callers_language(
    harness: Harness, typed: str, key: str
) -> None:
    [reply] = await harness.send(TOWNSHIP, f"/bulletin {typed}", language="en")
    assert reply == EN(key, text=typed, week=typed, example="2026-11-30", last="2026-W49")
    assert photos(harness) == []


async def test_the_county_gets_last_weeks_ranking_praise_and_blame(harness: Harness) -> None:
    replies = await harness.send(COUNTY, "/bulletin")
    [text] = replies
    title = ZH("bulletin-title", unit="示范县", week="2026-W49", period="2026-11-30 至 2026-12-06")
    assert text.startswith(title)
    assert ZH("bulletin-total", expected=11, counts=counts(ZH, 8, 1, 1, 1), rate="80.0%") in text
    first = ZH(
        "bulletin-rank-line", place=1, unit="河西街道", rate="100.0%", counts=counts(ZH, 5, 0, 0, 0)
    )
    second = ZH(
        "bulletin-rank-line", place=2, unit="城关镇", rate="60.0%", counts=counts(ZH, 3, 1, 1, 1)
    )
    assert text.index(first) < text.index(second)
    assert ZH("bulletin-praised", units=Html("河西街道")) in text
    assert ZH("bulletin-flag-line", unit="东关村", missing=1, late=1) in text
    assert ZH("bulletin-declarations", count=0, categories=Html(ZH("stats-nothing"))) in text
    [photo] = photos(harness)
    assert photo.caption == ZH("bulletin-chart-caption", unit="示范县", week="2026-W49")
    image = Image.open(io.BytesIO(photo.photo.data))  # type: ignore[union-attr]
    assert image.size == charts.SIZE_PX
    assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 20


async def test_a_week_given_by_name_in_english(harness: Harness) -> None:
    [text] = await harness.send(TOWNSHIP, "/bulletin 2026-W49", language="en")
    assert text.startswith(
        EN("bulletin-title", unit="城关镇", week="2026-W49", period="2026-11-30 to 2026-12-06")
    )
    # The township's only sub-unit is ranked; it missed a day, so nobody is commended.
    one = EN(
        "bulletin-rank-line", place=1, unit="东关村", rate="60.0%", counts=counts(EN, 3, 1, 1, 1)
    )
    assert one in text
    assert EN("bulletin-praised-none") in text
    assert EN("bulletin-flag-line", unit="东关村", missing=1, late=1) in text
    assert len(photos(harness)) == 1


async def test_a_week_with_nothing_owed_says_so(harness: Harness) -> None:
    replies = await harness.send(ADMIN_ID, "/bulletin 示范县 2026-11-20")
    assert replies == [
        ZH("bulletin-empty", unit="示范县", week="2026-W47", period="2026-11-16 至 2026-11-22")
    ]
    assert photos(harness) == []


async def test_an_admin_sees_any_unit_and_a_button_names_one(harness: Harness) -> None:
    [whole] = await harness.send(ADMIN_ID, "/bulletin 2026-W49")
    assert whole.startswith(
        ZH("bulletin-title", unit="示范县", week="2026-W49", period="2026-11-30 至 2026-12-06")
    )
    data = BulletinUnit(unit="hexi", browse=False, week="2026-11-30").pack()
    replies = await harness.press(ADMIN_ID, data)
    assert ZH("bulletin-praised", units=Html("河西街道")) in replies[-1]
    assert len(photos(harness)) == 2


async def test_a_button_for_a_week_not_over_is_refused(harness: Harness) -> None:
    await harness.press(ADMIN_ID, BulletinUnit(unit="hexi", browse=False, week="2026-12-07").pack())
    [answer] = harness.session.of_type(AnswerCallbackQuery)
    assert answer.text == ZH("bulletin-usage")
    assert photos(harness) == []
