"""/declare, /declare_for, the group's deep link and the declaration dialog, through the real
dispatcher and database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import AnswerCallbackQuery, EditMessageText, PinChatMessage
from sqlalchemy import func, select

from bot.wiring import expired_draft_notice, jobs_config
from domain.declaration_dialog import Draft
from domain.declaration_steps import Step
from domain.org import ChatGroup, GroupPurpose, Language, Role, RoleAssignment
from handlers.groups import post_join_button
from scheduler.actions import expire_drafts
from scheduler.context import JobContext
from services import drafts
from services.org import load_org_file
from storage import Repositories
from storage.models import DeclarationRow, OutboxRow
from tests.handlers.conftest import BOT_ID, ZH, Harness, not_understood
from tests.orgs import NANJIE, Member, org_toml
from texts.declaration_keyboards import (
    DeclStep,
    option_label,
    plain_answer,
    question_keyboard,
    question_text,
)
from texts.i18n import Translator

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=ZONE)
RESIDENT, NEWCOMER, LIAISON, SUPERVISOR = 3001, 3002, 2001, 1002
GROUP = -1003001
TOKEN = "tok123"
MORE_ORG = org_toml([NANJIE], [Member(RESIDENT, "刘居民", "dongguan", "resident")])


@pytest.fixture(autouse=True)
async def setup(harness: Harness) -> None:
    harness.clock.set(NOW)

    async def act(repos: Repositories) -> None:
        await load_org_file(repos, MORE_ORG, now=NOW)
        await repos.groups.bind(
            ChatGroup(GROUP, "东关村居民群", "dongguan", GroupPurpose.RESIDENTS, TOKEN),
            bound_by=None,
            now=NOW,
        )

    await harness.repos(act)


def current(harness: Harness) -> DeclStep:
    """The callback data of the last dialog keyboard (its step and dialog id)."""
    for row in harness.last_keyboard().inline_keyboard:
        for button in row:
            if button.callback_data and button.callback_data.startswith("v1dcl:"):
                return DeclStep.unpack(button.callback_data)
    raise AssertionError("no dialog keyboard")


async def click(harness: Harness, user: int, value: str = "", action: str = "pick") -> list[str]:
    data = current(harness)
    pressed = DeclStep(step=data.step, action=action, value=value, dialog=data.dialog)
    return await harness.press(user, pressed.pack())


async def answer_who_and_where(harness: Harness, user: int) -> None:
    """Name, phone, no ID number, address: up to the status question."""
    await harness.send(user, "刘小明")
    await harness.send(user, "13800138000")
    await click(harness, user, action="skip")
    await harness.send(user, "东关村5组")


async def answer_origin_to_vaccination(harness: Harness, user: int) -> None:
    """From the origin question of a returned resident up to the symptoms question."""
    await click(harness, user, "domestic")
    await click(harness, user, "420000")
    await click(harness, user, "420100")
    await click(harness, user, "420102")
    await click(harness, user, action="skip")
    await click(harness, user, "none")
    await click(harness, user, "train")
    await harness.send(user, "G1234")
    await harness.send(user, "昨天")
    await click(harness, user, action="skip")
    await click(harness, user, "green")
    await click(harness, user, "green")
    await click(harness, user, action="skip")
    await click(harness, user, "3")


async def walk_to_summary(harness: Harness, user: int) -> None:
    await answer_who_and_where(harness, user)
    await click(harness, user, "returned")
    await answer_origin_to_vaccination(harness, user)
    await click(harness, user, "none")
    await harness.send(user, "36.5")
    await click(harness, user, "none")
    await click(harness, user, action="skip")
    assert current(harness).step == "summary"


async def declarations_count(harness: Harness) -> int:
    async def count(repos: Repositories) -> int:
        session = repos.people._session
        return int(await session.scalar(select(func.count()).select_from(DeclarationRow)) or 0)

    return int(await harness.repos(count))


async def test_full_dialog_in_private(harness: Harness) -> None:
    replies = await harness.declare(RESIDENT)
    assert replies[0] == ZH("declare-intro", unit="东关村")
    assert replies[1] == ZH("declare-q-name")
    await walk_to_summary(harness, RESIDENT)
    summary = harness.session.texts(RESIDENT)[-1]
    assert "刘小明" in summary
    assert "江岸区" in summary
    assert "G1234" in summary
    await click(harness, RESIDENT, "confirm")
    assert harness.session.texts(RESIDENT)[-1] == ZH("declare-q-attest")
    replies = await click(harness, RESIDENT, "agree")
    assert await declarations_count(harness) == 1
    assert replies[-1].startswith(ZH("followup-result-title", id=1))
    assert await harness.repos(lambda r: r.drafts.get(RESIDENT)) is None
    # The dialog is over: its old buttons are refused.
    await harness.press(RESIDENT, DeclStep(step="attest", action="pick", value="agree").pack())
    assert harness.session.of_type(AnswerCallbackQuery)[-1].show_alert


async def test_invalid_inputs_are_asked_again_with_the_reason(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    assert await harness.send(RESIDENT, "<b>" + "x" * 10_000) == [
        ZH("declare-invalid-name") + "\n" + ZH("declare-q-name")
    ]
    await harness.send(RESIDENT, "刘小明")
    assert await harness.send(RESIDENT, "12345") == [
        ZH("answer-phone-invalid") + "\n" + ZH("declare-q-phone")
    ]
    await harness.send(RESIDENT, "13800138000")
    assert (await harness.send(RESIDENT, "110101199003074478"))[0].startswith(
        ZH("declare-use-buttons")  # the document's type first
    )
    await click(harness, RESIDENT, "resident")
    assert (await harness.send(RESIDENT, "110101199003074478"))[0].startswith(
        ZH("answer-id-checksum")
    )
    await click(harness, RESIDENT, action="skip")
    await harness.send(RESIDENT, "东关村5组")
    assert (await harness.send(RESIDENT, "已返回"))[0].startswith(ZH("declare-use-buttons"))
    assert current(harness).step == "status"


async def test_back_edit_and_cancel(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await harness.send(RESIDENT, "刘小明")
    assert current(harness).step == "phone"
    await click(harness, RESIDENT, action="back")
    assert current(harness).step == "name"
    await harness.send(RESIDENT, "刘大明")
    await harness.send(RESIDENT, "13800138000")
    await click(harness, RESIDENT, action="skip")
    await harness.send(RESIDENT, "/cancel")
    assert harness.session.texts(RESIDENT)[-1] == ZH("declare-cancelled")
    assert await harness.repos(lambda r: r.drafts.get(RESIDENT)) is None
    # Text after cancelling is no answer to anything.
    assert not_understood(await harness.send(RESIDENT, "东关村5组"))


async def test_edit_from_summary(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await walk_to_summary(harness, RESIDENT)
    await click(harness, RESIDENT, "transport", "edit")
    assert current(harness).step == "transport"
    await click(harness, RESIDENT, "own_car")
    assert current(harness).step == "summary"
    assert "G1234" not in harness.session.texts(RESIDENT)[-1]


async def test_restart_keeps_the_draft(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await harness.send(RESIDENT, "刘小明")
    harness.restart()
    assert await harness.send(RESIDENT, "13800138000") == [ZH("declare-q-idtype")]


async def test_stale_and_forged_buttons_are_refused(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await harness.send(RESIDENT, "刘小明")
    data = current(harness)
    for forged in (
        DeclStep(step="name", action="pick", value="x", dialog=data.dialog),
        DeclStep(step="phone", action="pick", value="x", dialog="other"),
        DeclStep(step="phone", action="pick", value="returned", dialog=data.dialog),
    ):
        assert await harness.press(RESIDENT, forged.pack()) == []
        assert harness.session.of_type(AnswerCallbackQuery)[-1].text == ZH("declare-stale")
    assert await harness.send(RESIDENT, "13800138000") == [ZH("declare-q-idtype")]


async def test_declare_in_a_group_asks_nothing_personal(harness: Harness) -> None:
    replies = await harness.send(RESIDENT, "/declare", chat_id=GROUP)
    assert replies == [ZH("declare-in-private")]
    url = harness.last_keyboard().inline_keyboard[0][0].url or ""
    assert url.endswith(f"?start=decl-{TOKEN}")
    assert harness.session.texts(RESIDENT) == []


async def test_group_button_joins_and_starts(harness: Harness) -> None:
    await post_join_button(
        harness.bot,
        ChatGroup(GROUP, "群", "dongguan", GroupPurpose.RESIDENTS, TOKEN),
        Translator(harness.settings.i18n.default_locale),
    )
    post = harness.session.sent(GROUP)[-1]
    assert post.text == ZH("declare-post")
    assert harness.session.of_type(PinChatMessage)[-1].chat_id == GROUP
    url = harness.last_keyboard().inline_keyboard[0][0].url or ""
    payload = url.split("?start=")[1]
    [notice] = await harness.send(NEWCOMER, f"/start {payload}")
    assert ZH("notice-body", unit="东关村", days=30) in notice
    replies = await harness.accept_notice(NEWCOMER)
    assert replies == [ZH("declare-intro", unit="东关村"), ZH("declare-q-name")]
    roles = await harness.repos(lambda r: r.roles.of_person(NEWCOMER))
    assert RoleAssignment(NEWCOMER, "dongguan", Role.RESIDENT) in roles
    assert await harness.send(NEWCOMER, "/start decl-nonsense") == [ZH("declare-join-failed")]


async def test_declare_without_a_unit_says_how_to_join(harness: Harness) -> None:
    assert await harness.declare(NEWCOMER) == [ZH("declare-no-unit")]


async def test_proxy_by_a_liaison(harness: Harness) -> None:
    replies = await harness.declare(LIAISON, "/declare_for")
    assert replies[0] == ZH("declare-intro-proxy", unit="东关村")
    await walk_to_summary(harness, LIAISON)
    await click(harness, LIAISON, "confirm")
    await click(harness, LIAISON, "agree")

    async def rows(repos: Repositories) -> list[DeclarationRow]:
        session = repos.people._session
        return list(await session.scalars(select(DeclarationRow)))

    [row] = await harness.repos(rows)
    assert row.resident_id is None
    assert row.filed_by == LIAISON


async def test_proxy_refused_for_a_plain_resident(harness: Harness) -> None:
    assert await harness.declare(RESIDENT, "/declare_for") == [ZH("declare-for-not-allowed")]


async def test_expired_draft_notice_and_start_over(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await harness.send(RESIDENT, "刘小明")
    last_step = harness.clock.now()
    ttl = harness.settings.declarations.draft_ttl_hours

    def job_at(moment: datetime) -> JobContext:
        harness.clock.set(moment)
        config = jobs_config(harness.settings)
        return JobContext(harness.database, moment, config, draft_notice=expired_draft_notice)

    # Expired, but the lease's grace has not run out: no notice yet (never one too early).
    expired = last_step + timedelta(hours=ttl, minutes=1)
    assert await expire_drafts(job_at(expired)) == {"drafts": 0}
    context = job_at(last_step + timedelta(hours=ttl) + drafts.LEASE_RENEWAL)
    assert await expire_drafts(context) == {"drafts": 1}
    assert await expire_drafts(context) == {"drafts": 0}

    async def notices(repos: Repositories) -> list[OutboxRow]:
        session = repos.people._session
        return list(await session.scalars(select(OutboxRow)))

    [notice] = await harness.repos(notices)
    assert notice.chat_id == RESIDENT
    assert notice.text == ZH("declare-expired-notice")
    replies = await harness.send(RESIDENT, "13800138000")
    assert replies == [
        ZH("declare-expired"),
        ZH("declare-intro", unit="东关村"),
        ZH("declare-q-name"),
    ]


async def test_several_units_ask_which_and_the_choice_is_checked(harness: Harness) -> None:
    async def second(repos: Repositories) -> None:
        await repos.roles.grant(
            RoleAssignment(RESIDENT, "nanjie", Role.RESIDENT), granted_by=None, now=NOW
        )

    await harness.repos(second)
    assert await harness.declare(RESIDENT) == [ZH("declare-choose-unit")]
    assert await harness.press(RESIDENT, "v1dclu:hexi:0") == []  # not one of theirs
    assert harness.session.of_type(AnswerCallbackQuery)[-1].show_alert
    [notice] = await harness.press(RESIDENT, harness.button("南街社区"))
    assert ZH("notice-body", unit="南街社区", days=30) in notice
    replies = await harness.accept_notice(RESIDENT)
    assert replies == [ZH("declare-intro", unit="南街社区"), ZH("declare-q-name")]


async def test_region_pages_and_checklist_ticks_redraw_in_place(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await harness.send(RESIDENT, "刘小明")
    await harness.send(RESIDENT, "13800138000")
    await click(harness, RESIDENT, action="skip")
    await harness.send(RESIDENT, "东关村5组")
    await click(harness, RESIDENT, "returned")
    await click(harness, RESIDENT, "domestic")
    assert harness.button("北京市")
    sent_before = len(harness.session.sent(RESIDENT))
    await click(harness, RESIDENT, "1", "page")
    assert len(harness.session.sent(RESIDENT)) == sent_before  # edited, not sent
    assert harness.button("湖北省")
    await click(harness, RESIDENT, "420000")
    assert current(harness).step == "city"
    assert (await harness.send(RESIDENT, "南京"))[0].startswith(ZH("declare-region-unknown"))
    await harness.send(RESIDENT, "武汉")
    assert current(harness).step == "rmatch"


async def test_a_draft_that_no_longer_fits_restarts_politely(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await harness.send(RESIDENT, "刘小明")
    key = StorageKey(bot_id=BOT_ID, chat_id=RESIDENT, user_id=RESIDENT)
    data = await harness.storage.get_data(key)
    await harness.storage.set_data(key, {**data, "draft": {**data["draft"], "step": "warp"}})
    assert await harness.send(RESIDENT, "13800138000") == [ZH("declare-restart")]
    assert await harness.repos(lambda r: r.drafts.get(RESIDENT)) is None


async def test_checklist_ticks_edit_the_message(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    key = StorageKey(bot_id=BOT_ID, chat_id=RESIDENT, user_id=RESIDENT)
    data = await harness.storage.get_data(key)
    at_symptoms = {**data["draft"], "step": "symptoms"}
    await harness.storage.set_data(key, {**data, "draft": at_symptoms})
    await harness.send(RESIDENT, "?")  # redraws the question with its buttons
    await click(harness, RESIDENT, "fever")
    edits = harness.session.of_type(EditMessageText)
    assert edits
    assert edits[-1].text == ZH("declare-q-symptoms")
    assert harness.button("✅ " + ZH("symptom-fever"))
    await click(harness, RESIDENT, "done")
    assert current(harness).step == "temp"


async def test_declare_in_an_unbound_group_links_to_the_bot(harness: Harness) -> None:
    assert await harness.send(RESIDENT, "/declare_for", chat_id=-1009999) == [
        ZH("declare-in-private")
    ]
    assert harness.last_keyboard().inline_keyboard[0][0].url == "https://t.me/fangkong_test_bot"


async def walk_to_planned(harness: Harness, user: int) -> None:
    await answer_who_and_where(harness, user)
    await click(harness, user, "planning_return")
    assert current(harness).step == "planned"


async def test_a_planned_date_beyond_six_months_is_asked_again(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await walk_to_planned(harness, RESIDENT)
    reason = ZH("declare-planned-range", first="2026-11-22", last="2027-05-24")
    # The question's example is a week ahead: a date the question takes.
    question = ZH("declare-q-planned", example=ZH("declare-example-day", month=11, day=29))
    for typed in ("9999-12-25", "2099-01-01", "2027-05-25", "2026-11-21"):
        assert await harness.send(RESIDENT, typed) == [reason + "\n" + question]
        assert current(harness).step == "planned"
    assert await harness.send(RESIDENT, "2027-05-24") == [ZH("declare-q-origin")]


async def test_an_arrival_before_the_look_back_window_is_asked_again(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await answer_who_and_where(harness, RESIDENT)
    for value in ("returned", "domestic", "420000", "420100", "420102"):
        await click(harness, RESIDENT, value)
    await click(harness, RESIDENT, action="skip")
    await click(harness, RESIDENT, "none")
    await click(harness, RESIDENT, "own_car")
    assert current(harness).step == "arrdate"
    days = harness.settings.policy.lookback_days
    reason = ZH("declare-arrdate-range", days=days, first="2026-11-08", last="2026-11-22")
    for typed in ("2026-11-07", "2025-11-22"):
        [reply] = await harness.send(RESIDENT, typed)
        assert reply == reason + "\n" + ZH("declare-q-arrdate")
    # A day to come is no arrival yet: said so, not the look-back.
    for typed in ("2026-11-23", "9999-12-25", "明天"):
        [reply] = await harness.send(RESIDENT, typed)
        assert reply == ZH("declare-arrdate-ahead") + "\n" + ZH("declare-q-arrdate")
    await harness.send(RESIDENT, "2026-11-08")
    assert current(harness).step == "arrtime"


async def test_a_stored_draft_with_an_absurd_date_restarts_instead_of_failing(
    harness: Harness,
) -> None:
    await harness.declare(RESIDENT)
    await walk_to_summary(harness, RESIDENT)
    key = StorageKey(bot_id=BOT_ID, chat_id=RESIDENT, user_id=RESIDENT)
    data = await harness.storage.get_data(key)
    answers = {k: v for k, v in data["draft"]["answers"].items() if k not in ("arrdate", "arrtime")}
    answers |= {"status": "planning_return", "planned": "9999-12-25"}
    await harness.storage.set_data(key, {**data, "draft": {**data["draft"], "answers": answers}})
    assert await click(harness, RESIDENT, "confirm") == [ZH("declare-restart")]
    assert await declarations_count(harness) == 0
    assert await harness.repos(lambda r: r.drafts.get(RESIDENT)) is None


async def test_answers_show_in_their_questions_a_checklist_by_its_ticks(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await harness.send(RESIDENT, "刘小明")
    [notice, name] = harness.echoes(RESIDENT)
    assert notice.endswith(ZH("dialog-answered", answer=ZH("notice-accept")))
    assert name == ZH("declare-q-name") + "\n\n" + ZH("dialog-answered", answer="刘小明")
    await harness.send(RESIDENT, "13800138000")
    await click(harness, RESIDENT, action="skip")
    assert harness.echoes(RESIDENT)[-1].endswith(
        ZH("dialog-answered", answer=ZH("declare-button-skip"))
    )
    await harness.send(RESIDENT, "东关村5组")
    await click(harness, RESIDENT, "returned")
    assert harness.echoes(RESIDENT)[-1].endswith(
        ZH("dialog-answered", answer=option_label(ZH, Step.STATUS, "returned"))
    )
    await answer_origin_to_vaccination(harness, RESIDENT)
    assert current(harness).step == Step.SYMPTOMS
    await click(harness, RESIDENT, "fever")
    await click(harness, RESIDENT, "dry_cough")
    await click(harness, RESIDENT, "done")
    ticked = plain_answer(ZH, Step.SYMPTOMS, ["fever", "dry_cough"])
    assert harness.echoes(RESIDENT)[-1] == (
        ZH("declare-q-symptoms") + "\n\n" + ZH("dialog-answered", answer=ticked)
    )


# Places through the real dispatcher: an English speaker sees region buttons in English, and a
# place typed in pinyin or as a station is offered its region.
async def test_an_english_speaker_picks_and_types_places_in_english(harness: Harness) -> None:
    await harness.send(RESIDENT, "/lang")
    await harness.press(RESIDENT, "v1lang:en")
    await harness.declare(RESIDENT)
    await answer_who_and_where(harness, RESIDENT)
    await click(harness, RESIDENT, "returned")
    await click(harness, RESIDENT, "domestic")
    assert harness.labels()[:4] == ["Beijing", "Tianjin", "Hebei", "Shanxi"]
    await harness.send(RESIDENT, "Wuhan")  # typed instead of pressed
    assert harness.labels()[0] == "Wuhan, Hubei"
    await click(harness, RESIDENT, "420100")
    assert harness.labels()[:2] == ["Jiang'an District", "Jianghan District"]
    await click(harness, RESIDENT, "420102")
    await click(harness, RESIDENT, action="skip")  # no street
    await click(harness, RESIDENT, "add")
    await harness.send(RESIDENT, "南京南站")
    assert harness.labels()[0] == "Nanjing, Jiangsu"
    await click(harness, RESIDENT, "320100")
    assert current(harness).step == "sstart"  # the place is settled: its dates come next


async def stored_answers(harness: Harness) -> dict[str, object]:
    async def rows(repos: Repositories) -> list[DeclarationRow]:
        return list(await repos.people._session.scalars(select(DeclarationRow)))

    [row] = await harness.repos(rows)
    return dict(row.answers)


async def test_the_result_lists_only_tests_and_check_ins_still_ahead(harness: Harness) -> None:
    # Filed at 23:48 by someone from abroad who arrived yesterday: day 1's test (10:00) and
    # today's check-in (20:00) are past; centralised quarantine tests on days 1 and 13.
    harness.clock.set(datetime(2026, 11, 22, 23, 48, tzinfo=ZONE))
    await harness.declare(RESIDENT)
    await answer_who_and_where(harness, RESIDENT)
    await click(harness, RESIDENT, "returned")
    await click(harness, RESIDENT, "overseas")
    await harness.send(RESIDENT, "新加坡")
    await click(harness, RESIDENT, action="skip")  # no port
    await harness.send(RESIDENT, "昨天")
    await click(harness, RESIDENT, "yes")
    await click(harness, RESIDENT, "none")  # no stays
    await click(harness, RESIDENT, "flight")
    await harness.send(RESIDENT, "SQ830")
    await harness.send(RESIDENT, "昨天")
    await click(harness, RESIDENT, action="skip")  # no arrival time
    await click(harness, RESIDENT, "green")
    await click(harness, RESIDENT, "green")
    await click(harness, RESIDENT, action="skip")  # no test
    await click(harness, RESIDENT, "3")
    await click(harness, RESIDENT, "none")
    await harness.send(RESIDENT, "36.5")
    await click(harness, RESIDENT, "none")
    await click(harness, RESIDENT, action="skip")
    await click(harness, RESIDENT, "confirm")
    result = (await click(harness, RESIDENT, "agree"))[-1]
    assert ZH("followup-category-centralised_quarantine") in result
    # Day 1's test, past when declared, moves to the next day without one (not dropped).
    dates = ZH("list-separator").join(["2026-11-23", "2026-12-04"])
    assert ZH("followup-result-tests", dates=dates) in result
    assert "2026-11-23 至 2026-12-04" in result  # the check-ins
    assert "2026-11-22" not in result


async def test_no_symptoms_with_a_fever_is_asked_about_and_kept_once_confirmed(
    harness: Harness,
) -> None:
    await harness.declare(RESIDENT)
    await answer_who_and_where(harness, RESIDENT)
    await click(harness, RESIDENT, "returned")
    await answer_origin_to_vaccination(harness, RESIDENT)
    await click(harness, RESIDENT, "none")
    [question] = await harness.send(RESIDENT, "38.5")
    assert question == ZH("declare-q-tempok", temperature="38.5 °C")
    assert current(harness).step == "tempok"
    await click(harness, RESIDENT, "confirm")
    assert current(harness).step == "contacts"
    assert harness.echoes(RESIDENT)[-1].endswith(
        ZH("dialog-answered", answer=ZH("declare-opt-tempok-confirm"))
    )
    await click(harness, RESIDENT, "none")
    await click(harness, RESIDENT, action="skip")
    summary = harness.session.texts(RESIDENT)[-1]
    assert "体温：38.5 °C" in summary
    assert "症状：无" in summary
    await click(harness, RESIDENT, "confirm")
    result = (await click(harness, RESIDENT, "agree"))[-1]
    assert ZH("followup-category-fever_clinic_referral") in result
    answers = await stored_answers(harness)
    assert (answers["temperature"], answers.get("symptoms", [])) == (38.5, [])


async def test_a_passport_is_picked_then_typed_and_kept_with_its_type(harness: Harness) -> None:
    await harness.declare(RESIDENT)
    await harness.send(RESIDENT, "Jane Doe")
    await harness.send(RESIDENT, "13800138000")
    assert current(harness).step == "idtype"
    assert ZH("declare-opt-idtype-hkmo") in harness.labels()
    assert await click(harness, RESIDENT, "passport") == [ZH("declare-q-idno-passport")]
    [refused] = await harness.send(RESIDENT, "E1")
    assert refused.startswith(ZH("answer-passport-invalid"))
    await harness.send(RESIDENT, "e1234 5678")
    assert current(harness).step == "address"
    await harness.send(RESIDENT, "东关村5组")
    await click(harness, RESIDENT, "returned")
    await answer_origin_to_vaccination(harness, RESIDENT)
    await click(harness, RESIDENT, "none")
    await harness.send(RESIDENT, "36.5")
    await click(harness, RESIDENT, "none")
    await click(harness, RESIDENT, action="skip")
    summary = harness.session.texts(RESIDENT)[-1].splitlines()
    assert "证件类型：护照" in summary
    assert "证件号码：E12345678" in summary
    await click(harness, RESIDENT, "confirm")
    await click(harness, RESIDENT, "agree")
    answers = await stored_answers(harness)
    assert (answers["id_type"], answers["id_number"]) == ("passport", "E12345678")


async def test_a_place_nothing_matches_is_picked_or_flagged_never_kept_silently(
    harness: Harness,
) -> None:
    harness.clock.set(NOW)
    await harness.declare(RESIDENT)
    await answer_who_and_where(harness, RESIDENT)
    await click(harness, RESIDENT, "returned")
    await click(harness, RESIDENT, "overseas")
    await harness.send(RESIDENT, "日本")
    await click(harness, RESIDENT, action="skip")
    await harness.send(RESIDENT, "昨天")
    await click(harness, RESIDENT, "yes")
    await click(harness, RESIDENT, "add")
    [asked] = await harness.send(RESIDENT, "老家村口")
    assert current(harness).step == "spick"
    assert ZH("declare-q-spick", place="老家村口") in asked
    assert ZH("declare-button-unlisted") in harness.labels()
    [asked] = await click(harness, RESIDENT, "420000")
    assert ZH("declare-q-spick-at", region="湖北省") in asked  # where the picking stands
    assert {ZH("declare-button-pick-here"), ZH("declare-button-pick-up")} <= set(harness.labels())
    assert "武汉市" in harness.labels()
    # English: the same question and buttons, with English division names.
    en = Translator(Language.EN)
    stored = await harness.storage.get_data(StorageKey(BOT_ID, RESIDENT, RESIDENT))
    draft = Draft.from_data(stored["draft"], today=NOW.date())
    assert en("declare-q-spick-at", region="Hubei") in question_text(en, draft)
    english = [b.text for row in question_keyboard(en, draft, "d").inline_keyboard for b in row]
    assert "Wuhan" in english
    assert en("declare-button-unlisted") in english
    await click(harness, RESIDENT, "unlisted")
    assert current(harness).step == "sstart"
    await click(harness, RESIDENT, action="skip")
    await click(harness, RESIDENT, action="skip")
    [stays] = await click(harness, RESIDENT, "no")
    # The list of stays says a person will locate it.
    assert ZH("declare-stay-place-unlisted", place="老家村口") in stays
