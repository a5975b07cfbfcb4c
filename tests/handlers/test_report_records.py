"""The report form beside the bot's records: counts pre-filled from declarations, a zero
report against them asking for a reason, abnormal situations pushed and quoted, and
corrections pre-filled with the filed answers (issue 17)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from domain.outbox import Priority
from storage.models import OutboxRow
from tests.declaration_rows import monitoring_row
from tests.handlers.conftest import ZH, Harness
from tests.handlers.test_reports import (
    ANSWERS,
    DAY,
    DEPUTY,
    DUE,
    LIAISON,
    ZONE,
    day_opened,  # noqa: F401 - the organisation and the day's reports, for every test here
    fill,
    q,
    versions,
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


async def declared(harness: Harness, when: datetime, **answers: Any) -> None:
    """A returnee of 东关村 from a mid-risk area under monitoring, declared at `when`."""

    async def act(repos: Any) -> None:
        row = monitoring_row(
            unit_code="dongguan",
            resident=None,
            filed_by=LIAISON,
            at=when,
            start=when.astimezone(ZONE).date(),
            answers={"name": "胡军", "status": "returned", **answers},
        )
        row.measure = {"days": 14}
        repos.session.add(row)

    await harness.repos(act)


async def private_outbox(harness: Harness, chat: int) -> list[OutboxRow]:
    async with harness.database.session() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.chat_id == chat).order_by(OutboxRow.id)
        )
        return list(rows)


def buttons(harness: Harness) -> list[str]:
    return [b.text for row in harness.last_keyboard().inline_keyboard for b in row]


async def test_an_abnormal_situation_is_pushed_to_supervisors_and_quoted(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    for key in ("returned", "returned_risk", "central_quarantine", "home_quarantine"):
        await harness.send(LIAISON, str(ANSWERS[key]))
    for key in ("monitoring", "fever_cases", "tests_done"):
        await harness.send(LIAISON, str(ANSWERS[key]))
    text = "村东<菜市场>聚集，" + "已劝散" * 30
    await harness.send(LIAISON, text)
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    # The township head (1002, nearest supervisor of 东关村) hears of it at once, escaped.
    [pushed] = await private_outbox(harness, 1002)
    assert pushed.priority == Priority.ALERT
    assert "村东&lt;菜市场&gt;聚集" in pushed.text
    assert "东关村" in pushed.text
    assert await private_outbox(harness, LIAISON) == []  # not the filer
    # The roll-up quotes it, shortened, under its heading.
    harness.clock.set(DUE + timedelta(hours=1))
    [rollup] = await harness.send(1002, "/status 11-23", language="en")
    lines = rollup.splitlines()
    assert "<b>Abnormal situations</b>" in lines
    [quoted] = [line for line in lines if line.startswith("· 东关村: 村东")]
    assert quoted.endswith("…")
    assert len(quoted) < len("· 东关村: ") + 60 + 20  # 60 characters, escaping aside
    # /status UNIT shows the figures and the whole text.
    [detail] = await harness.send(1002, "/status 东关村 11-23", language="en")
    assert "已劝散" * 30 in detail
    assert "Figures filed" in detail


async def test_counts_are_prefilled_from_declarations_and_an_adjustment_is_kept(
    harness: Harness,
) -> None:
    await declared(harness, at(DAY - timedelta(days=1), 9), temperature=38.6, symptoms=["fever"])
    [first] = await harness.send(LIAISON, "/report")
    assert ZH("report-records-title", until="11-23 00:00") in first
    assert ZH("report-records-line", field=q(ZH, "returned"), value=1) in first
    assert ZH("report-records-line", field=q(ZH, "fever_cases"), value=1) in first
    assert ZH("report-question-records", value=1) in first
    # Confirm the bot's count with its button; adjust the next one by typing.
    await harness.press(LIAISON, harness.button(ZH("report-button-records", value=1)))
    await harness.send(LIAISON, "0")  # returned_risk: the liaison says 0, the records 1
    for _ in range(2):  # central and home quarantine: the records hold 0
        await harness.press(LIAISON, harness.button(ZH("report-button-records", value=0)))
    await harness.press(LIAISON, harness.button(ZH("report-button-records", value=1)))
    await harness.press(LIAISON, harness.button(ZH("report-button-records", value=1)))
    [last] = await harness.send(LIAISON, "5")  # tests_done: no records
    assert ZH("report-question-records", value=0) not in last
    [summary] = await harness.press(LIAISON, harness.button(ZH("report-button-skip")))
    differing = ZH("report-summary-line", field=q(ZH, "returned_risk"), value=0)
    assert differing + ZH("report-summary-records", value=1) in summary.splitlines()
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    [filed] = await versions(harness)
    assert filed.answers["returned"] == 1
    assert filed.answers["returned_risk"] == 0
    assert filed.answers["fever_cases"] == 1
    assert dict(filed.records) == {
        "returned": 1,
        "returned_risk": 1,
        "central_quarantine": 0,
        "home_quarantine": 0,
        "monitoring": 1,
        "fever_cases": 1,
    }
    # Where the filed figure departs from the records, the roll-up and /status say so.
    harness.clock.set(DUE + timedelta(hours=1))
    [rollup] = await harness.send(1001, "/status 11-23")  # the county head reads Chinese
    field = ZH("rollup-departure-field", field=q(ZH, "returned_risk"), filed=0, system=1)
    assert ZH("rollup-departure-line", unit="东关村", fields=field) in rollup.splitlines()
    [detail] = await harness.send(1001, "/status 东关村 11-23")
    assert (
        ZH("status-figures-differs", field=q(ZH, "returned_risk"), value=0, system=1)
        in detail.splitlines()
    )


async def test_a_zero_report_against_a_feverish_resident_needs_a_reason(harness: Harness) -> None:
    # Declared with a fever this morning: after the cut-off, before the zero report.
    await declared(harness, at(DAY, 8), temperature=38.9, symptoms=[])
    [ask] = await harness.send(LIAISON, "/zero")
    assert ZH("report-zero-records") in ask
    assert ZH("report-records-later", count=1) in ask
    [reason] = await harness.press(LIAISON, harness.button(ZH("report-button-zero-confirm")))
    assert "零报告须说明原因" in reason
    assert await versions(harness) == []  # nothing filed without the reason
    # Blank text, or a photo, is asked again.
    [again] = await harness.send(LIAISON, "   ")
    assert again.startswith(ZH("report-zero-reason-empty"))
    [again] = await harness.send_media(LIAISON, "photo")
    assert again.startswith(ZH("report-zero-reason-empty"))
    [done] = await harness.send(LIAISON, "该居民已转运至<发热门诊>，不在本村")
    assert done.startswith(
        ZH("report-filed", unit="东关村", day="2026-11-23", what="零报告", time="10:00")
    )
    [filed] = await versions(harness)
    assert filed.zero
    assert filed.zero_reason == "该居民已转运至<发热门诊>，不在本村"
    harness.clock.set(DUE + timedelta(hours=1))
    [rollup] = await harness.send(1001, "/status 11-23")
    assert ZH("rollup-zero-reason-title") in rollup
    assert "原因：该居民已转运至&lt;发热门诊&gt;，不在本村" in rollup


async def test_a_zero_report_without_records_is_filed_at_once(harness: Harness) -> None:
    await harness.send(LIAISON, "/zero")
    [done] = await harness.press(LIAISON, harness.button(ZH("report-button-zero-confirm")))
    assert done.startswith(
        ZH("report-filed", unit="东关村", day="2026-11-23", what="零报告", time="10:00")
    )
    [filed] = await versions(harness)
    assert filed.zero_reason is None
    assert dict(filed.records) == {}


async def test_a_correction_opens_prefilled_with_keep_buttons(harness: Harness) -> None:
    await harness.send(LIAISON, "/report")
    await fill(harness)
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    harness.clock.set(at(DAY, 12))
    [start] = await harness.send(LIAISON, "/report")
    assert ZH("report-correction-prefilled") in start
    assert ZH("report-question-filed", value=3) in start
    # Numbered as the filed answers ask: 3 returned, so "from a risk area" is asked too.
    assert ZH("report-question", number=1, total=8, question=q(ZH, "returned")) in start
    assert ZH("report-button-keep", value=3) in buttons(harness)
    # Keep everything but the tests done.
    for key in ("returned", "returned_risk", "central_quarantine", "home_quarantine"):
        await harness.press(LIAISON, harness.button(ZH("report-button-keep", value=ANSWERS[key])))
    for key in ("monitoring", "fever_cases"):
        await harness.press(LIAISON, harness.button(ZH("report-button-keep", value=ANSWERS[key])))
    await harness.send(LIAISON, "150")
    # The abnormal situations were skipped: no keep button; skipping keeps it empty.
    assert ZH("report-question-filed", value="（未填）") in harness.session.requests[-1].text
    await harness.press(LIAISON, harness.button(ZH("report-button-skip")))
    await harness.press(LIAISON, harness.button(ZH("report-button-submit")))
    first, second = await versions(harness)
    assert dict(first.answers) == ANSWERS
    assert dict(second.answers) == {**ANSWERS, "tests_done": 150}
    assert second.version == 2


async def test_a_zero_reason_refused_as_filed_meanwhile_keeps_the_dialog(harness: Harness) -> None:
    await declared(harness, at(DAY, 8), temperature=38.9, symptoms=[])
    await harness.send(LIAISON, "/zero")
    await harness.press(LIAISON, harness.button(ZH("report-button-zero-confirm")))
    # Meanwhile the deputy files the zero report, with a reason of their own.
    await harness.send(DEPUTY, "/zero")
    await harness.press(DEPUTY, harness.button(ZH("report-button-zero-confirm")))
    await harness.send(DEPUTY, "副手的原因")
    # The liaison's reason is refused, not filed over it unseen; the dialog stays.
    [told] = await harness.send(LIAISON, "联络员的原因")
    assert told == ZH("report-zero-reason-meanwhile", unit="东关村", day="2026-11-23")
    [first] = await versions(harness)
    assert first.zero_reason == "副手的原因"
    # Sent again, knowingly, it files the correction.
    [done] = await harness.send(LIAISON, "联络员的原因")
    assert done.startswith(
        ZH("report-filed", unit="东关村", day="2026-11-23", what="零报告", time="10:00")
    )
    assert ZH("report-filed-version", version=2) in done
    _, second = await versions(harness)
    assert (second.version, second.zero_reason) == (2, "联络员的原因")
    # The dialog has ended: further text is no reason.
    await harness.send(LIAISON, "又一条")
    assert len(await versions(harness)) == 2
