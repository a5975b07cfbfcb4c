"""The access log: /audit for admins only (refusals audited), filtered by person and period,
paged with ‹ › that check the presser again; every view of a resident's record by staff is an
entry with the record's id; "show number" asks for the purpose first and logs it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery

from domain.declarations import TestResult
from domain.org import Language
from storage import Repositories
from storage.records import AuditEntry
from tests.handlers.conftest import ADMIN_ID, EN, ZH, Harness
from tests.handlers.followups import LIAISON, load_more_org
from tests.handlers.test_case_card import submit
from tests.handlers.test_case_places import RETURNEE, data
from tests.handlers.test_cases import FEVER, NOW, PHONE
from tests.handlers.test_result_fixes import open_, recorded
from texts.audit import AuditPage
from texts.case_keyboards import CaseAct, CaseAction
from texts.place_flags import PlaceAction
from texts.rendering import phone_display

SUPERVISOR, TOWNSHIP = 1001, 1002  # 王主任 of the county (zh); 李镇长 of the township (en)


@pytest.fixture(autouse=True)
def at_now(harness: Harness) -> None:
    harness.clock.set(NOW)


async def entries(harness: Harness, action: str = "") -> list[AuditEntry]:
    found: list[AuditEntry] = await harness.repos(lambda r: r.audit.recent(500))
    return [e for e in found if e.action.startswith(action)]


async def seed(harness: Harness, count: int, *, actor: int = LIAISON, days_ago: int = 0) -> None:
    async def act(repos: Repositories) -> None:
        for n in range(count):
            await repos.audit.record(
                at=NOW - timedelta(days=days_ago, minutes=n),
                actor_id=actor,
                action="case.view",
                target=f"declaration {n + 1}",
                allowed=True,
            )

    await harness.repos(act)


async def test_non_admins_are_refused_and_the_refusal_is_audited(harness: Harness) -> None:
    assert await harness.send(SUPERVISOR, "/audit") == [ZH("audit-not-admin")]
    [refusal] = await entries(harness, "audit.")
    assert (refusal.actor_id, refusal.allowed, refusal.detail) == (
        SUPERVISOR,
        False,
        "audit-not-admin",
    )


async def test_an_admin_reads_the_log_in_their_language(harness: Harness) -> None:
    await seed(harness, 1)
    await harness.repos(
        lambda r: r.audit.record(
            at=NOW, actor_id=TOWNSHIP, action="case.unmask", target="declaration 1",
            allowed=True, detail="<to call>",
        )
    )  # fmt: skip
    [page] = await harness.send(ADMIN_ID, "/audit")
    # The reading itself is the newest entry.
    assert page.startswith(ZH("audit-title", total=3))
    assert ZH("audit-action-case-view") in page
    assert ZH("audit-action-audit-view") in page
    local = NOW.strftime("%Y-%m-%d %H:%M")
    assert (
        ZH(
            "audit-line",
            at=local,
            who="李镇长",
            action=ZH("audit-action-case-unmask"),
            target=ZH("audit-target-declaration", id=1),
            outcome=ZH("audit-allowed"),
        )
        + "\n"
        + ZH("audit-detail", detail="<to call>")
    ) in page
    assert "张联络" in page
    await harness.repos(lambda r: r.people.set_language(ADMIN_ID, Language.EN))
    [page] = await harness.send(ADMIN_ID, "/audit")
    assert page.startswith(EN("audit-title", total=4))
    assert EN("audit-action-case-unmask") in page


async def test_filters_by_person_and_period(harness: Harness) -> None:
    await seed(harness, 2)
    await seed(harness, 3, actor=TOWNSHIP, days_ago=3)
    [page] = await harness.send(ADMIN_ID, "/audit 镇长")
    assert page.startswith(ZH("audit-title", total=3))
    assert ZH("audit-filter-person", name="李镇长", id=TOWNSHIP) in page
    assert "张联络" not in page
    [page] = await harness.send(ADMIN_ID, f"/audit {LIAISON} 今天")
    assert page.startswith(ZH("audit-title", total=2))
    day = NOW.date().isoformat()
    assert ZH("audit-filter-period", first=day, last=day) in page
    three_days = (NOW - timedelta(days=3)).strftime("%m-%d")
    [page] = await harness.send(ADMIN_ID, f"/audit {three_days} {three_days}")
    assert page.startswith(ZH("audit-title", total=3))
    # Names that fit nobody or several, and dates that are none or in the future.
    assert await harness.send(ADMIN_ID, "/audit 无此人") == [
        ZH("audit-person-unknown", name="无此人")
    ]
    await harness.repos(lambda r: r.people.ensure(4001, "李四", Language.ZH_CN, now=NOW))
    [several] = await harness.send(ADMIN_ID, "/audit 李")  # 李镇长 and 李四
    assert several.startswith(ZH("audit-person-several", name="李"))
    assert ZH("audit-person-choice", name="李镇长", id=TOWNSHIP) in several
    assert await harness.send(ADMIN_ID, "/audit 2026-02-30") == [ZH("answer-date-invalid")]
    first = (NOW.date() - timedelta(days=3660)).isoformat()
    assert await harness.send(ADMIN_ID, "/audit 明天") == [
        ZH("answer-date-outside", first=first, last=day, days=3660)
    ]


async def test_pages_turn_and_every_press_is_checked(harness: Harness) -> None:
    await seed(harness, 24)
    [page] = await harness.send(ADMIN_ID, "/audit")
    assert ZH("audit-page", page=1, pages=3) in page
    assert harness.labels() == [ZH("audit-next")]
    forward = harness.button(ZH("audit-next"))
    [page] = await harness.press(ADMIN_ID, forward)
    assert ZH("audit-page", page=2, pages=3) in page
    assert harness.labels() == [ZH("audit-previous"), ZH("audit-next")]
    assert ZH("audit-target-declaration", id=10) in page
    assert ZH("audit-target-declaration", id=18) in page
    # The same button in someone else's hands: refused, and that refusal audited too.
    assert await harness.press(SUPERVISOR, forward) == []
    answer = harness.session.of_type(AnswerCallbackQuery)[-1]
    assert (answer.text, answer.show_alert) == (ZH("audit-not-admin"), True)
    assert [e.actor_id for e in await entries(harness, "audit.") if not e.allowed] == [SUPERVISOR]
    # Turning pages adds no entry: the pages stay where they were.
    assert len(await entries(harness, "audit.view")) == 2
    data = AuditPage(person=0, since=0, until=0, page=2).pack()
    [page] = await harness.press(ADMIN_ID, data)
    assert ZH("audit-page", page=3, pages=3) in page


async def test_the_number_is_shown_only_for_a_purpose(harness: Harness) -> None:
    declared = await submit(harness, FEVER)
    phone = CaseAct(declaration=declared, action=CaseAction.PHONE).pack()
    asked = EN("case-phone-ask", id=declared, name="胡军")
    # /cancel: nothing shown, nothing unmasked.
    assert await harness.press(TOWNSHIP, phone, language="en") == [asked]
    replies = await harness.send(TOWNSHIP, "/cancel", language="en")
    assert all(phone_display(PHONE) not in reply for reply in replies)
    assert replies[-1] == EN("case-phone-cancelled")  # not "nothing you typed was kept"
    # A blank message is no purpose: asked again.
    assert await harness.press(TOWNSHIP, phone, language="en") == [asked]
    assert await harness.send(TOWNSHIP, "   ", language="en") == [
        EN("case-phone-ask", id=declared, name="-")
    ]
    assert await entries(harness, "case.unmask") == []
    [shown] = await harness.send(TOWNSHIP, "to arrange a test", language="en")
    assert shown == EN("case-phone", id=declared, phone=phone_display(PHONE))
    [unmask] = await entries(harness, "case.unmask")
    assert (unmask.actor_id, unmask.target, unmask.detail) == (
        TOWNSHIP,
        f"declaration {declared}",
        "to arrange a test",
    )
    # The dialog is over: the next message is no second purpose.
    assert phone_display(PHONE) not in " ".join(await harness.send(TOWNSHIP, "again"))


async def test_each_resident_on_a_cases_page_is_a_view(harness: Harness) -> None:
    declared = await submit(harness, FEVER)
    await harness.send(LIAISON, "/cases")
    [view] = await entries(harness, "cases.list")
    assert (view.actor_id, view.target, view.allowed, view.detail) == (
        LIAISON,
        f"declaration {declared}",
        True,
        "page 1",
    )


async def test_results_and_their_menu_are_views(harness: Harness) -> None:
    await load_more_org(harness)
    record = await recorded(harness, TestResult.NEGATIVE)
    await harness.send(LIAISON, "/results")
    await harness.press(LIAISON, open_(record))
    views = [(e.actor_id, e.target, e.detail) for e in await entries(harness, "test.view")]
    target = f"test_record {record}"
    assert views == [(LIAISON, target, None), (LIAISON, target, "list")]


async def test_a_place_to_locate_opened_is_a_view_and_its_turns_are_not(harness: Harness) -> None:
    declared = await submit(harness, RETURNEE)
    await harness.press(LIAISON, data(declared, PlaceAction.OPEN))
    await harness.press(LIAISON, data(declared, PlaceAction.BROWSE))
    views = [(e.actor_id, e.target, e.detail) for e in await entries(harness, "case.place")]
    assert views == [(LIAISON, f"declaration {declared}", "stay 0")]


async def test_only_admins_see_audit_in_help(harness: Harness) -> None:
    [admin] = await harness.send(ADMIN_ID, "/help")
    assert "/audit" in admin
    [supervisor] = await harness.send(SUPERVISOR, "/help")
    assert "/audit" not in supervisor
