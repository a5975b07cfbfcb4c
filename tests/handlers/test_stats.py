"""/stats: who may ask (supervisors for their subtree, admins; private chats only), the
period asked by buttons or typed and its refusals, and the summary with its charts."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, SendPhoto
from PIL import Image

from domain.notices import (
    Audience,
    NoticeContent,
    NoticeRequest,
    NoticeState,
    RecipientKind,
)
from domain.periods import Preset
from storage import Repositories
from storage.records import AuditEntry
from tests.handlers.conftest import ADMIN_ID, EN, ZH, Harness
from tests.stats_data import ZONE, seed_reports
from texts import charts
from texts.stats import StatsPeriod, StatsUnit

COUNTY, TOWNSHIP, LIAISON = 1001, 1002, 2001  # 王主任 (zh), 李镇长 (en), 张联络
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=ZONE)
MONDAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
async def week(harness: Harness) -> None:
    harness.clock.set(NOW)

    async def seed(repos: Repositories) -> None:
        await seed_reports(repos, {"dongguan": "SSLM-EZ"}, MONDAY)

    await harness.repos(seed)


async def refusals(harness: Harness) -> list[AuditEntry]:
    found: list[AuditEntry] = await harness.repos(lambda r: r.audit.recent(50))
    return [entry for entry in found if entry.action == "stats.view" and not entry.allowed]


def photos(harness: Harness) -> list[bytes]:
    return [request.photo.data for request in harness.session.of_type(SendPhoto)]


async def test_a_liaison_is_refused_and_the_refusal_audited(harness: Harness) -> None:
    assert await harness.send(LIAISON, "/stats") == [ZH("stats-no-role")]
    [refusal] = await refusals(harness)
    assert (refusal.actor_id, refusal.detail) == (LIAISON, "stats-no-role")


async def test_only_in_a_private_chat(harness: Harness) -> None:
    replies = await harness.send(COUNTY, "/stats", chat_id=-100123)
    assert replies == [ZH("stats-private-only")]
    assert photos(harness) == []


async def test_a_unit_outside_the_subtree_is_refused(harness: Harness) -> None:
    replies = await harness.send(TOWNSHIP, "/stats 河西街道 11-30 12-06", language="en")
    assert replies == [EN("perm-denied")]
    [refusal] = await refusals(harness)
    assert refusal.target == "hexi"
    assert photos(harness) == []


async def test_a_forged_period_button_for_another_unit_is_refused(harness: Harness) -> None:
    data = StatsPeriod(unit="hexi", preset=Preset.LAST_7).pack()
    await harness.press(TOWNSHIP, data)
    [answer] = harness.session.of_type(AnswerCallbackQuery)
    assert answer.text == EN("perm-denied")
    assert photos(harness) == []


@pytest.mark.parametrize(
    ("dates", "key"),
    [
        ("11-30 11-01", "period-inverted"),
        ("2025-01-01 2026-12-01", "period-too-long"),
        ("12-01 12-31", "period-future"),
    ],
)
async def test_a_bad_period_is_refused_in_the_callers_language(
    harness: Harness, dates: str, key: str
) -> None:
    [reply] = await harness.send(TOWNSHIP, f"/stats {dates}", language="en")
    assert reply == EN(key, today="2026-12-06", max_days="366", example="2026-11-30 2026-12-06")
    assert photos(harness) == []


async def test_period_buttons_give_the_summary_and_three_charts(harness: Harness) -> None:
    # The township supervisor has one subtree: it is taken, and the period asked.
    [question] = await harness.send(TOWNSHIP, "/stats", language="en")
    assert question.startswith("<b>城关镇</b>")
    replies = await harness.press(TOWNSHIP, harness.button(EN("period-last-7")), language="en")
    summary = replies[-1]
    assert EN("stats-title", unit="城关镇", period="2026-11-30 to 2026-12-06") in summary
    assert (
        EN(
            "stats-reports",
            expected=6, filed=4, on_time=3, late=1, zero=1, excused=1, missing=1, rate="60.0%",
        )
        in summary
    )  # fmt: skip
    assert EN("stats-lateness", minutes=90) in summary
    assert EN("stats-miss-run", days=1, unit="东关村") in summary
    # No notice asked to be acknowledged: no line for them.
    assert EN("stats-notices", expected=0, confirmed=0, rate="").split(":")[0] not in summary
    images = photos(harness)
    assert len(images) == 3
    for data in images:
        image = Image.open(io.BytesIO(data))
        assert image.size == charts.SIZE_PX
        assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 20


async def test_typed_dates_answer_the_period_question(harness: Harness) -> None:
    await harness.send(COUNTY, "/stats 城关镇")
    replies = await harness.send(COUNTY, "12-03 12-06")
    assert ZH("stats-title", unit="城关镇", period="2026-12-03 至 2026-12-06") in replies[-1]
    assert len(photos(harness)) == 3


async def test_an_admin_sees_any_unit(harness: Harness) -> None:
    # One root: it is taken, and the period asked (HTML intact, the example as code).
    [question] = await harness.send(ADMIN_ID, "/stats")
    assert question.startswith("<b>示范县</b>：")
    assert "<code>2026-11-30 2026-12-06</code>" in question
    await harness.press(ADMIN_ID, StatsUnit(unit="chengguan", browse=False).pack())
    replies = await harness.press(ADMIN_ID, harness.button(ZH("period-today")))
    assert ZH("stats-title", unit="城关镇", period="2026-12-06") in replies[-1]


async def test_the_summary_gives_the_notice_confirmation_rate(harness: Harness) -> None:
    sent = datetime(2026, 12, 2, 9, 0, tzinfo=ZONE)

    async def notice(repos: Repositories) -> None:
        request = NoticeRequest(
            author_id=COUNTY,
            content=NoticeContent("戴口罩"),
            unit_codes=("dongguan",),
            audiences=frozenset({Audience.LIAISONS, Audience.MEMBERS}),
            ack_by=sent + timedelta(days=1),
        )
        notice_id = await repos.notices.create(
            request, send_at=sent, state=NoticeState.SENT, now=sent
        )
        assert notice_id is not None
        await repos.notices.add_recipients(
            notice_id,
            [
                (RecipientKind.LIAISON, "dongguan", LIAISON, "k1"),
                (RecipientKind.MEMBER, "dongguan", 3001, "k2"),
            ],
        )
        [liaison, _member] = await repos.notices.recipients(notice_id)
        await repos.notices.acknowledge(liaison, by=LIAISON, at=sent + timedelta(hours=1))

    await harness.repos(notice)
    await harness.send(TOWNSHIP, "/stats", language="en")
    replies = await harness.press(TOWNSHIP, harness.button(EN("period-last-7")), language="en")
    assert EN("stats-notices", expected=2, confirmed=1, rate="50.0%") in replies[-1]
