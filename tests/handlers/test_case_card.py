"""The case card gives the whole declaration: every answer (the ID number masked for those
who do not call), the arrival as given, the versions, and the alerts sent about it."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from domain.declarations import ContactKind, Declaration
from domain.org import Language, Role, RoleAssignment
from storage import Repositories
from storage.models import DeclarationRow
from tests.handlers.conftest import EN, ZH, Harness
from tests.handlers.declaring import file
from tests.handlers.followups import engine_at
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
    async def people(repos: Repositories) -> None:
        for person, name, role in (
            (RESIDENT, "胡军", Role.RESIDENT),
            (TRACKER, "钱", Role.TRACKER),
        ):
            await repos.people.ensure(person, name, Language.ZH_CN, now=harness.clock.now())
            await repos.roles.grant(
                RoleAssignment(person, "dongguan", role), granted_by=None, now=NOW
            )

    await harness.repos(people)
    return await file(harness, declaration, resident=RESIDENT, replaces=replaces)


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
    assert line("declare-f-companions", "2") in text
    # The reasons give the fever, the symptoms and the contacts once, not again as answers.
    assert ZH("case-reason-fever", temperature="38.6") in text
    assert line("declare-f-temp", "38.6 °C") not in text
    contacts = ZH("declare-opt-contacts-shared_trajectory")
    assert ZH("case-reason-contacts", contacts=contacts) in text
    assert line("declare-f-contacts", contacts) not in text
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


async def test_versions_made_by_a_rescreen_are_counted_with_their_row(harness: Harness) -> None:
    first = await submit(harness, FULL)

    async def rescreened(repos: Repositories) -> None:
        # A re-screen makes version 2 of the same row (services/declarations/rescreen.py).
        await repos.session.execute(
            update(DeclarationRow).where(DeclarationRow.id == first).values(version=2)
        )

    await harness.repos(rescreened)
    text = await card(harness, first, LIAISON)
    assert ZH("case-card-version-rescreened", version=2, first=1) in text
    harness.clock.set(NOW + timedelta(hours=2))
    second = await submit(harness, replace(FULL, companions=3), replaces=first)
    text = await card(harness, second, LIAISON)
    assert ZH("case-card-version", version=3) in text
    category = ZH("followup-category-fever_clinic_referral")
    at = NOW.strftime("%Y-%m-%d %H:%M")
    assert ZH("case-card-earlier-rescreened", first=1, last=2, at=at, category=category) in text
    assert ZH("case-card-earlier", version=2, at=at, category=category) not in text


async def test_the_card_lists_each_escalation_of_an_unhandled_case(harness: Harness) -> None:
    declared = await submit(harness, FULL)  # a fever: an immediate report, owed handling
    for minutes in (61, 91):  # past the deadline: the liaison; half an hour on, the township
        await engine_at(harness, NOW + timedelta(minutes=minutes)).run_due()
    text = await card(harness, declared, LIAISON)
    lines = [line for line in text.split("\n") if line.startswith("·")]
    day = NOW.strftime("%Y-%m-%d")
    assert lines == [
        ZH("case-card-alert-declared", at=f"{day} 10:00", staff=4, delivered=0),
        # The liaison and the tracker, then the township's supervisor.
        ZH("case-card-alert-escalation", at=f"{day} 11:01", staff=2, delivered=0),
        ZH("case-card-alert-escalation", at=f"{day} 11:31", staff=1, delivered=0),
    ]


async def test_once_worked_the_alerts_say_so_to_everyone_they_reached(harness: Harness) -> None:
    declared = await submit(harness, FULL)

    async def delivered(repos: Repositories) -> dict[int, str]:
        # Telegram takes the declaration's alerts (message ids 500, 501, ...).
        alerts = [
            e
            for e in await repos.outbox.with_prefix(f"declaration:{declared}:alert:")
            if e.id is not None
        ]
        for number, entry in enumerate(alerts):
            await repos.outbox.mark_sent(entry.id, 500 + number, now=NOW)
        return {e.chat_id: e.message.text for e in alerts}

    sent = await harness.repos(delivered)
    assert set(sent) == {LIAISON, TRACKER, TOWNSHIP, 1001}
    harness.clock.set(NOW + timedelta(minutes=5))
    await harness.press(LIAISON, CaseAct(declaration=declared, action=CaseAction.CALLED).pack())

    async def marks(repos: Repositories) -> dict[int, tuple[str, int | None]]:
        found = await repos.outbox.with_prefix(f"declaration:{declared}:mark:")
        return {e.chat_id: (e.message.text, e.message.edit_message_id) for e in found}

    marked = await harness.repos(marks)
    assert set(marked) == set(sent)
    # The recorder by their Telegram name (the harness's).
    line = ZH("case-alert-mark-called", name="用户", at="2026-11-20 10:05")
    assert marked[TRACKER][0] == f"{sent[TRACKER]}\n\n{line}"
    assert marked[TOWNSHIP][0].endswith(
        EN("case-alert-mark-called", name="用户", at="2026-11-20 10:05")
    )
    # Handled later: the edit starts again from the alert as sent, the line replaced.
    harness.clock.set(NOW + timedelta(minutes=20))
    await harness.press(LIAISON, CaseAct(declaration=declared, action=CaseAction.HANDLED).pack())
    await harness.send(LIAISON, "已送发热门诊")
    latest = {
        e.chat_id: e.message.text
        for e in await harness.repos(
            lambda r: r.outbox.with_prefix(f"declaration:{declared}:mark:")
        )
        if ":handled:" in e.message.dedupe_key
    }
    handled = ZH("case-alert-mark-handled", name="用户", at="2026-11-20 10:20")
    assert latest[TRACKER] == f"{sent[TRACKER]}\n\n{handled}"
    # A call recorded after the handling leaves the alerts saying it was handled: only
    # alerts sent since (none here) would be marked.
    harness.clock.set(NOW + timedelta(minutes=40))
    await harness.press(LIAISON, CaseAct(declaration=declared, action=CaseAction.CALLED).pack())
    calls = [
        e
        for e in await harness.repos(
            lambda r: r.outbox.with_prefix(f"declaration:{declared}:mark:")
        )
        if ":called:" in e.message.dedupe_key
    ]
    assert len(calls) == len(sent)  # the first call's edits only
