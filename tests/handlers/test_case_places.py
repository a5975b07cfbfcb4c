"""A declared place that matches no division is never kept silently: the unit's staff are told,
a person who works the case locates it (or confirms it lies in none), and the declaration is
screened again at once; every press is checked again and audited."""

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.wiring import followup_config
from domain.declarations import (
    CodeColour,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    RiskLevel,
    Stay,
)
from domain.org import Language, Role, RoleAssignment
from domain.policy import Category
from domain.risk_areas import RiskArea
from services.declarations import DeclarationService
from storage import Repositories
from storage.models import AuditLogRow, CaseActionRow
from tests.handlers.conftest import EN, ZH, Harness
from texts.case_keyboards import CaseAct, CaseAction
from texts.declarations import category_text
from texts.place_flags import CasePlace, PlaceAction

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
RESIDENT, LIAISON, SUPERVISOR, STRANGER = 3001, 2001, 1002, 2003
JIANGHAN = "420103"
RETURNEE = Declaration(
    status=DeclarationStatus.RETURNED,
    origin=DomesticOrigin(("110000", "110105")),
    arrival=datetime(2026, 11, 19, 18, 0),
    health_code=CodeColour.GREEN,
    itinerary_card=CodeColour.GREEN,
    stays=(
        Stay("老家村口", date(2026, 11, 10), date(2026, 11, 15)),
        Stay("上海", date(2026, 11, 16), date(2026, 11, 17), region_codes=("310000",)),
    ),
    temperature=36.5,
    attested=True,
    name="胡军",
    phone="+8613912348000",
)


@pytest.fixture
async def declared(harness: Harness) -> int:
    """胡军 of 东关村 stayed at a place no division matches, in what is now a high-risk
    area (江汉区)."""
    harness.clock.set(NOW)
    service = DeclarationService(followup_config(harness.settings))

    async def act(repos: Repositories) -> int:
        await repos.people.ensure(RESIDENT, "胡军", Language.ZH_CN, now=NOW)
        await repos.roles.grant(
            RoleAssignment(RESIDENT, "dongguan", Role.RESIDENT), granted_by=None, now=NOW
        )
        area = RiskArea(JIANGHAN, RiskLevel.HIGH, date(2026, 11, 1), name="江汉区")
        await repos.risk_areas.replace([area], by=None, now=NOW)
        result = await service.submit(
            repos, RETURNEE, unit_code="dongguan", filed_by=RESIDENT, resident_id=RESIDENT, now=NOW
        )
        return result.declaration_id

    return int(await harness.repos(act))


def data(declaration: int, action: PlaceAction, code: str = "", stay: int = 0) -> str:
    return CasePlace(declaration=declaration, stay=stay, action=action, code=code).pack()


async def _rows(harness: Harness, model: type) -> list:  # type: ignore[type-arg]
    async def read(repos: Repositories) -> list:  # type: ignore[type-arg]
        return list(await repos.people._session.scalars(select(model).order_by(model.id)))

    return list(await harness.repos(read))


async def test_the_unit_is_told_of_a_place_screening_cannot_see(
    harness: Harness, declared: int
) -> None:
    due = await harness.repos(lambda r: r.outbox.due(NOW, 50))
    flags = {e.chat_id: e.message for e in due if "老家村口" in e.message.text}
    assert LIAISON in flags
    assert RESIDENT not in flags
    flag = flags[LIAISON]
    assert ZH("case-place-flag-title", id=declared) in flag.text
    assert "上海" not in flag.text  # a located place is not flagged
    assert "139" not in flag.text  # a place to locate, not a call: no phone
    labels = [b["text"] for row in flag.reply_markup["inline_keyboard"] for b in row]
    assert labels == [ZH("case-place-button", place="老家村口"), ZH("case-button-view")]


async def test_a_liaison_locates_it_level_by_level_and_it_is_screened_again(
    harness: Harness, declared: int
) -> None:
    [picker] = await harness.press(LIAISON, data(declared, PlaceAction.OPEN))
    assert ZH("case-place-ask", place="老家村口", name="胡军") in picker
    assert ZH("case-place-none") in harness.labels()
    assert "北京市" in harness.labels()  # nothing matches it: the provinces, a page at a time
    await harness.press(LIAISON, harness.button(ZH("declare-button-next")))
    await harness.press(LIAISON, harness.button("湖北省"))
    await harness.press(LIAISON, harness.button("武汉市"))
    assert ZH("case-place-here") in harness.labels()
    [located] = await harness.press(LIAISON, harness.button("江汉区"))
    assert ZH("case-place-located", place="老家村口", division="湖北省武汉市江汉区") in located
    quarantine = category_text(ZH, Category.CENTRALISED_QUARANTINE)
    assert quarantine in located

    async def read(repos: Repositories) -> tuple[Declaration, Category]:
        stored = await repos.declarations.get(declared)
        assert stored is not None
        return stored.declaration, stored.classification.category

    declaration, category = await harness.repos(read)
    assert declaration.stays[0].region_codes == ("420000", "420100", JIANGHAN)
    assert declaration.unlocated_stays() == ()
    assert category is Category.CENTRALISED_QUARANTINE
    # The resident hears of the new measure; the card shows who located it.
    due = await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 50))
    assert any(e.chat_id == RESIDENT and quarantine in e.message.text for e in due)
    [card] = await harness.press(
        LIAISON, CaseAct(declaration=declared, action=CaseAction.VIEW).pack()
    )
    assert "老家村口（湖北省武汉市江汉区）" in card
    assert (
        ZH(
            "case-entry-located", at="11-20 10:00", name="张联络", division="湖北省武汉市江汉区"
        ).split("：")[1]
        in card
    )
    assert [r.action for r in await _rows(harness, CaseActionRow)] == ["located"]
    audit = [r for r in await _rows(harness, AuditLogRow) if r.action == "case.locate"]
    assert [(r.actor_id, r.detail) for r in audit] == [(LIAISON, "stay 0")]
    # Located: a second press finds nothing to do.
    await harness.press(LIAISON, data(declared, PlaceAction.OPEN))
    assert harness.session.requests[-1].text == ZH("case-place-done")


