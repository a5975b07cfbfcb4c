"""Acting on a case from its alert: the reasons it gives, the phone in full only for those who
call, the case card, "contacted" and "handled" with a note, all checked and audited."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.wiring import followup_config
from domain.cases import handling_key
from domain.declarations import (
    CodeColour,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    Symptom,
)
from domain.org import Language, Role, RoleAssignment
from services.declarations import DeclarationService
from storage import Repositories
from storage.models import OutboxRow
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.followups import engine_at
from texts.case_keyboards import CaseAct, CaseAction
from texts.i18n import catalog
from texts.rendering import phone_display

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RESIDENT, TRACKER = 3001, 2301
PHONE = "+8613912348000"
FEVER = Declaration(
    status=DeclarationStatus.RETURNED,
    origin=DomesticOrigin(("420000", "420100", "420111")),
    arrival=datetime(2026, 11, 19, 18, 0),
    health_code=CodeColour.GREEN,
    itinerary_card=CodeColour.GREEN,
    symptoms=frozenset({Symptom.DRY_COUGH}),
    temperature=38.6,
    attested=True,
    name="胡军",
    phone=PHONE,
    id_number="110101199003074514",
)


@pytest.fixture
async def declared(harness: Harness) -> int:
    harness.clock.set(NOW)
    service = DeclarationService(followup_config(harness.settings))

    async def act(repos: Repositories) -> int:
        for person, name, role in (
            (RESIDENT, "胡军", Role.RESIDENT),
            (TRACKER, "钱包保", Role.TRACKER),
        ):
            await repos.people.ensure(person, name, Language.ZH_CN, now=NOW)
            await repos.roles.grant(
                RoleAssignment(person, "dongguan", role), granted_by=None, now=NOW
            )
        result = await service.submit(
            repos, FEVER, unit_code="dongguan", filed_by=RESIDENT, resident_id=RESIDENT, now=NOW
        )
        return result.declaration_id

    return int(await harness.repos(act))


async def alerts(harness: Harness) -> dict[int, object]:
    due = await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 50))
    return {
        entry.chat_id: entry.message
        for entry in due
        if "即有即报" in entry.message.text or "immediate" in entry.message.text.lower()
    }


async def test_an_alert_says_why_and_shows_the_number_to_those_who_call(
    harness: Harness, declared: int
) -> None:
    sent = await alerts(harness)
    # 即有即报: the liaison and tracker of the unit, and the supervisors up the tree.
    assert set(sent) == {2001, TRACKER, 1002, 1001}
    liaison = sent[2001]
    assert ZH("case-reason-fever", temperature="38.6") in liaison.text
    assert ZH("case-reason-symptoms", symptoms=ZH("symptom-dry_cough")) in liaison.text
    assert ZH("case-reason-rule", rule=ZH("rule-fever_or_code")) in liaison.text
    assert phone_display(PHONE) in liaison.text
    # A supervisor sees it masked, with a button to show it.
    township = sent[1002]
    assert phone_display(PHONE) not in township.text
    assert "139****8000" in township.text
    labels = [b["text"] for row in township.reply_markup["inline_keyboard"] for b in row]
    assert EN("case-button-phone") in labels
    liaison_labels = [b["text"] for row in liaison.reply_markup["inline_keyboard"] for b in row]
    assert ZH("case-button-phone") not in liaison_labels
    assert ZH("case-button-view") in liaison_labels


async def test_the_card_contacted_handled_and_the_number_are_checked_and_audited(
    harness: Harness, declared: int
) -> None:
    view = CaseAct(declaration=declared, action=CaseAction.VIEW).pack()
    [card] = await harness.press(2001, view)
    assert card.startswith(ZH("case-card-title", id=declared, unit="东关村"))
    assert ZH("case-card-log-empty") in card
    # Contacted: recorded, said in a popup.
    called = CaseAct(declaration=declared, action=CaseAction.CALLED).pack()
    assert await harness.press(2001, called) == []
    assert harness.session.requests[-1].text == ZH("case-called-done", name="胡军")
    # Handled: the note is asked for, then recorded.
    handled = CaseAct(declaration=declared, action=CaseAction.HANDLED).pack()
    assert await harness.press(2001, handled) == [ZH("case-handled-ask", id=declared)]
    assert await harness.send(2001, "已送发热门诊") == [ZH("case-handled-done", id=declared)]
    [card] = await harness.press(2001, view)
    assert ZH("case-card-log") in card
    assert "已送发热门诊" in card
    # The township supervisor shows the number: for a reason, given, and both logged.
    phone = CaseAct(declaration=declared, action=CaseAction.PHONE).pack()
    [asked] = await harness.press(1002, phone, language="en")
    assert asked == EN("case-phone-ask", id=declared, name="胡军")
    [shown] = await harness.send(1002, "calling to check the trip", language="en")
    assert shown == EN("case-phone", id=declared, phone=phone_display(PHONE))
    audit = await harness.repos(lambda r: r.audit.recent())
    actions = [(e.actor_id, e.action, e.detail) for e in audit if e.action.startswith("case.")]
    assert actions == [
        (1002, "case.unmask", "calling to check the trip"),
        (2001, "case.view", None),
        (2001, "case.record", "handled"),
        (2001, "case.record", "called"),
        (2001, "case.view", None),
    ]


async def test_people_outside_the_case_are_refused(harness: Harness, declared: int) -> None:
    for action in CaseAction:
        data = CaseAct(declaration=declared, action=action).pack()
        assert await harness.press(RESIDENT, data) == []
        assert harness.session.requests[-1].text == ZH("case-not-yours")
    # An id that is no declaration is refused the same way.
    ghost = CaseAct(declaration=declared + 999, action=CaseAction.VIEW).pack()
    assert await harness.press(2001, ghost) == []
    assert harness.session.requests[-1].text == ZH("case-not-yours")
    entries = await harness.repos(lambda r: r.cases.entries(declared))
    assert entries == []


async def test_an_unhandled_immediate_report_escalates_until_handled(
    harness: Harness, declared: int
) -> None:
    key = handling_key(declared)
    owed = await harness.repos(lambda r: r.obligations.get(key))
    assert owed.due_at == NOW + timedelta(minutes=60)  # declarations.handle_within_minutes
    # Past the deadline: the liaison hears it is not handled, with the case's buttons.
    await engine_at(harness, NOW + timedelta(minutes=61)).run_due()
    step = await chat_rows(harness, 2001, "obligation-case-unhandled")
    assert ZH("obligation-case-which", id=declared) in step.text
    labels = [b["text"] for row in step.reply_markup["inline_keyboard"] for b in row]
    assert ZH("case-button-handled") in labels
    # Half an hour on, the township supervisor.
    await engine_at(harness, NOW + timedelta(minutes=91)).run_due()
    assert await chat_rows(harness, 1002, "obligation-case-escalate")
    # Recorded as handled: the obligation is met and nothing more goes up.
    handled = CaseAct(declaration=declared, action=CaseAction.HANDLED).pack()
    await harness.press(2001, handled)
    await harness.send(2001, "已联系，已送发热门诊")
    assert (await harness.repos(lambda r: r.obligations.get(key))).state.closed
    before = await outbox_count(harness)
    await engine_at(harness, NOW + timedelta(hours=6)).run_due()
    assert await outbox_count(harness) == before


async def chat_rows(harness: Harness, chat: int, key: str) -> OutboxRow:
    """The latest outbox row to `chat` whose text starts as `key`'s does (in either language)."""
    starts = {catalog(language)[key].split("\n")[0] for language in Language}
    async with harness.database.session() as session:
        rows = list(await session.scalars(select(OutboxRow).where(OutboxRow.chat_id == chat)))
    found = [r for r in rows if r.text.split("\n")[0] in starts]
    assert found, (chat, key, [r.text[:30] for r in rows])
    return found[-1]


async def outbox_count(harness: Harness) -> int:
    async with harness.database.session() as session:
        return len(list(await session.scalars(select(OutboxRow))))
