"""An erasure waits for the case: a referral with an immediate report (a 0-day measure) is
refused until it is handled, and a case an admin holds until the hold ends; once carried out,
the alerts that quoted the phone and the resident's correction texts are cleared too."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from bot.wiring import followup_config
from domain.declarations import CodeColour, Symptom
from domain.org import Language, Role, RoleAssignment
from services.declarations import DeclarationService
from storage import Repositories
from storage.models import AuditLogRow, CorrectionRequestRow, OutboxRow
from tests.handlers.conftest import ADMIN_ID, EN, ZH, Harness
from tests.handlers.test_cases import FEVER
from tests.handlers.test_mydata import LIAISON, NOW
from texts.case_keyboards import CaseAct, CaseAction
from texts.mydata import MyAction, MyDataAct
from texts.rendering import phone_display

RESIDENT = 3005
# A yellow health code, no fever: the fever clinic at once, reported immediately (即有即报).
YELLOW = replace(
    FEVER, health_code=CodeColour.YELLOW, temperature=36.5, symptoms=frozenset[Symptom]()
)
OFF_THE_LIST = NOW + timedelta(days=2)  # REFERRAL_LISTED_DAYS after its start day
ERASE = MyDataAct(action=MyAction.ERASE).pack()
ERASE_YES = MyDataAct(action=MyAction.ERASE_YES).pack()


async def _declare(harness: Harness, language: Language = Language.ZH_CN) -> int:
    harness.clock.set(NOW)
    service = DeclarationService(followup_config(harness.settings))

    async def act(repos: Repositories) -> int:
        await repos.people.ensure(RESIDENT, "胡军", language, now=NOW)
        await repos.roles.grant(
            RoleAssignment(RESIDENT, "dongguan", Role.RESIDENT), granted_by=None, now=NOW
        )
        result = await service.submit(
            repos, YELLOW, unit_code="dongguan", filed_by=RESIDENT, resident_id=RESIDENT, now=NOW
        )
        return result.declaration_id

    return int(await harness.repos(act))


async def _rows(harness: Harness, model: type, *where: object) -> list:  # type: ignore[type-arg]
    async with harness.database.session() as session:
        return list(await session.scalars(select(model).where(*where).order_by(model.id)))  # type: ignore[attr-defined]


async def test_an_unhandled_referral_is_not_erased_until_handled(harness: Harness) -> None:
    declared = await _declare(harness)
    stored = await harness.repos(lambda r: r.declarations.get(declared))
    assert stored.classification.immediate_report
    assert stored.classification.category.value == "fever_clinic_referral"
    harness.clock.set(NOW + timedelta(minutes=3))
    assert await harness.press(RESIDENT, ERASE) == [ZH("mydata-erase-open", id=declared)]
    assert await harness.press(RESIDENT, ERASE_YES) == [ZH("mydata-erase-open", id=declared)]
    # Nothing was erased: the liaison's list still has the name.
    assert "胡军" in "\n".join(await harness.send(LIAISON, "/cases"))
    refusals = await _rows(harness, AuditLogRow, AuditLogRow.actor_id == RESIDENT)
    assert [(r.action, r.allowed, r.detail) for r in refusals][-2:] == [
        ("privacy.erasure", False, f"open case {declared}")
    ] * 2

    # A correction the resident asked for, then the case is handled.
    assert await harness.press(RESIDENT, MyDataAct(action=MyAction.CORRECT).pack())
    await harness.send(RESIDENT, "我的电话号码是 13912348000")
    handled = CaseAct(declaration=declared, action=CaseAction.HANDLED).pack()
    await harness.press(LIAISON, handled)
    assert await harness.send(LIAISON, "已送发热门诊") == [ZH("case-handled-done", id=declared)]
    alerts = await _rows(
        harness, OutboxRow, OutboxRow.dedupe_key.startswith(f"declaration:{declared}:")
    )
    assert any(phone_display(FEVER.phone or "") in row.text for row in alerts)
    # Handled, a referral stays on the list for its start day and the next: still refused.
    assert await harness.press(RESIDENT, ERASE) == [ZH("mydata-erase-open", id=declared)]

    harness.clock.set(OFF_THE_LIST)
    assert await harness.press(RESIDENT, ERASE) == [ZH("mydata-erase-confirm", n=1)]
    replies = await harness.press(RESIDENT, ERASE_YES)
    assert replies[-1].startswith("🗑")
    # The messages about the declaration and the correction lost their text and buttons.
    cleared = await _rows(
        harness,
        OutboxRow,
        OutboxRow.dedupe_key.startswith(f"declaration:{declared}:")
        | OutboxRow.dedupe_key.startswith("correction:"),
    )
    assert cleared
    assert all(row.text == "" and row.reply_markup is None for row in cleared)
    assert all(row.state != "pending" for row in cleared)
    [request] = await _rows(
        harness, CorrectionRequestRow, CorrectionRequestRow.resident_id == RESIDENT
    )
    assert (request.text, request.reason, request.state) == ("", None, "pending")
    [done] = [
        r.detail
        for r in await _rows(harness, AuditLogRow, AuditLogRow.actor_id == RESIDENT)
        if r.action == "privacy.erasure" and r.allowed
    ]
    assert f"{len(cleared)} messages, 1 corrections" in (done or "")
    assert "胡军" not in "\n".join(await harness.send(LIAISON, "/cases"))


async def test_a_held_case_is_not_erased_and_the_resident_is_told_why(harness: Harness) -> None:
    declared = await _declare(harness, Language.EN)
    handled = CaseAct(declaration=declared, action=CaseAction.HANDLED).pack()
    await harness.press(LIAISON, handled)
    await harness.send(LIAISON, "已送发热门诊")
    assert await harness.send(ADMIN_ID, f"/hold {declared} 复核") == [ZH("hold-done", id=declared)]
    for press in (ERASE, ERASE_YES):
        assert await harness.press(RESIDENT, press, language="en") == [
            EN("mydata-erase-held", id=declared)
        ]
    stored = await harness.repos(lambda r: r.declarations.get(declared))
    assert not stored.purged
    harness.clock.set(OFF_THE_LIST)
    assert await harness.press(RESIDENT, ERASE, language="en") == [
        EN("mydata-erase-held", id=declared)
    ]
    assert await harness.send(ADMIN_ID, f"/hold off {declared}")
    assert await harness.press(RESIDENT, ERASE, language="en") == [EN("mydata-erase-confirm", n=1)]
