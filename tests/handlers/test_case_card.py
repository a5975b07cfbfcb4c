"""The case card gives the whole declaration: every answer (the ID number masked for those
who do not call), the arrival as given, the versions, and the alerts sent about it."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.wiring import followup_config
from domain.declarations import ContactKind, Declaration
from domain.org import Language, Role, RoleAssignment
from services.declarations import DeclarationService
from storage import Repositories
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.test_cases import FEVER, NOW, RESIDENT, TRACKER
from texts.case_keyboards import CaseAct, CaseAction

LIAISON, TOWNSHIP = 2001, 1002  # of dongguan (zh); the supervisor of chengguan above (en)
ID_NUMBER = FEVER.id_number or ""
FULL = replace(
    FEVER,
    vaccination_doses=3,
    contacts=frozenset({ContactKind.SHARED_TRAJECTORY}),
    companions=2,
    address="东关村5组12号",
)


async def submit(harness: Harness, declaration: Declaration, *, replaces: int | None = None) -> int:
    service = DeclarationService(followup_config(harness.settings))

    async def act(repos: Repositories) -> int:
        for person, name, role in (
            (RESIDENT, "胡军", Role.RESIDENT),
            (TRACKER, "钱", Role.TRACKER),
        ):
            await repos.people.ensure(person, name, Language.ZH_CN, now=harness.clock.now())
            await repos.roles.grant(
                RoleAssignment(person, "dongguan", role), granted_by=None, now=NOW
            )
        result = await service.submit(
            repos,
            declaration,
            unit_code="dongguan",
            filed_by=RESIDENT,
            resident_id=RESIDENT,
            now=harness.clock.now(),
            replaces=replaces,
        )
        return result.declaration_id

    return int(await harness.repos(act))


async def card(harness: Harness, declaration_id: int, reader: int, language: str = "zh") -> str:
    view = CaseAct(declaration=declaration_id, action=CaseAction.VIEW).pack()
    [text] = await harness.press(reader, view, language=language)
    return text


@pytest.fixture(autouse=True)
def at_now(harness: Harness) -> None:
    harness.clock.set(NOW)


async def test_the_card_shows_every_answer_and_the_id_to_those_who_call(harness: Harness) -> None:
    declared = await submit(harness, FULL)
    text = await card(harness, declared, LIAISON)
    line = lambda field, value: ZH("declare-summary-line", field=ZH(field), value=value)  # noqa: E731
    assert line("declare-f-hcode", ZH("declare-opt-colour-green")) in text
    assert line("declare-f-icard", ZH("declare-opt-colour-green")) in text
    assert line("declare-f-vacc", ZH("declare-doses", n="3")) in text
    assert line("declare-f-contacts", ZH("declare-opt-contacts-shared_trajectory")) in text
    assert line("declare-f-companions", "2") in text
    assert line("declare-f-temp", "38.6 °C") in text
    assert line("declare-f-testres", ZH("declare-skipped")) in text
    assert line("declare-f-idno", f"{ZH('declare-opt-idtype-resident')} {ID_NUMBER}") in text
    assert ZH("case-card-arrival", at="2026-11-19 18:00") in text
    assert line("declare-f-status", ZH("declare-opt-status-returned")) in text
    assert line("declare-f-address", "东关村5组12号") in text
    # The immediate report's alert: to the liaison, the tracker and two supervisors.
    at = NOW.strftime("%Y-%m-%d %H:%M")
    assert ZH("case-card-alert-declared", at=at, staff=4, delivered=0) in text
    assert ZH("case-card-version", version=1) not in text  # one version: nothing to say
    assert len(text) <= 4096


async def test_a_supervisor_sees_the_id_masked(harness: Harness) -> None:
    declared = await submit(harness, FULL)
    text = await card(harness, declared, TOWNSHIP, "en")
    assert ID_NUMBER not in text
    assert "东关村5组12号" not in text  # where to find them: for those who must go
    assert EN("declare-summary-line", field=EN("declare-f-address"), value="东关***") in text
    # Where from, in the reader's language.
    assert EN("case-card-origin", origin="Hongshan District, Wuhan, Hubei") in text
    masked = f"{ID_NUMBER[:3]}{'*' * 11}{ID_NUMBER[-4:]}"
    assert (
        EN(
            "declare-summary-line",
            field=EN("declare-f-idno"),
            value=f"{EN('declare-opt-idtype-resident')} {masked}",
        )
        in text
    )


async def test_an_arrival_without_its_time_shows_the_day_alone(harness: Harness) -> None:
    untimed = replace(FULL, arrival=datetime(2026, 11, 19), arrival_timed=False)
    declared = await submit(harness, untimed)
    text = await card(harness, declared, LIAISON)
    assert ZH("case-card-arrival", at="2026-11-19") in text
    assert "2026-11-19 00:00" not in text


async def test_an_update_shows_its_version_and_the_earlier_ones(harness: Harness) -> None:
    first = await submit(harness, FULL)
    harness.clock.set(NOW + timedelta(hours=2))
    second = await submit(harness, replace(FULL, companions=3), replaces=first)
    text = await card(harness, second, LIAISON)
    assert ZH("case-card-version", version=2) in text
    earlier = ZH(
        "case-card-earlier",
        version=1,
        at=NOW.strftime("%Y-%m-%d %H:%M"),
        category=ZH("followup-category-fever_clinic_referral"),
    )
    assert earlier in text
    # The first version's alerts are the case's too.
    assert ZH("case-card-alerts") in text
    # The first version's alert opens the case as it is now: its current version.
    old = await card(harness, first, LIAISON)
    assert old == await card(harness, second, LIAISON)
