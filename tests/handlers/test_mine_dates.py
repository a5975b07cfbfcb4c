"""/mine and /declare after the period and around tests: a measure that ran out says it ended
(not "day 14 of 14"), and the next test is one still owed, not a plan day already done."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.obligations import ObligationKey, ObligationKind, ObligationState
from storage import Repositories
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_declaration_update import _jianghan_mid_risk
from tests.handlers.test_declarations import (  # noqa: F401  (setup: the autouse fixture)
    NOW,
    RESIDENT,
    ZONE,
    click,
    setup,
    walk_to_summary,
)


async def _declare_once(harness: Harness) -> None:
    await _jianghan_mid_risk(harness)
    await harness.declare(RESIDENT)
    await walk_to_summary(harness, RESIDENT)
    await click(harness, RESIDENT, "confirm")
    await click(harness, RESIDENT, "agree")


async def test_mine_and_declare_say_the_period_ended_after_its_last_day(
    harness: Harness,
) -> None:
    await _declare_once(harness)  # home monitoring 2026-11-21 .. 2026-12-04
    harness.clock.set(datetime(2026, 12, 5, 9, 0, tzinfo=ZONE))
    [text] = await harness.send(RESIDENT, "/mine")
    assert ZH("declare-active-ended", start="2026-11-21", last="2026-12-04") in text
    assert "14/14" not in text
    assert ZH("mine-next-test", day="2026-12-07") not in text
    # /declare still offers to update the living declaration, saying it ended.
    [text] = await harness.declare(RESIDENT)
    assert ZH("declare-active-ended", start="2026-11-21", last="2026-12-04") in text
    assert "14/14" not in text
    await harness.send(RESIDENT, "/lang")
    await harness.press(RESIDENT, "v1lang:en")
    [text] = await harness.send(RESIDENT, "/mine")
    assert EN("declare-active-ended", start="2026-11-21", last="2026-12-04") in text
    assert "day 14 of 14" not in text


async def test_mine_says_it_ended_for_the_look_back_window_after_its_end(
    harness: Harness,
) -> None:
    await _declare_once(harness)  # home monitoring 2026-11-21 .. 2026-12-04
    ended = ZH("declare-active-ended", start="2026-11-21", last="2026-12-04")
    for day in (6, 18):  # the arrival is out of the look-back window by now
        harness.clock.set(datetime(2026, 12, day, 9, 0, tzinfo=ZONE))
        [text] = await harness.send(RESIDENT, "/mine")
        assert ended in text
    harness.clock.set(datetime(2026, 12, 19, 9, 0, tzinfo=ZONE))  # 14 days after its end
    assert await harness.send(RESIDENT, "/mine") == [ZH("mine-none")]


async def test_mine_on_the_last_day_still_counts_it(harness: Harness) -> None:
    await _declare_once(harness)
    harness.clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=ZONE))
    [text] = await harness.send(RESIDENT, "/mine")
    assert "今天是第 14/14 天" in text
    assert "期满结束" not in text


async def test_mine_skips_a_test_already_done(harness: Harness) -> None:
    await _declare_once(harness)  # tests on Mondays and Thursdays: 11-23, 11-26, ...
    harness.clock.set(datetime(2026, 11, 23, 11, 0, tzinfo=ZONE))
    [text] = await harness.send(RESIDENT, "/mine")
    assert ZH("mine-next-test", day="2026-11-23") in text

    async def met(repos: Repositories) -> None:
        key = ObligationKey(ObligationKind.TEST_DUE, "declaration:1", "2026-11-23")
        owed = await repos.obligations.get(key)
        assert owed is not None
        await repos.obligations.save(replace(owed, state=ObligationState.MET), now=NOW)

    await harness.repos(met)
    [text] = await harness.send(RESIDENT, "/mine")
    assert ZH("mine-next-test", day="2026-11-26") in text
    assert ZH("mine-next-test", day="2026-11-23") not in text
