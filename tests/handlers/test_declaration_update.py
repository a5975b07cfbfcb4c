"""One living declaration: a second /declare offers "update" or "nothing changed"; an update
supersedes the first version and merges its follow-up (kept, not doubled; excused; opened)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from domain.declarations import RiskLevel
from domain.obligations import ObligationKey, ObligationKind, ObligationState
from domain.risk_areas import RiskArea
from storage import Repositories
from storage.models import AuditLogRow, DeclarationRow, ObligationRow
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_declarations import (  # noqa: F401  (setup: the autouse fixture)
    NOW,
    RESIDENT,
    TOKEN,
    click,
    current,
    setup,
    walk_to_summary,
)
from texts.declaration_update import ActiveAction, DeclActive

WUHAN_JIANGAN, WUHAN_JIANGHAN = "420102", "420103"


async def _jianghan_mid_risk(harness: Harness) -> None:
    """Jianghan is mid-risk: Wuhan has cases, so a Jiang'an returnee is monitored at home,
    a Jianghan one quarantined at home."""

    async def act(repos: Repositories) -> None:
        area = RiskArea(WUHAN_JIANGHAN, RiskLevel.MID, date(2026, 11, 1), name="江汉区")
        await repos.risk_areas.replace([area], by=None, now=NOW)

    await harness.repos(act)


async def _declare_once(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await walk_to_summary(harness, RESIDENT)
    await click(harness, RESIDENT, "confirm")
    await click(harness, RESIDENT, "agree")


async def _rows(harness: Harness, model: type) -> list:  # type: ignore[type-arg]
    async def read(repos: Repositories) -> list:  # type: ignore[type-arg]
        return list(await repos.people._session.scalars(select(model).order_by(model.id)))

    return list(await harness.repos(read))


async def _reconfirmations(harness: Harness) -> list[AuditLogRow]:
    rows = await _rows(harness, AuditLogRow)
    return [row for row in rows if row.action == "declaration.reconfirm"]


async def test_a_second_declare_offers_update_or_nothing_changed(harness: Harness) -> None:
    await _jianghan_mid_risk(harness)
    await _declare_once(harness)
    replies = await harness.declare(RESIDENT)
    assert ZH("followup-category-home_health_monitoring") in replies[-1]
    assert "2026-11-21 至 2026-12-04，今天是第 2/14 天" in replies[-1]
    buttons = [b.text for row in harness.last_keyboard().inline_keyboard for b in row]
    assert buttons == [ZH("declare-active-update"), ZH("declare-active-same")]
    assert ZH("declare-q-name") not in replies  # no new dialog
    # The residents group's button offers the same, rather than a second declaration.
    replies = await harness.send(RESIDENT, f"/start decl-{TOKEN}")
    assert ZH("declare-q-name") not in replies
    buttons = [b.text for row in harness.last_keyboard().inline_keyboard for b in row]
    assert buttons == [ZH("declare-active-update"), ZH("declare-active-same")]


async def test_nothing_changed_is_recorded_and_answered(harness: Harness) -> None:
    await _declare_once(harness)
    await harness.declare(RESIDENT)
    [declaration] = await _rows(harness, DeclarationRow)
    same = DeclActive(action=ActiveAction.SAME, id=declaration.id).pack()
    replies = await harness.press(RESIDENT, same)
    assert replies[-1] == ZH("declare-reconfirmed")
    audit = [
        row for row in await _rows(harness, AuditLogRow) if row.action == "declaration.reconfirm"
    ]
    assert [(a.actor_id, a.target, a.allowed) for a in audit] == [
        (RESIDENT, f"declaration {declaration.id}", True)
    ]
    assert len(await _rows(harness, DeclarationRow)) == 1  # nothing copied
    # A forged id is refused and not recorded as a confirmation.
    await harness.press(RESIDENT, DeclActive(action=ActiveAction.SAME, id=999).pack())
    audit = [
        row for row in await _rows(harness, AuditLogRow) if row.action == "declaration.reconfirm"
    ]
    assert [a.allowed for a in audit] == [True, False]


async def test_an_update_supersedes_and_merges_the_follow_up(harness: Harness) -> None:
    await _jianghan_mid_risk(harness)
    await _declare_once(harness)
    [first] = await _rows(harness, DeclarationRow)
    assert first.category == "home_health_monitoring"
    await harness.declare(RESIDENT)
    update = DeclActive(action=ActiveAction.UPDATE, id=first.id).pack()
    replies = await harness.press(RESIDENT, update)
    assert replies[0].startswith(ZH("declare-intro-update", unit="东关村")[:6])
    # Every answer comes back, the address too: straight to the pre-filled summary.
    assert current(harness).step == "summary"
    assert "东关村5组" in replies[-1]
    assert "G1234" in harness.session.texts(RESIDENT)[-1]
    await click(harness, RESIDENT, "dist", action="edit")
    await click(harness, RESIDENT, WUHAN_JIANGHAN)
    await click(harness, RESIDENT, action="skip")  # another district: its street is asked
    assert current(harness).step == "summary"
    await click(harness, RESIDENT, "confirm")
    result = (await click(harness, RESIDENT, "agree"))[-1]
    assert ZH("followup-category-home_quarantine") in result

    first, second = await _rows(harness, DeclarationRow)
    assert (first.superseded_by, second.version, second.superseded_by) == (second.id, 2, None)
    assert second.category == "home_quarantine"
    obligations = await _rows(harness, ObligationRow)
    open_ = [o for o in obligations if o.state == ObligationState.OPEN.value]
    checkins = Counter(o.period for o in open_ if o.kind == ObligationKind.HEALTH_CHECKIN.value)
    assert checkins
    assert set(checkins.values()) == {1}  # one check-in a day, not two
    assert {o.subject for o in open_} == {f"declaration:{second.id}"}
    excused = [o for o in obligations if o.state == ObligationState.EXCUSED.value]
    assert excused
    assert all(o.kind == ObligationKind.TEST_DUE.value for o in excused)
    assert {o.excuse_reason for o in excused} == {f"updated by declaration {second.id}"}
    # A third /declare offers the new version.
    await harness.declare(RESIDENT)
    [[update_button, _]] = harness.last_keyboard().inline_keyboard
    assert DeclActive.unpack(update_button.callback_data or "").id == second.id


async def test_mine_without_a_declaration_points_to_declare(harness: Harness) -> None:
    assert await harness.send(RESIDENT, "/mine") == [ZH("mine-none")]
    await harness.send(RESIDENT, "/lang")
    await harness.press(RESIDENT, "v1lang:en")
    assert await harness.send(RESIDENT, "/mine") == [EN("mine-none")]


async def test_mine_shows_the_measure_day_test_and_check_in_in_both_languages(
    harness: Harness,
) -> None:
    await _jianghan_mid_risk(harness)
    await _declare_once(harness)
    [text] = await harness.send(RESIDENT, "/mine")
    assert ZH("followup-category-home_health_monitoring") in text
    assert "今天是第 2/14 天" in text
    assert ZH("mine-next-test", day="2026-11-23") in text  # the next Monday
    assert ZH("mine-checkin-open") in text
    await harness.send(RESIDENT, "/lang")
    await harness.press(RESIDENT, "v1lang:en")
    [text] = await harness.send(RESIDENT, "/mine")
    assert EN("mine-title", id=1, version=1) in text
    assert EN("followup-category-home_health_monitoring") in text
    assert "today is day 2 of 14" in text
    assert EN("mine-next-test", day="2026-11-23") in text
    assert EN("mine-checkin-open") in text


async def test_mine_shows_a_check_in_done(harness: Harness) -> None:
    await _jianghan_mid_risk(harness)
    await _declare_once(harness)

    async def met(repos: Repositories) -> None:
        key = ObligationKey(ObligationKind.HEALTH_CHECKIN, "declaration:1", "2026-11-22")
        owed = await repos.obligations.get(key)
        assert owed is not None
        await repos.obligations.save(replace(owed, state=ObligationState.MET), now=NOW)

    await harness.repos(met)
    [text] = await harness.send(RESIDENT, "/mine")
    assert ZH("mine-checkin-done") in text
    assert ZH("mine-checkin-open") not in text