async def test_a_place_in_no_division_is_confirmed_and_no_longer_flagged(
    harness: Harness, declared: int
) -> None:
    await harness.press(SUPERVISOR, data(declared, PlaceAction.OPEN), language="en")
    [ask] = await harness.press(SUPERVISOR, data(declared, PlaceAction.NONE), language="en")
    assert EN("case-place-none-ask") in ask  # the township supervisor reads English
    [done] = await harness.press(SUPERVISOR, data(declared, PlaceAction.NONE_YES), language="en")
    assert EN("case-place-located", place="老家村口", division=EN("case-place-in-none")) in done
    assert EN("case-place-unchanged") in done

    async def read(repos: Repositories) -> Stay:
        stored = await repos.declarations.get(declared)
        assert stored is not None
        return stored.declaration.stays[0]

    stay = await harness.repos(read)
    assert stay == replace(RETURNEE.stays[0], confirmed_unlisted=True)
    assert not stay.unlocated


async def test_presses_are_checked_again(harness: Harness, declared: int) -> None:
    # Another unit's liaison: refused and audited.
    await harness.press(STRANGER, data(declared, PlaceAction.OPEN))
    assert harness.session.requests[-1].text == ZH("case-not-yours")
    refused = [r for r in await _rows(harness, AuditLogRow) if not r.allowed]
    assert refused
    assert refused[-1].actor_id == STRANGER
    # Not a division, a stay that does not exist, one already located: nothing changes.
    await harness.press(LIAISON, data(declared, PlaceAction.HERE, "999999"))
    assert harness.session.requests[-1].text == ZH("button-expired")
    await harness.press(LIAISON, data(declared, PlaceAction.HERE, JIANGHAN, stay=7))
    assert harness.session.requests[-1].text == ZH("case-place-done")
    await harness.press(LIAISON, data(declared, PlaceAction.HERE, "310000", stay=1))
    assert harness.session.requests[-1].text == ZH("case-place-done")
    assert await _rows(harness, CaseActionRow) == []


async def test_cases_lists_a_place_to_locate_until_someone_does(
    harness: Harness, declared: int
) -> None:
    # Registration only, as filed: listed for its place alone, with the flag.
    [listed] = await harness.send(LIAISON, "/cases")
    assert "胡军" in listed
    assert ZH("cases-flag-unlocated", n=1) in listed
    await harness.press(LIAISON, data(declared, PlaceAction.NONE_YES))
    [listed] = await harness.send(LIAISON, "/cases")
    assert "胡军" not in listed  # located (in no division): nothing left to follow


async def test_a_liaison_types_the_place_and_picks_among_its_matches(
    harness: Harness, declared: int
) -> None:
    await harness.press(LIAISON, data(declared, PlaceAction.OPEN))
    [asked] = await harness.press(LIAISON, harness.button(ZH("case-place-type")))
    assert asked == ZH("case-place-type-ask", place="老家村口")
    # Nothing found: said, the step-by-step choice offered, and typing goes on.
    [none] = await harness.send(LIAISON, "Qwerty Zork")
    assert ZH("case-place-type-none", text="Qwerty Zork") in none
    assert "北京市" in harness.labels()
    # In pinyin: its divisions as buttons, and the dialog is over.
    [found] = await harness.send(LIAISON, "wuhan jianghan")
    assert ZH("case-place-type-found", text="wuhan jianghan") in found
    assert harness.labels()[0] == "湖北省武汉市江汉区"
    [located] = await harness.press(LIAISON, harness.button("湖北省武汉市江汉区"))
    assert ZH("case-place-located", place="老家村口", division="湖北省武汉市江汉区") in located
    # Typing now is talk to the bot, not a place name.
    assert not any(
        ZH("case-place-type-found", text="x") in r for r in await harness.send(LIAISON, "武汉")
    )


async def test_a_typed_place_is_checked_again_and_cancel_ends_it(
    harness: Harness, declared: int
) -> None:
    await harness.press(LIAISON, data(declared, PlaceAction.OPEN))
    await harness.press(LIAISON, harness.button(ZH("case-place-type")))
    assert await harness.send(LIAISON, "/cancel") == [ZH("case-place-type-cancelled")]
    # Someone outside the unit cannot open the typing at all.
    await harness.press(STRANGER, data(declared, PlaceAction.TYPE), language="en")
    assert harness.session.requests[-1].text == EN("case-not-yours")
    # Located by another hand meanwhile: what is typed finds nothing to do.
    await harness.press(LIAISON, data(declared, PlaceAction.TYPE))
    await harness.press(LIAISON, data(declared, PlaceAction.NONE_YES))
    assert await harness.send(LIAISON, "武汉") == [ZH("case-place-done")]
